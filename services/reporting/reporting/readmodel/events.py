"""From the sources' events to reporting's fact rows: the contract this service reads (docs/events/*.md of each
source), tolerant of what it does not use. Pure: no database.

Every row keeps only ids, codes, dates and statuses. Events whose data lacks what a fact needs are skipped (their ids
logged, never their data); kinds this service does not use are passed over. Both the first payloads (no
`schema_version`) and the dated ones (`schema_version: 2`) are read: where a first-version event has no effective
date (a transfer, a work-ability change, an archive), the day it was recorded stands in for it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shared import feed_page

REGISTRY, PLACEMENT, SUBSIDY = "registry", "placement", "subsidy"
FEEDS = (REGISTRY, PLACEMENT, SUBSIDY)
FEED_PATHS = {
    REGISTRY: "/api/v1/registry-events",
    PLACEMENT: "/api/v1/placement-events",
    SUBSIDY: "/api/v1/subsidy-events",
}


class FeedEvent(feed_page.FeedEvent):
    """An event of a source's feed, with when it was recorded."""

    at: datetime


class FeedPage(feed_page.FeedPage[FeedEvent]):
    """A page of a source's feed."""


class Unreadable(ValueError):
    """The event's data lacks a field its fact needs, or has one this service cannot read."""


@dataclass(slots=True)
class Facts:
    person: list[dict[str, Any]] = field(default_factory=list)
    site: list[dict[str, Any]] = field(default_factory=list)
    subsidy: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: Facts) -> None:
        self.person += other.person
        self.site += other.site
        self.subsidy += other.subsidy


def _date(data: dict[str, Any], *names: str, required: bool = False) -> date | None:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise Unreadable(name) from exc
    if required:
        raise Unreadable(names[0])
    return None


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""A UUID as str(uuid.UUID(...)) writes it: such text is kept as it is (the same JSON as the UUID, which the fact rows
become), only other spellings are parsed."""


def _uuid(data: dict[str, Any], *names: str, required: bool = False) -> uuid.UUID | str | None:
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if type(value) is str and _CANONICAL_UUID.fullmatch(value):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError as exc:
            raise Unreadable(name) from exc
    if required:
        raise Unreadable(names[0])
    return None


def _code(data: dict[str, Any], *names: str, size: int = 40) -> str | None:
    for name in names:
        value = data.get(name)
        if value is not None:
            text = str(value)
            if len(text) > size:
                raise Unreadable(name)
            return text
    return None


def _amount(data: dict[str, Any], name: str) -> Decimal | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise Unreadable(name) from exc


def _day_after(day: date | None) -> date | None:
    """Placement's `ended_on` / `end_on` is the last day of work (in force while D <= it): kept here as the first day
    no longer in force, the read model's one convention for every span."""
    return None if day is None else day + timedelta(days=1)


def event_fact_id(feed: str, event: FeedEvent) -> uuid.UUID:
    """The id of a fact that is the event itself (a transfer, a relapse, a dated change)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:{feed}-event:{event.id}")


def recorded_at(event: FeedEvent) -> datetime:
    value = event.data.get("recorded_at")
    if value:
        try:
            return datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise Unreadable("recorded_at") from exc
    return event.at


def _person_row(
    feed: str,
    event: FeedEvent,
    person_id: uuid.UUID,
    fact_type: str,
    fact_id: uuid.UUID,
    at: datetime | None = None,
    **values: Any,
) -> dict[str, Any]:
    """A row of rm_person_fact: the event's keys and the values given, the ones left out or None being NULL (a key
    missing from a row is NULL when PostgreSQL reads the rows, ReadModelRepository._insert_unnest, so None values are
    not sent: a third less JSON for it to parse). `at`: the event's recorded_at, if the caller has it already."""
    row = {
        "feed": feed,
        "event_id": event.id,
        "recorded_at": recorded_at(event) if at is None else at,
        "person_id": person_id,
        "fact_type": fact_type,
        "fact_id": fact_id,
    }
    for name, value in values.items():
        if value is not None:
            row[name] = value
    return row


