"""dated history: registration date, off-register changes, work-ability changes, custody and facility stays, the
effective date of transfers, and a v2 snapshot event of every existing person

New columns of `person` (caches of the dated history below, kept by the service, so lists and exports read one row):
- `registered_on`: the day the person was entered on the register (back-dated entries allowed, never before birth).
  Existing rows: the start of their first control measure (corrections applied) when that is earlier than the day
  the row was created, else the creation day (in China Standard Time), and never before the birth date.
- `work_ability_since`: the day today's `work_ability` applies from. Existing rows: `registered_on`.
- `archived_on`, `archive_reason_code`: the effective day and reason code of the off-register change that archived
  the record. Existing archived rows: the day they were archived (China Standard Time) and `other` (the archive's
  free-text reason stays in `archive_reason`).

New tables (history is never rewritten; the database refuses any other UPDATE and every DELETE):
- `register_change`: off-register changes (`left`: died, moved out of the county, entered in error, other) and
  returns (`returned`), each with its effective day. A row may change once, from standing to withdrawn (with who,
  when and why). Existing archived rows get one `left` / `other` change on their `archived_on`.
- `work_ability_change`: work ability as dated changes, append-only. Existing rows get one change, effective on
  `registered_on`, with today's value and reason.
- `stay`: custody (拘留 detention, criminal custody) and facility (hospital, other facility) stays, which may overlap
  a community measure. A row may change once to ended (end_on) and once to withdrawn.

`person_transfer.effective_on`: the day the person belongs to the receiving jurisdiction (back-dated allowed; set on
acceptance when not proposed). Existing accepted transfers: the day they were accepted (China Standard Time).

Events: every existing person gets one `person.snapshot` event (schema_version 2) carrying their registration facts
and whole dated history (measures, relapses, register changes, work-ability changes, accepted transfers), so a
follower rebuilding from the start of the feed can represent people whose earlier events predate schema v2. The
downgrade drops the schema changes; the snapshot events stay in the feed (followers have read them).

Revision ID: r0011
Revises: r0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v1 as kit
from shared import migration_kit_v3 as kit3

revision = "r0011"
down_revision = "r0010"
branch_labels = None
depends_on = None

LEFT_REASONS = ("died", "moved_out_of_county", "entered_in_error", "other")
WORK_ABILITIES = ("able", "partly", "unable")
STAY_KINDS = ("detention", "criminal_custody", "hospital", "facility")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


def _person_columns() -> None:
    op.add_column("person", sa.Column("registered_on", sa.Date(), nullable=True))
    op.add_column("person", sa.Column("work_ability_since", sa.Date(), nullable=True))
    op.add_column("person", sa.Column("archived_on", sa.Date(), nullable=True))
    op.add_column("person", sa.Column("archive_reason_code", sa.String(30), nullable=True))
    op.execute(
        """
        UPDATE person p SET registered_on = GREATEST(p.birth_date, LEAST(
            (p.created_at AT TIME ZONE 'Asia/Shanghai')::date,
            (SELECT min(m.start_on) FROM control_measure m
              WHERE m.person_id = p.id
                AND NOT EXISTS (SELECT 1 FROM control_measure c WHERE c.corrects_id = m.id))))
        """
    )
    op.execute("UPDATE person SET work_ability_since = registered_on")
    op.execute(
        """
        UPDATE person SET archived_on = GREATEST(registered_on, (archived_at AT TIME ZONE 'Asia/Shanghai')::date),
                          archive_reason_code = 'other'
         WHERE status = 'archived'
        """
    )
    op.alter_column("person", "registered_on", nullable=False)
    op.alter_column("person", "work_ability_since", nullable=False)
    op.create_check_constraint("ck_person_registered_after_birth", "person", "registered_on >= birth_date")
    op.create_check_constraint("ck_person_work_ability_after_birth", "person", "work_ability_since >= birth_date")
    op.create_check_constraint("ck_person_archived_on", "person", "(status = 'archived') = (archived_on IS NOT NULL)")
    op.create_check_constraint(
        "ck_person_archive_reason_code",
        "person",
        f"(archived_on IS NULL) = (archive_reason_code IS NULL) "
        f"AND (archive_reason_code IS NULL OR {_in('archive_reason_code', LEFT_REASONS)})",
    )
    op.create_check_constraint("ck_person_archived_after_registration", "person", "archived_on >= registered_on")


def _register_change() -> None:
    op.create_table(
        "register_change",
        *kit3.person_row("register_change", references_person=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(30), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        *kit3.created(sa.Text()),
        *kit3.withdrawal("register_change"),
        sa.CheckConstraint("kind IN ('left','returned')", name="ck_register_change_kind"),
        sa.CheckConstraint(
            f"(kind = 'left') = (reason_code IS NOT NULL) "
            f"AND (reason_code IS NULL OR {_in('reason_code', LEFT_REASONS)})",
            name="ck_register_change_reason_code",
        ),
    )
    op.create_index("ix_register_change_person_id_effective_on", "register_change", ["person_id", "effective_on"])
    kit3.create_row_guard(
        "register_change",
        "register_change_withdraw_once",
        """
        CREATE FUNCTION register_change_withdraw_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
               AND (NEW.id, NEW.person_id, NEW.kind, NEW.effective_on, NEW.reason_code, NEW.detail, NEW.created_by,
                    NEW.created_at)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.person_id, OLD.kind, OLD.effective_on, OLD.reason_code, OLD.detail, OLD.created_by,
                    OLD.created_at)
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'register_change history is never rewritten (only withdrawing a change is allowed)'
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
    )
    op.execute(
        """
        INSERT INTO register_change (id, person_id, kind, effective_on, reason_code, detail, created_by, created_at)
        SELECT gen_random_uuid(), id, 'left', archived_on, 'other', archive_reason, 'migration r0011', archived_at
          FROM person WHERE status = 'archived'
        """
    )


