"""reporting's read model (dated facts from the three feeds, derived intervals and daily/monthly counts), the
indicator definitions v1 the county adopted (issue 10), and targets per jurisdiction with county overrides

Definitions: the four version-1 rows of t0001 were a draft no figure was ever computed with (the service computed
nothing before this revision); they are rewritten to the adopted v1 text rather than numbered 2, so that "v1" means
the same thing in every answer the service will ever give. training_per_person (a count) becomes training_coverage
(a rate: the notice's "two trainings a year for each eligible person" reached when it is 100%), and the indicators
on_record and subsidies are added. Its one target (2012, 2 per person) becomes 100% coverage for 2012-2014.

Targets: existing rows are the notice's defaults (origin 'notice', scope 'county'); a county override is a row of
origin 'override' for the county or one jurisdiction. Nothing else to fill: the read model starts empty and the
follower fills it from the feeds.

Revision ID: t0002
Revises: t0001
Create Date: 2026-12-06
"""

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from shared import migration_kit_v3 as kit3

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None

NOTICE = "柳城政办〔2012〕84号"
COUNTS = (
    "on_record",
    "controlled",
    "consolidated",
    "community",
    "community_placed",
    "eligible",
    "eligible_placed",
    "coverage_base",
    "coverage_trained",
)

ON_RECORD_ZH = (
    "在册:D日或之前已登记,且D日或之前没有因死亡或迁出本县而终止的措施("
    "也未以其他日期记载的方式离册);因错误录入而注销的记录任何日期都不计。"
)
ON_RECORD_EN = (
    "On record on D: registered on or before D and no measure ended by death or moving out of the county on or "
    "before D (nor off the register by a dated off-register event); records archived in error never count."
)
# (code, position, name_zh, name_en, unit, numerator, denominator, notes)
DEFINITIONS = [
    (
        "on_record",
        0,
        "在册吸毒人员数",
        "People on record",
        "count",
        ON_RECORD_ZH + " / " + ON_RECORD_EN + " A person's jurisdiction on D follows transfers (a transfer on D "
        "counts in the destination).",
        None,
        "Definition v1 (issue 10). The denominator of the control and consolidation rates.",
    ),
    (
        "control_rate",
        2,
        "管控率",
        "Control rate",
        "percent",
        "D日在册且有管控措施在执行(强制隔离戒毒、社区戒毒、社区康复、场"
        "所康复、羁押;措施在结束日当天已不在执行)且未失联的人数。 / "
        "People on record in J on D with a control measure in force on D (compulsory isolation, community detox, "
        "community rehabilitation, facility rehabilitation, custody: the registry's control kinds; a measure is in "
        "force from its start up to the day before its end) and not lost contact.",
        "D日在册人数(在册口径见 on_record)。 / People on record in J on D (see on_record).",
        NOTICE + " 二(二)2. Definition v1 (issue 10).",
    ),
    (
        "consolidation_rate",
        3,
        "戒断巩固率",
        "Abstinence-consolidation rate",
        "percent",
        "D日在册、未失联且戒断已满N年(默认3年,周年当日计入)的人数;计时自最近一次阳性检测、复吸记录或社区戒毒/强制隔离戒毒/"
        "因吸毒羁押决定的开始之日起算,强制隔离戒毒后的社区康复不重新计时(登记处规则"
        "v2)。 / People on record in J on D, not "
        "lost contact, and abstinent N years (default 3; the anniversary counts): the clock starts at the latest "
        "positive test, recorded relapse, or start of a community-detox, compulsory-isolation or custody-for-drug-use "
        "order; rehabilitation after isolation does not restart it (the registry's rule v2).",
        "D日在册人数。 / People on record in J on D.",
        NOTICE + " 二(二)2. Definition v1 (issue 10) with the registry's consolidation rule v2 (issue 13).",
    ),
    (
        "placement_rate",
        1,
        "就业安置率",
        "Employment placement rate",
        "percent",
        "分母所计人员中,D日有安置在执行的人数(任何安置方式:用人单位、启航"
        "基地或安置点、公益性岗位、自主创业)。 / Those of the "
        "denominator with a placement in force on D (any route: employer, Qihang base or point, public-welfare "
        "post, self-employment).",
        "D日在册且社区戒毒或社区康复在执行的人数;D在2013-01-01及以后时只计其中符合条件者:D日年满16周岁未满60周岁(可配置;"
        "生日当天即满该岁)、劳动能力不是“无”、D日不在羁押或场所内。 / People with community detox or community "
        "rehabilitation in force on D; from 2013 only the eligible ones: aged 16-59 on D (configurable; a person "
        "is N from their N-th birthday), work ability not 'unable', not in custody or a facility on D.",
        NOTICE + " 二(二)1. Definition v1 (issue 10): the 2013 change to 'eligible' people applies to dates from "
        "2013-01-01.",
    ),
    (
        "placement_points",
        4,
        "启航工程安置点数",
        "Qihang placement points",
        "count",
        "D日在运行的、被认定的启航工程安置基地和安置点的个数(认定日起,关闭日当"
        "天不再计)。 / Designated Qihang bases and "
        "points in force on D (from designation up to the day before closing).",
        None,
        NOTICE + " 五(一)1. Definition v1 (issue 10).",
    ),
    (
        "training_coverage",
        5,
        "技能培训覆盖率",
        "Training coverage",
        "percent",
        "分母所计人员中,该年内(截至D日)参加技能培训至少两次的人数。 / Of the denominator, those who had at least two "
        "trainings in the year (up to D).",
        "该年内(截至D日)曾有一天符合安置条件、且该年内(截至D日)没有任何一天处于安置状态的在册人员。 / People on record "
        "who were eligible on some day of the year (up to D) and had no placement on any day of the year (up to D).",
        NOTICE + " 五(一)5: at least two trainings a year for each eligible person where no centralised placement "
        "exists; met at 100%. Definition v1 (issue 10).",
    ),
    (
        "subsidies",
        6,
        "补助资金",
        "Subsidies",
        "amount",
        "年度内决定的补助金额(决定所属年度)和年度内支付的金额(支付日),按补助类"
        "型和档次。 / Amounts decided for the year "
        "(the decision's year) and paid in the year (payment date), by subsidy type and tier.",
        None,
        "Definition v1 (issue 10); amounts in CNY.",
    ),
]
TRAINING_TARGETS = [(date(y, 12, 31), Decimal("100")) for y in (2012, 2013, 2014)]

