"""All SQL of the read model: storing facts, the feed cursors, the derived intervals and counts, and the sums the
reports read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

import asyncpg
import orjson
from sqlalchemy import case, delete, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.readmodel.models import (
    COUNT_COLUMNS,
    DailyCount,
    DirtyPerson,
    FeedCursor,
    MonthlyCount,
    PersonFact,
    PersonInterval,
    SiteFact,
    SubsidyFact,
)


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


FACT_COLUMNS = (
    "seq",
    "feed",
    "event_id",
    "recorded_at",
    "person_id",
    "fact_type",
    "fact_id",
    "kind",
    "status",
    "reason",
    "jurisdiction_code",
    "work_ability",
    "gender",
    "start_on",
    "end_on",
    "birth_date",
    "birth_year",
    "corrects_id",
    "for_drug_use",
)
"""Every column of rm_person_fact (models.PersonFact), in the order PERSON_FACTS reads them."""


class FactRecord(asyncpg.Record):
    """A row of rm_person_fact as the driver reads it, with its columns as attributes (as a SQLAlchemy row has)."""


for _index, _name in enumerate(FACT_COLUMNS):
    setattr(FactRecord, _name, property(itemgetter(_index)))
_seq = itemgetter(0)
assert set(FACT_COLUMNS) == {c.name for c in PersonFact.__table__.columns}

PERSON_FACTS = f"SELECT {', '.join(FACT_COLUMNS)} FROM rm_person_fact WHERE person_id = ANY($1::uuid[]) ORDER BY seq"  # noqa: S608
PERSON_FACTS_KNOWN_AT = PERSON_FACTS.replace(" ORDER BY", " AND recorded_at <= $2 ORDER BY")


class ReadModelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- feeds ------------------------------------------------------------------------------------------------------

    async def cursor(self, feed: str) -> str | None:
        return await self.session.scalar(select(FeedCursor.cursor).where(FeedCursor.feed == feed))

    async def lock_cursor(self, feed: str) -> FeedCursor:
        await self.session.execute(
            insert(FeedCursor)
            .values(feed=feed, cursor=None, events_seen=0)
            .on_conflict_do_nothing(index_elements=["feed"])
        )
        return await self.session.scalar(
            select(FeedCursor)
            .where(FeedCursor.feed == feed)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def cursors(self) -> list[FeedCursor]:
        return list((await self.session.scalars(select(FeedCursor).order_by(FeedCursor.feed))).all())

    async def record_error(self, feed: str, at: datetime, message: str) -> None:
        await self.session.execute(
            insert(FeedCursor)
            .values(feed=feed, cursor=None, events_seen=0, last_error_at=at, last_error=message[:300])
            .on_conflict_do_update(
                index_elements=["feed"],
                # Failing since the first failure: later ones keep its time until a poll succeeds again.
                set_={
                    "last_error_at": case((FeedCursor.last_error.is_(None), at), else_=FeedCursor.last_error_at),
                    "last_error": message[:300],
                },
            )
        )

    # --- facts ------------------------------------------------------------------------------------------------------

    async def _insert_unnest(
        self,
        table: Any,
        rows: Sequence[dict[str, Any]],
        *,
        conflict: str,
        returning: str | None = None,
        on_conflict: str = "DO NOTHING",
        then: str | None = None,
    ) -> list[Any]:
        """One INSERT ... SELECT FROM json_to_recordset(rows) for a whole batch of rows: one statement and one round
        trip, where an executemany costs one per row or per small batch (the apply rate of a page went from 0.6 s to
        10 ms). The rows go as one JSON text encoded by orjson (ids, dates and times natively), which PostgreSQL reads
        into the columns' types: binding a column array per column had asyncpg check every element against the
        collection ABCs, a third of a page's CPU. Table, column and constraint names come from this module's models,
        never from input."""
        dialect = self.session.bind.dialect
        # Every column but the generated ones: a key a row leaves out is NULL (json_to_recordset), so rows need not
        # carry their None values.
        columns = [c for c in table.columns if c.identity is None]
        names = ", ".join(c.name for c in columns)
        types = ", ".join(f"{c.name} {c.type.compile(dialect=dialect)}" for c in columns)
        # Identifiers from the models; every value is in the one bound parameter.
        head = (
            f"INSERT INTO {table.name} ({names}) SELECT {names} "  # noqa: S608
            f"FROM json_to_recordset(CAST(:rows AS json)) AS r({types}) "
        )
        tail = f"ON CONFLICT ON CONSTRAINT {conflict} {on_conflict}" + (f" RETURNING {returning}" if returning else "")
        statement = head + tail
        if then is not None:
            # A data-modifying CTE: the rows just inserted feed a second statement in the same round trip.
            statement = f"WITH inserted AS ({statement}) {then}"
        params = {"rows": orjson.dumps(rows, default=_json_default).decode()}
        result = await self.session.execute(text(statement), params)
        return list(result.scalars().all()) if returning and then is None else []

    async def add_person_facts(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store fact rows not stored before (by their event) and mark their people dirty, in one statement."""
        if rows:
            await self._insert_unnest(
                PersonFact.__table__,
                rows,
                conflict="uq_rm_person_fact_event",
                returning="person_id",
                # In key order, so two feeds applied side by side never wait on each other's marks in a cycle.
                then="INSERT INTO rm_dirty_person (person_id) SELECT DISTINCT person_id FROM inserted "
                "ORDER BY person_id ON CONFLICT DO NOTHING",
            )

    async def add_site_facts(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self._insert_unnest(SiteFact.__table__, rows, conflict="uq_rm_site_fact_event")

    async def add_subsidy_facts(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self._insert_unnest(SubsidyFact.__table__, rows, conflict="uq_rm_subsidy_fact_event")

    async def take_dirty(self, limit: int, partition: tuple[int, int] | None = None) -> list[uuid.UUID]:
        """Up to `limit` people to re-derive, taken off the list (another worker skips the ones taken). `partition`
        (k, n): only people whose id's last byte is k modulo n, so n workers never derive one person at the same
        time (two derivations of one person side by side would each subtract only the intervals they saw)."""
        stmt = select(DirtyPerson.person_id)
        if partition is not None:
            k, n = partition
            if not 0 <= k < n <= 256:
                raise ValueError("partition (k, n) needs 0 <= k < n <= 256")
            last_byte = func.get_byte(func.uuid_send(DirtyPerson.person_id), 15)
            stmt = stmt.where(last_byte.op("%")(literal(n)) == literal(k))
        picked = stmt.order_by(DirtyPerson.person_id).limit(limit).with_for_update(skip_locked=True).cte("picked")
        result = await self.session.execute(
            delete(DirtyPerson)
            .where(DirtyPerson.person_id.in_(select(picked.c.person_id)))
            .returning(DirtyPerson.person_id)
        )
        return sorted(result.scalars().all())

    async def dirty_count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(DirtyPerson)) or 0

    async def person_facts(self, person_ids: Sequence[uuid.UUID], *, known_at: datetime | None = None) -> list[Any]:
        """Every version of these people's `person` facts, and the latest version of each of their other facts (as
        recorded by `known_at`, if given), oldest first. Plain records read by the driver itself (FactRecord:
        attribute access), not ORM objects nor SQLAlchemy rows: deriving a million people reads ten million of them,
        and SQLAlchemy's row handling was a third of a derivation's CPU."""
        connection = await self.session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        # One array parameter (= ANY), not an IN list of one parameter a person: one statement text whatever the
        # batch's size, and a cheaper bind.
        if known_at is None:
            rows = await driver.fetch(PERSON_FACTS, list(person_ids), record_class=FactRecord)
        else:
            rows = await driver.fetch(PERSON_FACTS_KNOWN_AT, list(person_ids), known_at, record_class=FactRecord)
        latest: dict[tuple[str, uuid.UUID], Any] = {}
        out = []
        for row in rows:
            if row[5] == "person":  # fact_type
                out.append(row)
            else:
                latest[(row[5], row[6])] = row
        if latest:
            out += latest.values()
            out.sort(key=_seq)
        return out

    async def people_recorded_after(self, known_at: datetime, *, limit: int) -> list[uuid.UUID]:
        stmt = select(PersonFact.person_id).where(PersonFact.recorded_at > known_at).distinct().limit(limit)
        return list((await self.session.scalars(stmt)).all())

    # --- derived ----------------------------------------------------------------------------------------------------

    async def replace_intervals(
        self,
        person_ids: Sequence[uuid.UUID],
        rows: Sequence[tuple[uuid.UUID, date, date | None, str, int]],
        flag_columns: Sequence[tuple[str, int]],
    ) -> None:
        """Replace these people's intervals with `rows` (person_id, valid_from, valid_to, jurisdiction_code, flags)
        and add the difference to the daily and monthly counts, in one statement: the old intervals are deleted and
        their contributions taken away, the new ones inserted and theirs added, the per-day changes summed and
        upserted in key order (two writers never deadlock), all in SQL. Building those changes in Python, a dict
        entry and a row per day and jurisdiction, was half the cost of deriving a batch.

        The insert reads the deleted rows first (the scalar subquery on `old`), so the delete has run when the new
        rows, which may share a person's (person_id, valid_from) key with the old, are inserted: a row deleted by
        this transaction does not conflict."""
        cols = [name for name, _bits in flag_columns]
        sums = ", ".join(
            f"sum(CASE WHEN flags & {bits} = {bits} THEN sign ELSE 0 END)::int AS {name}" for name, bits in flag_columns
        )
        changed = " OR ".join(f"{c} <> 0" for c in cols)
        names = ", ".join(cols)
        monthly = ", ".join(f"sum({c})::int" for c in cols)
        monthly_changed = " OR ".join(f"sum({c}) <> 0" for c in cols)

        def add(table: str) -> str:
            return ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)

        # Identifiers and bit values from this module's models and readmodel.rules; every value is a bound parameter.
        statement = f"""
WITH old AS (
  DELETE FROM rm_person_interval WHERE person_id = ANY(CAST(:ids AS uuid[]))
  RETURNING valid_from, valid_to, jurisdiction_code, flags
), new AS (
  INSERT INTO rm_person_interval (person_id, valid_from, valid_to, jurisdiction_code, flags)
  SELECT * FROM unnest(CAST(:person_id AS uuid[]), CAST(:valid_from AS date[]), CAST(:valid_to AS date[]),
                       CAST(:jurisdiction_code AS varchar[]), CAST(:flags AS smallint[]))
  WHERE (SELECT count(*) FROM old) >= 0
  RETURNING valid_from, valid_to, jurisdiction_code, flags
), signed (day, jurisdiction_code, sign, flags) AS (
  SELECT valid_from, jurisdiction_code, 1, flags FROM new
  UNION ALL SELECT valid_to, jurisdiction_code, -1, flags FROM new WHERE valid_to IS NOT NULL
  UNION ALL SELECT valid_from, jurisdiction_code, -1, flags FROM old
  UNION ALL SELECT valid_to, jurisdiction_code, 1, flags FROM old WHERE valid_to IS NOT NULL
), changes AS (
  SELECT day, jurisdiction_code, {sums} FROM signed GROUP BY day, jurisdiction_code
), daily AS (
  INSERT INTO rm_daily_count (day, jurisdiction_code, {names})
  SELECT * FROM changes WHERE {changed} ORDER BY day, jurisdiction_code
  ON CONFLICT ON CONSTRAINT pk_rm_daily_count DO UPDATE SET {add("rm_daily_count")}
)
INSERT INTO rm_monthly_count (month, jurisdiction_code, {names})
SELECT date_trunc('month', day)::date, jurisdiction_code, {monthly} FROM changes
GROUP BY 1, 2 HAVING {monthly_changed} ORDER BY 1, 2
ON CONFLICT ON CONSTRAINT pk_rm_monthly_count DO UPDATE SET {add("rm_monthly_count")}
"""  # noqa: S608
        # Bound arrays a column: PostgreSQL reads them cheaper than the same rows as JSON (10,000 intervals: 161 ms
        # against 195 with json_to_recordset and 250 with json_array_elements, the client's encoding included).
        names_ = ("person_id", "valid_from", "valid_to", "jurisdiction_code", "flags")
        params = {name: [row[i] for row in rows] for i, name in enumerate(names_)}
        await self.session.execute(text(statement), {"ids": list(person_ids), **params})

    async def reset(self) -> None:
        """Forget everything: the next polls read every feed from its start (a rebuild)."""
        for table in (
            "rm_person_interval",
            "rm_daily_count",
            "rm_monthly_count",
            "rm_dirty_person",
            "rm_person_fact",
            "rm_site_fact",
            "rm_subsidy_fact",
            "rm_feed_cursor",
        ):
            await self.session.execute(text(f"TRUNCATE {table}"))

    # --- reading counts ---------------------------------------------------------------------------------------------

    async def counts_on(self, day: date, jurisdiction: str | None = None) -> dict[str, dict[str, int]]:
        """Every count on `day` by jurisdiction: the monthly changes of earlier months plus this month's daily ones."""
        month_start = day.replace(day=1)
        cols = COUNT_COLUMNS
        monthly = select(MonthlyCount.jurisdiction_code, *(getattr(MonthlyCount, c).label(c) for c in cols)).where(
            MonthlyCount.month < month_start
        )
        daily = select(DailyCount.jurisdiction_code, *(getattr(DailyCount, c).label(c) for c in cols)).where(
            DailyCount.day >= month_start, DailyCount.day <= day
        )
        if jurisdiction is not None:
            monthly = monthly.where(MonthlyCount.jurisdiction_code == jurisdiction)
            daily = daily.where(DailyCount.jurisdiction_code == jurisdiction)
        both = monthly.union_all(daily).subquery()
        stmt = select(both.c.jurisdiction_code, *(func.sum(both.c[c]).label(c) for c in cols)).group_by(
            both.c.jurisdiction_code
        )
        rows = (await self.session.execute(stmt)).all()
        return {r.jurisdiction_code: {c: int(getattr(r, c) or 0) for c in cols} for r in rows}

    async def report_inputs(self, day: date) -> ReportInputs:
        """What a report for `day` reads, as known now, in one statement: the counts on `day` (counts_on), the Qihang
        sites on `day` (sites_on), the targets of its year, the feeds' cursors, the year's subsidies (subsidies_in)
        and whether a bulletin of that day was published. The JSON columns are decoded here into the same values
        the separate reads give (numerics via text to Decimal, times in UTC)."""
        params = {
            "day": day,
            "month_start": day.replace(day=1),
            "year": day.year,
            "year_start": date(day.year, 1, 1),
            "next_year": date(day.year + 1, 1, 1),
        }
        row = (await self.session.execute(text(REPORT_INPUTS), params)).one()
        counts, sites, targets, cursors, subsidies = (
            orjson.loads(v) if isinstance(v, str | bytes) else v for v in row[:5]
        )
        return ReportInputs(
            counts={code: {c: int(v[c] or 0) for c in COUNT_COLUMNS} for code, v in counts.items()},
            sites={code: int(n) for code, n in sites.items()},
            targets=[TargetRow(t[0], date.fromisoformat(t[1]), t[2], t[3], Decimal(t[4])) for t in targets],
            cursors=[CursorRow(c[0], int(c[1]), _utc(c[2]), _utc(c[3]), _utc(c[4]), c[5]) for c in cursors],
            subsidies=[
                SubsidyTotal(s_[0], s_[1], int(s_[2]), Decimal(s_[3]), int(s_[4]), Decimal(s_[5])) for s_ in subsidies
            ],
            has_bulletin=bool(row.has_bulletin),
        )

    async def counts_at_month_ends(
        self, first_month: date, last_month: date, jurisdiction: str | None = None
    ) -> dict[date, dict[str, dict[str, int]]]:
        """The counts at the end of every month from `first_month` to `last_month` (first days), by jurisdiction:
        running sums of the monthly changes, in one statement."""
        cols = COUNT_COLUMNS
        stmt = select(
            MonthlyCount.month, MonthlyCount.jurisdiction_code, *(getattr(MonthlyCount, c) for c in cols)
        ).where(MonthlyCount.month <= last_month)
        if jurisdiction is not None:
            stmt = stmt.where(MonthlyCount.jurisdiction_code == jurisdiction)
        running = stmt.subquery()
        window = {"partition_by": running.c.jurisdiction_code, "order_by": running.c.month}
        cumulative = select(
            running.c.month,
            running.c.jurisdiction_code,
            *(func.sum(running.c[c]).over(**window).label(c) for c in cols),
        ).subquery()
        # Months without changes carry the last running sum: read every jurisdiction's latest row at or before each
        # month in Python (few rows: months x jurisdictions).
        rows = (
            await self.session.execute(select(cumulative).order_by(cumulative.c.jurisdiction_code, cumulative.c.month))
        ).all()
        out: dict[date, dict[str, dict[str, int]]] = {}
        months = _months(first_month, last_month)
        by_jurisdiction: dict[str, list[Any]] = {}
        for r in rows:
            by_jurisdiction.setdefault(r.jurisdiction_code, []).append(r)
        for code, series in by_jurisdiction.items():
            i, current = 0, None
            for month in months:
                while i < len(series) and series[i].month <= month:
                    current = series[i]
                    i += 1
                if current is not None:
                    out.setdefault(month, {})[code] = {c: int(getattr(current, c) or 0) for c in cols}
        return out

    async def raw_counts_on(self, day: date) -> dict[str, dict[str, int]]:
        """The same counts straight from the intervals (the reference the precomputed sums must equal)."""
        from reporting.readmodel import rules

        bit = {
            "on_record": rules.ON_RECORD,
            "controlled": rules.CONTROLLED,
            "consolidated": rules.CONSOLIDATED,
            "community": rules.COMMUNITY,
            "community_placed": rules.COMMUNITY | rules.PLACED,
            "eligible": rules.ELIGIBLE,
            "eligible_placed": rules.ELIGIBLE | rules.PLACED,
            "coverage_base": rules.COVERAGE_BASE,
            "coverage_trained": rules.COVERAGE_TRAINED,
        }
        pi = PersonInterval
        stmt = (
            select(
                pi.jurisdiction_code,
                *(func.count().filter(pi.flags.op("&")(b) == b).label(c) for c, b in bit.items()),
            )
            .where(pi.valid_from <= day, or_(pi.valid_to.is_(None), pi.valid_to > day))
            .group_by(pi.jurisdiction_code)
        )
        rows = (await self.session.execute(stmt)).all()
        return {r.jurisdiction_code: {c: int(getattr(r, c)) for c in bit} for r in rows}

    # --- sites and subsidies ----------------------------------------------------------------------------------------

    async def sites_on(self, day: date, *, known_at: datetime | None = None) -> dict[str, int]:
        stmt = select(SiteFact)
        if known_at is not None:
            stmt = stmt.where(SiteFact.recorded_at <= known_at)
        latest = stmt.order_by(SiteFact.site_id, SiteFact.seq.desc()).ext(distinct_on(SiteFact.site_id)).subquery()
        count = (
            select(latest.c.jurisdiction_code, func.count())
            .where(
                latest.c.designated_on <= day,
                or_(latest.c.closed_on.is_(None), latest.c.closed_on > day),
                or_(latest.c.kind.is_(None), latest.c.kind.in_(SITE_KINDS)),
            )
            .group_by(latest.c.jurisdiction_code)
        )
        return {code: int(n) for code, n in (await self.session.execute(count)).all()}

    async def subsidies_in(self, year: int, *, known_at: datetime | None = None) -> list[Any]:
        """Decided and paid amounts in `year` by type and tier (latest version of each decision and payment)."""
        stmt = select(SubsidyFact)
        if known_at is not None:
            stmt = stmt.where(SubsidyFact.recorded_at <= known_at)
        latest = (
            stmt.order_by(SubsidyFact.fact_id, SubsidyFact.seq.desc()).ext(distinct_on(SubsidyFact.fact_id)).subquery()
        )
        decisions = select(latest).where(latest.c.fact_type == "decision").subquery("decisions")
        payments = select(latest).where(latest.c.fact_type == "payment").subquery("payments")
        # The tier of a payment is its decision version's (any stored version row of that decision id).
        versions = (
            select(SubsidyFact.decision_id, SubsidyFact.tier)
            .where(SubsidyFact.fact_type == "decision")
            .distinct()
            .subquery()
        )
        decided = (
            select(
                decisions.c.subsidy_type,
                decisions.c.tier,
                func.count().filter(decisions.c.amount > 0).label("decisions"),
                func.coalesce(func.sum(decisions.c.amount), 0).label("decided"),
                literal(0).label("payments"),
                literal(0).label("paid"),
            )
            .where(decisions.c.year == year)
            .group_by(decisions.c.subsidy_type, decisions.c.tier)
        )
        paid = (
            select(
                payments.c.subsidy_type,
                func.coalesce(payments.c.tier, versions.c.tier).label("tier"),
                literal(0).label("decisions"),
                literal(0).label("decided"),
                func.count().label("payments"),
                func.coalesce(func.sum(payments.c.amount), 0).label("paid"),
            )
            .select_from(payments.outerjoin(versions, versions.c.decision_id == payments.c.decision_id))
            .where(func.extract("year", payments.c.on_date) == year)
            .group_by(text("1"), text("2"))
        )
        both = decided.union_all(paid).subquery()
        stmt = (
            select(
                both.c.subsidy_type,
                both.c.tier,
                func.sum(both.c.decisions).label("decisions"),
                func.sum(both.c.decided).label("decided"),
                func.sum(both.c.payments).label("payments"),
                func.sum(both.c.paid).label("paid"),
            )
            .group_by(both.c.subsidy_type, both.c.tier)
            .order_by(both.c.subsidy_type, both.c.tier)
        )
        return list((await self.session.execute(stmt)).all())