def _work_ability_change() -> None:
    op.create_table(
        "work_ability_change",
        *kit3.person_row("work_ability_change", references_person=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("work_ability", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        *kit3.created(sa.Text()),
        sa.CheckConstraint(_in("work_ability", WORK_ABILITIES), name="ck_work_ability_change_work_ability"),
        sa.CheckConstraint(
            "work_ability = 'able' OR reason IS NOT NULL", name="ck_work_ability_change_reason_when_not_able"
        ),
    )
    op.create_index(
        "ix_work_ability_change_person_id_effective_on", "work_ability_change", ["person_id", "effective_on"]
    )
    kit.create_append_only_guard("work_ability_change")
    op.execute(
        """
        INSERT INTO work_ability_change (id, person_id, effective_on, work_ability, reason, created_by, created_at)
        SELECT gen_random_uuid(), id, work_ability_since, work_ability,
               CASE WHEN work_ability = 'able' THEN work_ability_reason
                    ELSE coalesce(work_ability_reason, '(migration r0011: no reason recorded)') END,
               'migration r0011', created_at
          FROM person
        """
    )


def _stay() -> None:
    op.create_table(
        "stay",
        *kit3.person_row("stay", references_person=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("for_drug_use", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("place", sa.String(100), nullable=True),
        sa.Column("decision_number", sa.String(100), nullable=True),
        *kit3.created(sa.Text()),
        sa.Column("ended_by", sa.Text(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        *kit3.withdrawal("stay"),
        sa.CheckConstraint(_in("kind", STAY_KINDS), name="ck_stay_kind"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="ck_stay_end_after_start"),
        sa.CheckConstraint(
            "NOT for_drug_use OR kind IN ('detention','criminal_custody')", name="ck_stay_drug_use_in_custody"
        ),
    )
    op.create_index("ix_stay_person_id_start_on", "stay", ["person_id", "start_on"])
    # Two changes a stay may undergo, each once: from open to ended, and from standing to withdrawn.
    kit3.create_row_guard(
        "stay",
        "stay_change_once",
        """
        CREATE FUNCTION stay_change_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE'
               AND (NEW.id, NEW.person_id, NEW.kind, NEW.start_on, NEW.for_drug_use, NEW.place, NEW.decision_number,
                    NEW.created_by, NEW.created_at)
                   IS NOT DISTINCT FROM
                   (OLD.id, OLD.person_id, OLD.kind, OLD.start_on, OLD.for_drug_use, OLD.place, OLD.decision_number,
                    OLD.created_by, OLD.created_at)
               AND OLD.withdrawn_at IS NULL
               AND ((OLD.end_on IS NULL AND NEW.end_on IS NOT NULL AND NEW.withdrawn_at IS NULL)
                    OR (NEW.withdrawn_at IS NOT NULL
                        AND (NEW.end_on, NEW.ended_by, NEW.ended_at)
                            IS NOT DISTINCT FROM (OLD.end_on, OLD.ended_by, OLD.ended_at)))
            THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'stay history is never rewritten (only ending an open stay or withdrawing one is allowed)'
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """,
    )


def _transfer_effective_on() -> None:
    op.add_column("person_transfer", sa.Column("effective_on", sa.Date(), nullable=True))
    # The close-once trigger of r0007 refuses updates of closed transfers; the backfill runs with it disabled.
    op.execute("ALTER TABLE person_transfer DISABLE TRIGGER USER")
    op.execute(
        "UPDATE person_transfer SET effective_on = (resolved_at AT TIME ZONE 'Asia/Shanghai')::date"
        " WHERE status = 'accepted'"
    )
    op.execute("ALTER TABLE person_transfer ENABLE TRIGGER USER")
    op.create_check_constraint(
        "ck_person_transfer_effective_when_accepted",
        "person_transfer",
        "status <> 'accepted' OR effective_on IS NOT NULL",
    )
    op.create_index(
        "ix_person_transfer_accepted_effective_on",
        "person_transfer",
        ["person_id", "effective_on"],
        postgresql_where=sa.text("status = 'accepted'"),
    )


SNAPSHOT = """
INSERT INTO outbox_event (kind, aggregate_type, aggregate_id, data)
SELECT 'person.snapshot', 'person', p.id, jsonb_build_object(
    'schema_version', 2,
    'person_id', p.id,
    'jurisdiction_code', p.jurisdiction_code,
    'status', p.status,
    'version', p.version,
    'registered_on', p.registered_on,
    'birth_date', p.birth_date,
    'birth_year', extract(year FROM p.birth_date)::int,
    'gender', p.gender,
    'work_ability', p.work_ability,
    'work_ability_since', p.work_ability_since,
    'archived_on', p.archived_on,
    'archive_reason_code', p.archive_reason_code,
    'measures', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'measure_id', m.id, 'kind', m.kind, 'start_on', m.start_on, 'planned_end_on', m.planned_end_on,
            'actual_end_on', m.actual_end_on, 'end_reason', m.end_reason, 'corrects_id', m.corrects_id
        ) ORDER BY m.start_on, m.created_at, m.id)
        FROM control_measure m WHERE m.person_id = p.id), '[]'::jsonb),
    'relapses', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'relapse_id', r.id, 'occurred_on', r.occurred_on, 'source', r.source, 'drug_test_id', r.drug_test_id
        ) ORDER BY r.occurred_on, r.id)
        FROM relapse r WHERE r.person_id = p.id), '[]'::jsonb),
    'register_changes', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'register_change_id', c.id, 'kind', c.kind, 'effective_on', c.effective_on, 'reason_code', c.reason_code,
            'withdrawn', c.withdrawn_at IS NOT NULL
        ) ORDER BY c.effective_on, c.created_at, c.id)
        FROM register_change c WHERE c.person_id = p.id), '[]'::jsonb),
    'work_ability_changes', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'work_ability_change_id', w.id, 'work_ability', w.work_ability, 'effective_on', w.effective_on
        ) ORDER BY w.effective_on, w.created_at, w.id)
        FROM work_ability_change w WHERE w.person_id = p.id), '[]'::jsonb),
    'stays', '[]'::jsonb,
    'transfers', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            'transfer_id', t.id, 'from_jurisdiction_code', t.from_jurisdiction_code,
            'to_jurisdiction_code', t.to_jurisdiction_code, 'effective_on', t.effective_on
        ) ORDER BY t.effective_on, t.created_at, t.id)
        FROM person_transfer t WHERE t.person_id = p.id AND t.status = 'accepted'), '[]'::jsonb)
)
FROM person p
ORDER BY p.created_at, p.id
"""


def upgrade() -> None:
    _person_columns()
    _register_change()
    _work_ability_change()
    _stay()
    _transfer_effective_on()
    op.execute(SNAPSHOT)


def downgrade() -> None:
    op.drop_index("ix_person_transfer_accepted_effective_on", table_name="person_transfer")
    op.drop_constraint("ck_person_transfer_effective_when_accepted", "person_transfer", type_="check")
    op.drop_column("person_transfer", "effective_on")
    kit3.drop_tables("stay", "work_ability_change", "register_change")
    kit3.drop_functions("stay_change_once", "work_ability_change_append_only", "register_change_withdraw_once")
    for name in (
        "ck_person_archived_after_registration",
        "ck_person_archive_reason_code",
        "ck_person_archived_on",
        "ck_person_work_ability_after_birth",
        "ck_person_registered_after_birth",
    ):
        op.drop_constraint(name, "person", type_="check")
    for column in ("archive_reason_code", "archived_on", "work_ability_since", "registered_on"):
        op.drop_column("person", column)