REGISTER_OFF = frozenset({"person.archived", "person.off_register", "register.off"})
REGISTER_RETURN = frozenset({"person.returned", "person.restored", "register.returned"})
REGISTER_ONLY = frozenset({"person.off_register", "person.restored", "person.register_change_withdrawn"})
SNAPSHOT = "snapshot"
"""The fact a person.snapshot leaves: what was known of the person before it is replaced by what it lists."""


def _snapshot(event: FeedEvent, row: Any) -> None:
    """person.snapshot: everything dated about one person, replacing what came before it (readmodel.service reads
    the marker). Each listed item keeps its own id, so later events about it are new versions of the same fact."""
    data = event.data
    row(SNAPSHOT)
    for m in data.get("measures") or []:
        row(
            "measure",
            _uuid(m, "measure_id", required=True),
            kind=_code(m, "kind"),
            start_on=_date(m, "start_on", required=True),
            end_on=_date(m, "actual_end_on"),
            reason=_code(m, "end_reason"),
            corrects_id=_uuid(m, "corrects_id"),
        )
    for r in data.get("relapses") or []:
        row(
            "relapse",
            _uuid(r, "relapse_id", required=True),
            kind="positive_test",
            start_on=_date(r, "occurred_on", required=True),
        )
    for c in data.get("register_changes") or []:
        row(
            "register",
            _uuid(c, "register_change_id", required=True),
            kind="return" if c.get("kind") == "returned" else "off",
            reason=_code(c, "reason_code"),
            start_on=_date(c, "effective_on", required=True),
            status="withdrawn" if c.get("withdrawn") else None,
        )
    for w in data.get("work_ability_changes") or []:
        row(
            "work_ability",
            _uuid(w, "work_ability_change_id", required=True),
            work_ability=_code(w, "work_ability", size=20),
            start_on=_date(w, "effective_on", required=True),
        )
    for st in data.get("stays") or []:
        row(
            "stay",
            _uuid(st, "stay_id", required=True),
            kind=_code(st, "kind"),
            start_on=_date(st, "start_on", required=True),
            end_on=_date(st, "end_on"),
            for_drug_use=bool(st.get("for_drug_use")),
            status="withdrawn" if st.get("withdrawn") else None,
        )
    for t in data.get("transfers") or []:
        row(
            "jurisdiction",
            _uuid(t, "transfer_id", required=True),
            jurisdiction_code=_code(t, "to_jurisdiction_code"),
            reason=_code(t, "from_jurisdiction_code"),
            start_on=_date(t, "effective_on", required=True),
        )


"""person.* kinds that say nothing new about the person's own attributes."""