SITE_KINDS = ("base", "point", "qihang_base", "qihang_point")
"""The kinds of placement site counted as Qihang bases and points (a site without a kind counts too)."""


@dataclass(frozen=True, slots=True)
class TargetRow:
    """The fields of a target the reports resolve (indicators.models.Target's)."""

    indicator_code: str
    period_end: date
    scope: str
    origin: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class CursorRow:
    """The fields of a feed cursor the freshness of a report shows (models.FeedCursor's)."""

    feed: str
    events_seen: int
    last_event_at: datetime | None
    caught_up_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class SubsidyTotal:
    subsidy_type: str | None
    tier: str | None
    decisions: int
    decided: Decimal
    payments: int
    paid: Decimal


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything a report for a day reads, from one statement (see report_inputs)."""

    counts: dict[str, dict[str, int]]
    sites: dict[str, int]
    targets: list[TargetRow]
    cursors: list[CursorRow]
    subsidies: list[SubsidyTotal]
    has_bulletin: bool


def _utc(text_: str | None) -> datetime | None:
    return None if text_ is None else datetime.fromisoformat(text_).replace(tzinfo=UTC)


def _ts(column: str) -> str:
    """A timestamptz as text in UTC with microseconds (JSON would write it in the session's time zone)."""
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"


_COLS = ", ".join(COUNT_COLUMNS)
_SUMS = ", ".join(f"'{c}', sum({c})" for c in COUNT_COLUMNS)
_KINDS = ", ".join(f"'{k}'" for k in SITE_KINDS)
# Identifiers and constants from this module; every value is a bound parameter. The same reads as counts_on,
# sites_on, the reports' targets, the cursors, subsidies_in and the published bulletins of the day, each as one
# column: one round trip instead of six (on a loaded machine each round trip waits for a CPU twice).
REPORT_INPUTS = f"""
SELECT
 (SELECT coalesce(json_object_agg(jurisdiction_code, c), '{{}}') FROM (
    SELECT jurisdiction_code, json_build_object({_SUMS}) AS c FROM (
      SELECT jurisdiction_code, {_COLS} FROM rm_monthly_count WHERE month < :month_start
      UNION ALL
      SELECT jurisdiction_code, {_COLS} FROM rm_daily_count WHERE day >= :month_start AND day <= :day
    ) b GROUP BY jurisdiction_code) s) AS counts,
 (SELECT coalesce(json_object_agg(jurisdiction_code, n), '{{}}') FROM (
    SELECT jurisdiction_code, count(*) AS n FROM (
      SELECT DISTINCT ON (site_id) * FROM rm_site_fact ORDER BY site_id, seq DESC
    ) latest
    WHERE designated_on <= :day AND (closed_on IS NULL OR closed_on > :day) AND (kind IS NULL OR kind IN ({_KINDS}))
    GROUP BY jurisdiction_code) s) AS sites,
 (SELECT coalesce(json_agg(json_build_array(indicator_code, period_end, scope, origin, value::text)), '[]')
    FROM target WHERE period_end >= :year_start AND period_end < :next_year) AS targets,
 (SELECT coalesce(json_agg(json_build_array(feed, events_seen, {_ts("last_event_at")}, {_ts("caught_up_at")},
                                            {_ts("last_error_at")}, last_error) ORDER BY feed), '[]')
    FROM rm_feed_cursor) AS cursors,
 (SELECT coalesce(json_agg(json_build_array(subsidy_type, tier, decisions, decided::text, payments, paid::text)
                           ORDER BY subsidy_type, tier), '[]') FROM (
    WITH latest AS (SELECT DISTINCT ON (fact_id) * FROM rm_subsidy_fact ORDER BY fact_id, seq DESC),
    versions AS (SELECT DISTINCT decision_id, tier FROM rm_subsidy_fact WHERE fact_type = 'decision')
    SELECT subsidy_type, tier, sum(decisions) AS decisions, sum(decided) AS decided, sum(payments) AS payments,
           sum(paid) AS paid FROM (
      SELECT subsidy_type, tier, count(*) FILTER (WHERE amount > 0) AS decisions,
             coalesce(sum(amount), 0) AS decided, 0 AS payments, 0 AS paid
      FROM latest WHERE fact_type = 'decision' AND year = :year GROUP BY subsidy_type, tier
      UNION ALL
      SELECT p.subsidy_type, coalesce(p.tier, v.tier), 0, 0, count(*), coalesce(sum(p.amount), 0)
      FROM latest p LEFT OUTER JOIN versions v ON v.decision_id = p.decision_id
      WHERE p.fact_type = 'payment' AND extract(year FROM p.on_date) = :year GROUP BY 1, 2
    ) b GROUP BY subsidy_type, tier) s) AS subsidies,
 EXISTS (SELECT 1 FROM bulletin WHERE period_end = :day) AS has_bulletin
"""  # noqa: S608


def _months(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months
