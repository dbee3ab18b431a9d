import uuid
from dataclasses import dataclass

from sqlalchemy import select

from placement.placements.policy import Visibility
from placement.referrals.models import Referral, ReferralStep
from shared.pagination import PageParams, newest_first
from shared.query import Repository, seen_limits, where_fields, where_seen

OPEN_REFERRAL_INDEX = "uq_referral_person_id_post_id_open"
DECIDED = ("hired", "declined")


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    person_id: uuid.UUID | None = None
    post_id: uuid.UUID | None = None
    status: str | None = None


class ReferralRepository(Repository):
    async def get(self, referral_id: uuid.UUID, seen: Visibility, *, for_update: bool = False) -> Referral | None:
        limits = seen_limits(seen, Referral)
        return await self.by_id(Referral, referral_id, *limits, for_update=for_update, fresh=True)

    async def open_for(self, person_id: uuid.UUID, post_id: uuid.UUID) -> Referral | None:
        return await self.session.scalar(
            select(Referral).where(
                Referral.person_id == person_id, Referral.post_id == post_id, Referral.status.not_in(DECIDED)
            )
        )

    async def add(self, referral: Referral, by_subject: str) -> Referral:
        await super().add(referral)
        await self.step(referral, None, by_subject=by_subject)
        return referral

    async def step(self, referral: Referral, from_status: str | None, *, by_subject: str) -> None:
        self.session.add(
            ReferralStep(
                referral_id=referral.id,
                from_status=from_status,
                to_status=referral.status,
                reason=referral.decline_reason,
                by_subject=by_subject,
            )
        )
        await self.session.flush()

    async def history(self, referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ReferralStep]]:
        return await self.grouped(ReferralStep.referral_id, referral_ids, ReferralStep.id)

    async def page(
        self, filters: ReferralFilter, params: PageParams, seen: Visibility
    ) -> tuple[list[Referral], str | None]:
        stmt = where_fields(where_seen(select(Referral), Referral, seen), Referral, filters)
        return await newest_first(self.session, stmt, params, Referral.created_at, Referral.id)

    async def people_referred(self, jurisdiction_code: str, seen: Visibility, *, limit: int) -> list[uuid.UUID]:
        """People referred to any post, most recently referred first: part of the candidate pool of a post."""
        stmt = where_seen(select(Referral.person_id, Referral.created_at), Referral, seen).where(
            Referral.jurisdiction_code == jurisdiction_code
        )
        rows = await self.session.execute(stmt.order_by(Referral.created_at.desc()).limit(limit * 4))
        return list(dict.fromkeys(r.person_id for r in rows))[:limit]