# indicator and indicator_definition as the data steps below write them (the columns t0001 made).
INDICATOR = sa.table("indicator", sa.column("code", sa.String), sa.column("position", sa.Integer))
DEFINITION = sa.table(
    "indicator_definition",
    sa.column("id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("name_zh", sa.String),
    sa.column("name_en", sa.String),
    sa.column("unit", sa.String),
    sa.column("numerator", sa.Text),
    sa.column("denominator", sa.Text),
    sa.column("notes", sa.Text),
)


def _write_definition_v1(definition: tuple, *, new: bool) -> None:
    """Write one row of DEFINITIONS (or of t0001's) as version 1 of its indicator: a `new` indicator is added with
    its definition, an existing one gets its position and its version 1 rewritten."""
    code, position, name_zh, name_en, unit, numerator, denominator, notes = definition
    values = dict(
        name_zh=name_zh, name_en=name_en, unit=unit, numerator=numerator, denominator=denominator, notes=notes
    )
    if new:
        op.execute(INDICATOR.insert().values(code=code, position=position))
        op.execute(
            DEFINITION.insert().values(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:indicator_definition:{code}:1"),
                code=code,
                version=1,
                **values,
            )
        )
    else:
        op.execute(DEFINITION.update().where(DEFINITION.c.code == code, DEFINITION.c.version == 1).values(**values))
        op.execute(INDICATOR.update().where(INDICATOR.c.code == code).values(position=position))


def _create_fact_table(table: str, *columns: sa.Column, event_key: tuple[str, ...], index_on: str) -> None:
    """A read-model fact table: `seq` (its key, the order facts were recorded in), the feed event a fact came from
    (`feed`, `event_id`: unique with `event_key`, so a replayed event adds nothing) and `recorded_at`, then
    `columns`; an index on (`index_on`, seq)."""
    op.create_table(
        table,
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("feed", sa.String(20), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("seq", name=f"pk_{table}"),
        sa.UniqueConstraint("feed", "event_id", *event_key, name=f"uq_{table}_event"),
    )
    op.create_index(f"ix_{table}_{index_on}_seq", table, [index_on, "seq"])


def upgrade() -> None:
    # --- the read model ---
    op.create_table(
        "rm_feed_cursor",
        sa.Column("feed", sa.String(20), nullable=False),
        sa.Column("cursor", sa.String(512)),
        sa.Column("events_seen", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("last_event_at", sa.DateTime(timezone=True)),
        sa.Column("caught_up_at", sa.DateTime(timezone=True)),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(300)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name="pk_rm_feed_cursor"),
    )
    _create_fact_table(
        "rm_person_fact",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("fact_type", sa.String(20), nullable=False),
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(40)),
        sa.Column("status", sa.String(20)),
        sa.Column("reason", sa.String(40)),
        sa.Column("jurisdiction_code", sa.String(40)),
        sa.Column("work_ability", sa.String(20)),
        sa.Column("gender", sa.String(10)),
        sa.Column("start_on", sa.Date()),
        sa.Column("end_on", sa.Date()),
        sa.Column("birth_date", sa.Date()),
        sa.Column("corrects_id", sa.Uuid()),
        sa.Column("for_drug_use", sa.Boolean()),
        event_key=("fact_type", "fact_id"),
        index_on="person_id",
    )
    op.create_index("ix_rm_person_fact_recorded_at", "rm_person_fact", ["recorded_at"])
    _create_fact_table(
        "rm_site_fact",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(30)),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("designated_on", sa.Date()),
        sa.Column("closed_on", sa.Date()),
        event_key=("site_id",),
        index_on="site_id",
    )
    _create_fact_table(
        "rm_subsidy_fact",
        sa.Column("fact_type", sa.String(20), nullable=False),
        sa.Column("fact_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid()),
        sa.Column("subsidy_type", sa.String(40)),
        sa.Column("tier", sa.String(20)),
        sa.Column("year", sa.Integer()),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("on_date", sa.Date()),
        sa.Column("status", sa.String(20)),
        sa.Column("jurisdiction_code", sa.String(40)),
        event_key=("fact_id",),
        index_on="fact_id",
    )
    op.create_table(
        "rm_person_interval",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date()),
        sa.Column("jurisdiction_code", sa.String(40), nullable=False),
        sa.Column("flags", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "valid_from", name="pk_rm_person_interval"),
    )
    op.create_index("ix_rm_person_interval_jurisdiction_code", "rm_person_interval", ["jurisdiction_code"])
    for table, key in (("rm_daily_count", "day"), ("rm_monthly_count", "month")):
        op.create_table(
            table,
            sa.Column(key, sa.Date(), nullable=False),
            sa.Column("jurisdiction_code", sa.String(40), nullable=False),
            *(sa.Column(c, sa.Integer(), nullable=False, server_default="0") for c in COUNTS),
            sa.PrimaryKeyConstraint(key, "jurisdiction_code", name=f"pk_{table}"),
        )
    op.create_table(
        "rm_dirty_person",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_rm_dirty_person"),
    )

    # --- definitions v1 ---
    op.drop_constraint("ck_indicator_definition_unit", "indicator_definition", type_="check")
    op.create_check_constraint(
        "ck_indicator_definition_unit", "indicator_definition", "unit IN ('percent','count','amount')"
    )
    op.execute(sa.text("DELETE FROM target WHERE indicator_code = 'training_per_person'"))
    op.execute(sa.text("DELETE FROM indicator_definition WHERE code = 'training_per_person'"))
    op.execute(sa.text("DELETE FROM indicator WHERE code = 'training_per_person'"))
    existing = {"control_rate", "consolidation_rate", "placement_rate", "placement_points"}
    for definition in DEFINITIONS:
        _write_definition_v1(definition, new=definition[0] not in existing)

    # --- targets: notice defaults and county overrides ---
    op.add_column("target", sa.Column("origin", sa.String(10), nullable=False, server_default="notice"))
    op.add_column("target", sa.Column("reason", sa.String(500)))
    op.add_column("target", sa.Column("set_by", sa.String(255)))
    op.add_column(
        "target", sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)
    )
    op.drop_constraint("uq_target_indicator_code_scope_period_end", "target", type_="unique")
    op.create_unique_constraint(
        "uq_target_indicator_code_scope_period_end_origin",
        "target",
        ["indicator_code", "scope", "period_end", "origin"],
    )
    op.create_check_constraint("ck_target_origin", "target", "origin IN ('notice','override')")
    target = sa.table(
        "target",
        sa.column("id", sa.Uuid),
        sa.column("indicator_code", sa.String),
        sa.column("definition_version", sa.Integer),
        sa.column("scope", sa.String),
        sa.column("period_end", sa.Date),
        sa.column("comparator", sa.String),
        sa.column("value", sa.Numeric),
        sa.column("source", sa.String),
        sa.column("source_clause", sa.String),
        sa.column("origin", sa.String),
    )
    for period_end, value in TRAINING_TARGETS:
        op.execute(
            target.insert().values(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:target:training_coverage:county:{period_end.isoformat()}"),
                indicator_code="training_coverage",
                definition_version=1,
                scope="county",
                period_end=period_end,
                comparator=">=",
                value=value,
                source=NOTICE,
                source_clause="五(一)5",
                origin="notice",
            )
        )