def registry_facts(event: FeedEvent) -> Facts:
    out = Facts()
    data, kind, person_id = event.data, event.kind, event.aggregate_id
    at = recorded_at(event)
    on = at.date()

    def row(fact_type: str, fact_id: uuid.UUID | None = None, **values: Any) -> None:
        out.person.append(
            _person_row(REGISTRY, event, person_id, fact_type, fact_id or event_fact_id(REGISTRY, event), at, **values)
        )

    if event.aggregate_type == "transfer":
        return out  # the person's own person.transferred carries the move
    if kind in REGISTER_OFF or kind in REGISTER_RETURN:
        effective_on = _date(data, "effective_on", "off_on", "returned_on")
        if effective_on is None and data.get("schema_version") is None and kind == "person.archived":
            effective_on = on  # a first-version archive has no date: the day it was recorded
        if effective_on is not None:
            row(
                "register",
                _uuid(data, "register_change_id"),
                kind="return" if kind in REGISTER_RETURN else "off",
                reason=_code(data, "reason_code", "reason") or ("archived" if kind == "person.archived" else None),
                start_on=effective_on,
            )
    if kind == "person.snapshot":
        _snapshot(event, row)
    if kind == "person.register_change_withdrawn":
        row("register", _uuid(data, "register_change_id", required=True), status="withdrawn")
        return out
    if kind.startswith("person.") and kind not in REGISTER_ONLY:
        jurisdiction = _code(data, "jurisdiction_code")
        if jurisdiction is None:
            raise Unreadable("jurisdiction_code")
        row(
            "person",
            person_id,
            status=_code(data, "status", size=20),
            jurisdiction_code=jurisdiction,
            work_ability=_code(data, "work_ability", size=20),
            gender=_code(data, "gender", size=10),
            start_on=_date(data, "registered_on"),
            birth_date=_date(data, "birth_date", "birth_on"),
            birth_year=data["birth_year"] if isinstance(data.get("birth_year"), int) else None,
        )
        if "work_ability" in (data.get("fields") or []) and data.get("schema_version") is None:
            row("work_ability", work_ability=_code(data, "work_ability", size=20), start_on=on)
        if kind == "person.transferred":
            to = _code(data, "to_jurisdiction_code") or jurisdiction
            row(
                "jurisdiction",
                _uuid(data, "transfer_id"),
                jurisdiction_code=to,
                reason=_code(data, "from_jurisdiction_code"),
                start_on=_date(data, "effective_on") or on,
            )
    elif kind in ("work_ability.changed", "person.work_ability_changed", "work_ability.withdrawn"):
        change_id = _uuid(data, "work_ability_change_id")
        if kind == "work_ability.withdrawn":
            row("work_ability", change_id, status="withdrawn")
        else:
            row(
                "work_ability",
                change_id,
                work_ability=_code(data, "work_ability", size=20),
                start_on=_date(data, "effective_on", required=True),
            )
    elif kind.startswith("measure."):
        measure_id = _uuid(data, "measure_id", required=True)
        measure_kind = _code(data, "kind")
        start_on = _date(data, "start_on", required=True)
        if measure_kind is None:
            raise Unreadable("kind")
        row(
            "measure",
            measure_id,
            kind=measure_kind,
            start_on=start_on,
            end_on=_date(data, "actual_end_on"),
            reason=_code(data, "end_reason"),
            corrects_id=_uuid(data, "corrects_id"),
            status="withdrawn" if kind.endswith(".withdrawn") else None,
        )
    elif kind.startswith(("stay.", "custody.", "facility_stay.")):
        stay_id = _uuid(data, "stay_id", "episode_id", required=True)
        reason = _code(data, "reason")
        row(
            "stay",
            stay_id,
            kind=_code(data, "kind") or kind.split(".")[0],
            start_on=_date(data, "start_on", required=True),
            end_on=_date(data, "end_on", "actual_end_on"),
            reason=reason,
            for_drug_use=bool(data.get("for_drug_use")) or reason in ("drug_use", "drug_related"),
            status="withdrawn" if kind.endswith(".withdrawn") else None,
        )
    elif kind in ("relapse.recorded", "drug_test.positive", "positive_test.recorded", "relapse.withdrawn"):
        row(
            "relapse",
            _uuid(data, "relapse_id"),
            kind="positive_test" if "test" in kind or data.get("source") == "drug_test" else "relapse",
            start_on=_date(data, "occurred_on", "tested_on", "positive_test_on", "on", required=True),
            status="withdrawn" if kind.endswith(".withdrawn") else None,
        )
    return out


