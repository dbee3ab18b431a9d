"""Fake feeds of the registry, placement and subsidy (the events their outboxes serve, in the dated contract of
docs/events/*.md) and a way to run the follower's steps inside the test's rolled-back transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reporting.readmodel import service
from reporting.readmodel.events import FeedPage
from reporting.readmodel.rules import RuleConfig
from tests.feeds import FakeFeedEvents

RECORDED = datetime(2014, 1, 10, 9, 0, tzinfo=UTC)


class FakeFeed(FakeFeedEvents):
    """One source's feed; its events are recorded `at` (dates and ids in their data as JSON has them)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.at = RECORDED

    def add(self, kind: str, aggregate_id: uuid.UUID, data: dict[str, Any], *, aggregate_type: str = "person") -> int:
        return self.append(
            kind,
            aggregate_id,
            {
                k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, uuid.UUID) else v)
                for k, v in data.items()
            },
            at=self.at.isoformat(),
            aggregate_type=aggregate_type,
        )

    async def fetch(self, after: str | None, limit: int) -> FeedPage:
        return FeedPage.model_validate(self.page(after, limit))


class Feeds:
    """The three sources with helpers that write events as the services do (schema_version 2)."""

    def __init__(self) -> None:
        self.feed = {name: FakeFeed(name) for name in ("registry", "placement", "subsidy")}

    def at(self, when: datetime) -> None:
        for feed in self.feed.values():
            feed.at = when

    def fetchers(self) -> dict[str, Any]:
        return {name: f.fetch for name, f in self.feed.items()}

    # --- registry ---
    def person(
        self,
        *,
        jurisdiction: str = "dapu",
        registered_on: date = date(2012, 1, 1),
        birth_date: date | None = date(1985, 6, 1),
        work_ability: str = "able",
        measure: str | None = "community_detox",
        measure_start: date | None = None,
        person_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        person_id = person_id or uuid.uuid4()
        self.feed["registry"].add(
            "person.created",
            person_id,
            {
                "schema_version": 2,
                "jurisdiction_code": jurisdiction,
                "status": "active",
                "work_ability": work_ability,
                "registered_on": registered_on,
                "birth_date": birth_date,
                "gender": "male",
                "version": 1,
                # What a careless source might add: reporting must never keep it.
                "name": "覃某某",
            },
        )
        if measure is not None:
            self.measure(person_id, measure, measure_start or registered_on)
        return person_id

    def measure(
        self,
        person_id: uuid.UUID,
        kind: str,
        start_on: date,
        *,
        end_on: date | None = None,
        end_reason: str | None = None,
        measure_id: uuid.UUID | None = None,
        event: str = "measure.created",
        corrects_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        measure_id = measure_id or uuid.uuid4()
        self.feed["registry"].add(
            event,
            person_id,
            {
                "schema_version": 2,
                "measure_id": measure_id,
                "kind": kind,
                "start_on": start_on,
                "planned_end_on": None,
                "actual_end_on": end_on,
                "end_reason": end_reason,
                "corrects_id": corrects_id,
            },
        )
        return measure_id

    def transfer(self, person_id: uuid.UUID, to: str, effective_on: date, *, from_: str = "dapu") -> None:
        self.feed["registry"].add(
            "person.transferred",
            person_id,
            {
                "schema_version": 2,
                "jurisdiction_code": to,
                "status": "active",
                "from_jurisdiction_code": from_,
                "to_jurisdiction_code": to,
                "effective_on": effective_on,
                "version": 2,
            },
        )

    def relapse(self, person_id: uuid.UUID, on: date) -> None:
        self.feed["registry"].add(
            "relapse.recorded", person_id, {"schema_version": 2, "occurred_on": on, "source": "drug_test"}
        )

    def off_register(self, person_id: uuid.UUID, on: date, reason: str) -> None:
        self.feed["registry"].add(
            "person.off_register", person_id, {"schema_version": 2, "effective_on": on, "reason": reason}
        )

    # --- placement ---
    def placement(
        self, person_id: uuid.UUID, start_on: date, *, end_on: date | None = None, route: str = "centralised"
    ) -> uuid.UUID:
        """A placement from `start_on`; `end_on`: its last day of work (placement's `ended_on`)."""
        placement_id = uuid.uuid4()
        data = {
            "placement_id": placement_id,
            "person_id": person_id,
            "route": route,
            "start_on": start_on,
            "version": 1,
        }
        self.feed["placement"].add("placement.started", placement_id, data, aggregate_type="placement")
        if end_on is not None:
            self.feed["placement"].add(
                "placement.ended",
                placement_id,
                data | {"ended_on": end_on, "end_reason": "resigned", "version": 2},
                aggregate_type="placement",
            )
        return placement_id

    def training(self, person_id: uuid.UUID, on: date) -> None:
        enrolment = uuid.uuid4()
        self.feed["placement"].add(
            "training.completed",
            enrolment,
            {"enrolment_id": enrolment, "person_id": person_id, "jurisdiction_code": "dapu", "completed_on": on},
            aggregate_type="training_enrolment",
        )

    def site(
        self, jurisdiction: str, designated_on: date, *, closed_on: date | None = None, kind: str = "point"
    ) -> uuid.UUID:
        site_id = uuid.uuid4()
        self.feed["placement"].add(
            "site.designated",
            site_id,
            {
                "site_id": site_id,
                "kind": kind,
                "jurisdiction_code": jurisdiction,
                "designated_on": designated_on,
                "closed_on": closed_on,
            },
            aggregate_type="placement_site",
        )
        return site_id

    # --- subsidy ---
    def subsidy(self, *, amount: str, year: int, tier: str = "1-49", paid_on: date | None = None) -> None:
        """A decision on an employer for `year` (subsidy_decision.made) and, if `paid_on`, its payment."""
        decision_id = uuid.uuid4()
        data = {
            "decision_id": decision_id,
            "year": year,
            "subsidy_type": "enterprise_placement",
            "beneficiary_kind": "employer",
            "beneficiary_id": uuid.uuid4(),
            "jurisdiction_code": "dapu",
            "version": 1,
            "qualifying_count": 12,
            "tier": tier,
            "amount": amount,
            "amount_before": None,
            "decided_on": date(year + 1, 1, 20),
        }
        self.feed["subsidy"].add("subsidy_decision.made", decision_id, data, aggregate_type="subsidy_decision")
        if paid_on is not None:
            payment_id = uuid.uuid4()
            paid = {k: data[k] for k in ("decision_id", "year", "subsidy_type", "beneficiary_kind", "beneficiary_id")}
            paid |= {"jurisdiction_code": "dapu", "amount": amount, "status": "paid", "action": "record_payment"}
            paid |= {
                "payment_id": payment_id,
                "paid_amount": amount,
                "paid_on": paid_on,
                "application_id": uuid.uuid4(),
            }
            self.feed["subsidy"].add("subsidy_payment.recorded", payment_id, paid, aggregate_type="subsidy_payment")


def transaction_in(session: AsyncSession):
    """The follower's transactions as savepoints of the test's transaction (rolled back after the test). The follower
    steps its feeds side by side; on one shared session their transactions take turns."""
    turn = asyncio.Lock()

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with turn, session.begin_nested():
            yield session

    return transaction


async def catch_up(session: AsyncSession, feeds: Feeds, *, config: RuleConfig | None = None, batch: int = 200) -> None:
    """Run follower steps on every feed until each is fully read, then derive every changed person."""
    tx = transaction_in(session)
    for name, fetch in feeds.fetchers().items():
        result = service.StepResult(0, 0, has_more=True)
        while result.has_more:
            result = await service.step(tx, name, fetch, batch_size=batch)
    await service.derive_all_dirty(tx, config or RuleConfig(), batch_size=50)
