"""This service's outbox (shared.outbox) and its event feed at /api/v1/subsidy-events: decisions made, application
steps (approvals among them) and payments, for reporting. The payloads are documented in docs/events/subsidy.md.

Events carry ids, codes, years, versions, statuses and amounts (decimal strings) only, never names, ID numbers or
free text (a rejection's reason stays in the application). The feed is county-wide, so only county-wide callers
whose department may read decisions (NCO, finance, human resources) or the platform's own services may follow it:
for township staff or an employer, other beneficiaries' ids would be a leak."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import CurrentPrincipal, Principal
from shared.errors import Forbidden
from shared.imports import copy_rows
from shared.outbox import PERSONAL_KEYS, Outbox, outbox_table
from shared.webhooks import event_feed
from subsidy.access import SERVICE, caller_kind
from subsidy.database import Base

outbox = Outbox(outbox_table(Base.metadata))

DECISION_MADE = "subsidy_decision.made"
PAYMENT_RECORDED = "subsidy_payment.recorded"
FOLLOWERS = frozenset({"nco", "finance", "human_resources", SERVICE})


async def county_wide_follower(principal: CurrentPrincipal) -> Principal:
    if caller_kind(principal) not in FOLLOWERS or principal.jurisdiction is not None:
        raise Forbidden(
            "The subsidy event feed is county-wide, for the NCO, finance, human resources and the platform's "
            "services; read your own decisions and applications through their lists."
        )
    return principal


router, webhooks = event_feed("subsidy", outbox, Base.metadata, county_wide_follower)
"""The feed's route, and its webhook subscriptions (shared.webhooks): a subscriber must pass `county_wide_follower`."""


def decision_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """The data of subsidy_decision.made, from a decision row."""
    difference = row.get("difference")
    return {
        "decision_id": row["id"],
        "year": row["year"],
        "subsidy_type": row["subsidy_type"],
        "beneficiary_kind": row["beneficiary_kind"],
        "beneficiary_id": row["beneficiary_id"],
        "jurisdiction_code": row["jurisdiction_code"],
        "version": row["version"],
        "policy_id": row["policy_id"],
        "policy_version": row["policy_version"],
        "qualifying_count": row["qualifying_count"],
        "tier": row["tier"],
        "amount": f"{row['amount']:.2f}",
        "amount_before": difference["amount"]["before"] if difference else None,
        "evaluation_id": row["evaluation_id"],
        "decided_on": row["decided_at"].date(),
    }


def _personal(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {k for k in value if k in PERSONAL_KEYS}
        for item in value.values():
            found |= _personal(item)
        return found
    return set()


async def outbox_rows(
    session: AsyncSession,
    kind: str,
    aggregate_type: str,
    datas: Sequence[Mapping[str, Any]],
    id_key: str = "decision_id",
) -> None:
    """Many events of one kind in one COPY (an evaluation writes thousands), in the caller's transaction: the same
    rows, checks and defaults (txid, at) as `outbox.emit`, in the order given."""
    rows = []
    for data in datas:
        payload = to_jsonable_python(dict(data))
        if _personal(payload):
            raise ValueError(f"Event data must not carry personal details or notes: {sorted(_personal(payload))}.")
        rows.append(
            {
                "kind": kind,
                "aggregate_type": aggregate_type,
                "aggregate_id": uuid.UUID(str(data[id_key])),
                "data": payload,
            }
        )
    await copy_rows(session, outbox.table, rows)