def placement_facts(event: FeedEvent) -> Facts:
    out = Facts()
    data, kind = event.data, event.kind
    if kind.startswith("placement.") and kind != "placement.follow_up_recorded":
        person_id = _uuid(data, "person_id", required=True)
        placement_id = _uuid(data, "placement_id", required=True) or event.aggregate_id
        out.person.append(
            _person_row(
                PLACEMENT,
                event,
                person_id,
                "placement",
                placement_id,
                kind=_code(data, "route"),
                start_on=_date(data, "start_on", required=True),
                end_on=_day_after(_date(data, "ended_on", "end_on")),
                status="ended" if kind == "placement.ended" else _code(data, "status", size=20),
            )
        )
    elif kind.startswith("self_employment."):
        person_id = _uuid(data, "person_id", required=True)
        start_on = _date(data, "start_on")
        values: dict[str, Any] = {"kind": "self_employment", "end_on": _day_after(_date(data, "end_on", "ended_on"))}
        if start_on is None:
            raise Unreadable("start_on")
        out.person.append(
            _person_row(
                PLACEMENT,
                event,
                person_id,
                "placement",
                _uuid(data, "self_employment_id") or event.aggregate_id,
                start_on=start_on,
                status=_code(data, "status", size=20),
                **values,
            )
        )
    elif kind in ("training.completed", "training.attended"):
        person_id = _uuid(data, "person_id", required=True)
        out.person.append(
            _person_row(
                PLACEMENT,
                event,
                person_id,
                "training",
                _uuid(data, "enrolment_id") or event.aggregate_id,
                status="completed",
                start_on=_date(data, "completed_on", "attended_on", "session_end_on", "end_on", required=True),
            )
        )
    elif kind.startswith("site."):
        jurisdiction = _code(data, "jurisdiction_code")
        if jurisdiction is None:
            raise Unreadable("jurisdiction_code")
        out.site.append(
            {
                "feed": PLACEMENT,
                "event_id": event.id,
                "recorded_at": recorded_at(event),
                "site_id": _uuid(data, "site_id") or event.aggregate_id,
                "kind": _code(data, "kind", size=30),
                "jurisdiction_code": jurisdiction,
                "designated_on": _date(data, "designated_on", required=True),
                "closed_on": _date(data, "closed_on"),
            }
        )
    return out


def subsidy_facts(event: FeedEvent) -> Facts:
    """subsidy_decision.made: a version of the decision on one beneficiary, type and year (a higher version replaces
    the lower: they share one fact id); subsidy_payment.recorded: a payment. Applications' steps are not read."""
    out = Facts()
    data, kind = event.data, event.kind
    common = {
        "feed": SUBSIDY,
        "event_id": event.id,
        "recorded_at": recorded_at(event),
        "subsidy_type": _code(data, "subsidy_type"),
        "tier": _code(data, "tier", size=20),
        "year": data.get("year") if isinstance(data.get("year"), int) else None,
        "jurisdiction_code": _code(data, "jurisdiction_code"),
        "decision_id": _uuid(data, "decision_id"),
    }
    if kind == "subsidy_decision.made":
        key = ":".join(str(data.get(k)) for k in ("year", "subsidy_type", "beneficiary_kind", "beneficiary_id"))
        out.subsidy.append(
            common
            | {
                "fact_type": "decision",
                "fact_id": uuid.uuid5(uuid.NAMESPACE_URL, f"qihang:subsidy-decision:{key}"),
                "amount": _amount(data, "amount"),
                "on_date": _date(data, "decided_on"),
                "status": "made",
            }
        )
    elif kind == "subsidy_payment.recorded":
        out.subsidy.append(
            common
            | {
                "fact_type": "payment",
                "fact_id": _uuid(data, "payment_id", required=True),
                "amount": _amount(data, "paid_amount")
                if data.get("paid_amount") is not None
                else _amount(data, "amount"),
                "on_date": _date(data, "paid_on", required=True),
                "status": "paid",
            }
        )
    return out


READERS = {REGISTRY: registry_facts, PLACEMENT: placement_facts, SUBSIDY: subsidy_facts}


def facts_of(feed: str, event: FeedEvent) -> Facts:
    """The fact rows an event brings (raises Unreadable when its data cannot be read)."""
    return READERS[feed](event)