def _restore_drafts() -> None:
    """Put back t0001's draft texts and training_per_person, read from t0001's own (static) file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("2026_11_29_t0001_indicators_and_targets.py")
    spec = importlib.util.spec_from_file_location("reporting_t0001", path)
    t0001 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t0001)
    for definition in t0001.DEFINITIONS:
        _write_definition_v1(definition, new=definition[0] == "training_per_person")
    for code, period_end, comparator, value, clause in t0001.TARGETS:
        if code == "training_per_person":
            op.execute(
                sa.text(
                    "INSERT INTO target (id, indicator_code, definition_version, scope, period_end, comparator, value, "
                    "source, source_clause) VALUES (:id, :code, 1, 'county', :period_end, :comparator, :value, "
                    ":source, "
                    ":clause)"
                ).bindparams(
                    id=uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:target:{code}:county:{period_end.isoformat()}"),
                    code=code,
                    period_end=period_end,
                    comparator=comparator,
                    value=value,
                    source=NOTICE,
                    clause=clause,
                )
            )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM target WHERE origin = 'override' OR indicator_code = 'training_coverage'"))
    op.drop_constraint("ck_target_origin", "target", type_="check")
    op.drop_constraint("uq_target_indicator_code_scope_period_end_origin", "target", type_="unique")
    op.create_unique_constraint(
        "uq_target_indicator_code_scope_period_end", "target", ["indicator_code", "scope", "period_end"]
    )
    for column in ("created_at", "set_by", "reason", "origin"):
        op.drop_column("target", column)
    for code in ("on_record", "training_coverage", "subsidies"):
        op.execute(sa.text("DELETE FROM indicator_definition WHERE code = :c").bindparams(c=code))
        op.execute(sa.text("DELETE FROM indicator WHERE code = :c").bindparams(c=code))
    op.drop_constraint("ck_indicator_definition_unit", "indicator_definition", type_="check")
    op.create_check_constraint("ck_indicator_definition_unit", "indicator_definition", "unit IN ('percent','count')")
    _restore_drafts()
    kit3.drop_tables(
        "rm_dirty_person",
        "rm_monthly_count",
        "rm_daily_count",
        "rm_person_interval",
        "rm_subsidy_fact",
        "rm_site_fact",
        "rm_person_fact",
        "rm_feed_cursor",
    )
