"""Matching people and job posts. Placement keeps no list of people (the registry does), so a post's candidates are
drawn from the people placement already knows in the post's jurisdiction, the most recently referred or placed first
(at most POOL_LIMIT), plus any person ids the caller gives; the registry is asked about all of them with the
caller's token, so a township caller never learns of another jurisdiction's people, and only people the rules allow
(rules.refusal, rules.work_fits) are returned. The alternative, asking the registry for every eligible person in a
jurisdiction, would need a registry list endpoint for services that does not exist; this pool needs none."""

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.matching.schemas import Candidate, Candidates, PostMatch, SuitablePosts
from placement.placements import rules
from placement.placements.exceptions import PersonNotFound
from placement.placements.models import Placement
from placement.placements.policy import Visibility
from placement.placements.repository import PlacementRepository
from placement.posts import policy as post_policy
from placement.posts.exceptions import NoPostAccess, PostNotFound
from placement.posts.models import JobPost
from placement.posts.repository import PostRepository
from placement.posts.service import to_read
from placement.referrals.repository import ReferralRepository
from placement.registry_client import PersonFacts, RegistryClient
from shared.auth import Principal

POOL_LIMIT = 200
POSTS_CONSIDERED = 200
POOL_DEFINITION = (
    f"People referred to any post or placed before, in the post's jurisdiction and visible to you (at most "
    f"{POOL_LIMIT}, most recent first), plus the person ids you gave; each checked with the registry."
)


def _skills(values: list[str]) -> dict[str, str]:
    return {v.strip().casefold(): v for v in values}


def _overlap(person_skills: list[str], wanted: list[str]) -> tuple[list[str], list[str]]:
    have = _skills(person_skills)
    matched = [w for w in wanted if w.strip().casefold() in have]
    missing = [w for w in wanted if w.strip().casefold() not in have]
    return matched, missing


def _recruiting(post: JobPost, today: date) -> bool:
    return (
        post.status == "open"
        and post.filled < post.headcount
        and post.opens_on <= today
        and (post.closes_on is None or post.closes_on >= today)
    )


async def suitable_posts(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, person_id: uuid.UUID
) -> SuitablePosts:
    seen = post_policy.require_read(principal)
    if seen.employer_id is not None:
        raise NoPostAccess("Employers see the people referred to their posts, not people's matches.")
    facts = (await registry.lookup(principal, [person_id])).found.get(person_id)
    if facts is None or (seen.jurisdiction is not None and facts.jurisdiction_code != seen.jurisdiction):
        raise PersonNotFound("No such person.")
    why_not = rules.refusal(facts)
    if why_not is not None:
        return SuitablePosts(
            person_id=person_id, placeable=False, reason=why_not, rule=rules.PLACEABLE_DEFINITION, items=[]
        )
    today = date.today()
    posts = await PostRepository(session).recruiting_in(
        facts.jurisdiction_code,
        seen,
        today=today,
        light_or_part_time_only=facts.work_ability == "partly",
        skills=list(facts.skills),
        limit=POSTS_CONSIDERED,
    )
    matches = []
    for post in posts:
        if not _recruiting(post, today):
            continue
        if not rules.work_fits(facts, working_pattern=post.working_pattern, light_work=post.light_work):
            continue
        matched, missing = _overlap(facts.skills, list(post.required_skills))
        matches.append(
            PostMatch(post=to_read(post), matched_skills=matched, missing_skills=missing, score=len(matched))
        )
    matches.sort(key=lambda m: (-m.score, -(m.post.headcount - m.post.filled)))
    return SuitablePosts(
        person_id=person_id, placeable=True, reason=None, rule=rules.PLACEABLE_DEFINITION, items=matches
    )


async def _placed_people(
    session: AsyncSession, jurisdiction_code: str, seen: Visibility, limit: int
) -> list[uuid.UUID]:
    stmt = select(Placement.person_id, Placement.created_at).where(Placement.jurisdiction_code == jurisdiction_code)
    if seen.jurisdiction is not None:
        stmt = stmt.where(Placement.jurisdiction_code == seen.jurisdiction)
    rows = await session.execute(stmt.order_by(Placement.created_at.desc()).limit(limit * 4))
    return list(dict.fromkeys(r.person_id for r in rows))[:limit]


async def candidates(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    post_id: uuid.UUID,
    given: list[uuid.UUID],
) -> Candidates:
    seen = post_policy.require_read(principal)
    if seen.employer_id is not None:
        # An employer's client may not browse people: it sees referrals to its posts, not the pool.
        raise NoPostAccess("Employers see the people referred to their posts, not candidates.")
    post = await PostRepository(session).get(post_id, seen)
    if post is None:
        raise PostNotFound("No such job post.")
    people_seen = Visibility(jurisdiction=principal.jurisdiction, employer_id=None)
    referred = await ReferralRepository(session).people_referred(post.jurisdiction_code, people_seen, limit=POOL_LIMIT)
    placed = await _placed_people(session, post.jurisdiction_code, people_seen, POOL_LIMIT)
    sources: dict[uuid.UUID, list[str]] = {}
    for source, ids in (("given", given), ("referred", referred), ("placed", placed)):
        for pid in ids:
            sources.setdefault(pid, []).append(source)
    pool = list(sources)[: POOL_LIMIT + len(given)]
    found = (await registry.lookup(principal, pool)).found if pool else {}
    busy: set[uuid.UUID] = set()
    if post.working_pattern == "full_time":
        busy = await PlacementRepository(session).with_active_full_time(list(found))
    items = []
    for pid, facts in found.items():
        if not _fits(facts, post, principal) or pid in busy:
            continue
        matched, _missing = _overlap(facts.skills, list(post.required_skills))
        items.append(
            Candidate(
                person_id=pid,
                work_ability=facts.work_ability,
                current_measure=facts.current_measure,
                matched_skills=matched,
                score=len(matched),
                source=sources[pid],
            )
        )
    items.sort(key=lambda c: (-c.score, str(c.person_id)))
    return Candidates(post_id=post.id, pool=POOL_DEFINITION, items=items)


def _fits(facts: PersonFacts, post: JobPost, principal: Principal) -> bool:
    return (
        facts.jurisdiction_code == post.jurisdiction_code
        and (principal.jurisdiction is None or facts.jurisdiction_code == principal.jurisdiction)
        and rules.refusal(facts) is None
        and rules.work_fits(facts, working_pattern=post.working_pattern, light_work=post.light_work)
    )
