"""Exporting the employers or placements a caller may see, with their lists' filters, as CSV or XLSX.

The records are decided first: their ids are collected a page at a time with the list's own query (so the same
scope: township staff their jurisdiction's, an employer's client its own). For placements, which are people's data,
the one audit entry naming every person exported is committed before any byte of the file leaves. The file is then
streamed: records are read back by id in pages, so memory holds ids and one page, never the whole list. The columns
are the import's headings, so a corrected export imports again (its extra columns are ignored by the import).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from placement.employers import policy as employers_policy
from placement.employers.models import Employer
from placement.employers.repository import DesignationRepository, EmployerFilter, EmployerRepository, within
from placement.employers.schemas import DESIGNATION_STATUS_LABELS_ZH, KIND_LABELS_ZH, SECTOR_LABELS_ZH
from placement.imports.columns import (
    EMPLOYER_COLUMNS,
    EMPLOYER_EXPORT_ONLY,
    PLACEMENT_COLUMNS,
    PLACEMENT_EXPORT_ONLY,
)
from placement.placements import policy as placements_policy
from placement.placements.models import Placement
from placement.placements.repository import PlacementFilter, PlacementRepository
from placement.placements.schemas import END_REASON_LABELS_ZH, ROUTE_LABELS_ZH, STATUS_LABELS_ZH
from placement.posts.models import JobPost
from placement.posts.schemas import WORKING_PATTERN_LABELS_ZH
from shared.auth import Principal
from shared.grants import visibility
from shared.pagination import PageParams
from shared.query import where_seen
from shared.reference import JURISDICTIONS

PAGE = 500
EMPLOYER_HEADINGS = EMPLOYER_COLUMNS.headings + list(EMPLOYER_EXPORT_ONLY)
PLACEMENT_HEADINGS = PLACEMENT_COLUMNS.headings + list(PLACEMENT_EXPORT_ONLY)


async def employer_ids(session: AsyncSession, *, principal: Principal, filters: EmployerFilter) -> list[uuid.UUID]:
    """The ids of every employer the list would show, in its order (by name)."""
    scope = employers_policy.require_read(principal, "employers")
    repo = EmployerRepository(session)
    today = date.today()
    ids: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        rows, cursor = await repo.page(filters, PageParams(limit=PAGE, cursor=cursor), scope, today=today)
        ids.extend(e.id for e in rows)
        session.expunge_all()  # read again while streaming; keep memory to one page
        if cursor is None:
            return ids


async def employer_rows(
    session: AsyncSession, *, principal: Principal, ids: Sequence[uuid.UUID]
) -> AsyncIterator[list[Any]]:
    scope = employers_policy.scope_of(principal)
    today = date.today()
    for start in range(0, len(ids), PAGE):
        chunk = list(ids[start : start + PAGE])
        found = {
            e.id: e for e in (await session.scalars(within(select(Employer).where(Employer.id.in_(chunk)), scope)))
        }
        latest = await DesignationRepository(session).latest_on(list(found), today)
        for employer_id in chunk:
            employer = found.get(employer_id)
            if employer is None:  # moved out of the caller's jurisdiction meanwhile
                continue
            contact = employer.contacts[0] if employer.contacts else {}
            status = latest[employer_id].status_after if employer_id in latest else "not_designated"
            yield [
                employer.name,
                KIND_LABELS_ZH[employer.kind],
                employer.unified_social_credit_code,
                JURISDICTIONS[employer.jurisdiction_code][0],
                SECTOR_LABELS_ZH[employer.sector_code] if employer.sector_code else None,
                employer.address,
                contact.get("name"),
                contact.get("phone"),
                "是" if status == "active" else "否",
                DESIGNATION_STATUS_LABELS_ZH[status],
                employer.created_at,
                str(employer.id),
            ]
        session.expunge_all()


async def placement_ids(
    session: AsyncSession, *, principal: Principal, filters: PlacementFilter
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The ids of every placement the list would show, in its order (newest first), and of their people."""
    seen = placements_policy.require_read(principal)
    repo = PlacementRepository(session)
    ids: list[uuid.UUID] = []
    people: dict[uuid.UUID, None] = {}
    cursor: str | None = None
    while True:
        rows, cursor = await repo.page(filters, PageParams(limit=PAGE, cursor=cursor), seen)
        ids.extend(p.id for p in rows)
        people.update(dict.fromkeys(p.person_id for p in rows))
        session.expunge_all()
        if cursor is None:
            return ids, list(people)


async def placement_rows(
    session: AsyncSession, *, principal: Principal, ids: Sequence[uuid.UUID]
) -> AsyncIterator[list[Any]]:
    seen = visibility(principal)
    for start in range(0, len(ids), PAGE):
        chunk = list(ids[start : start + PAGE])
        stmt = (
            select(Placement, Employer.name, Employer.unified_social_credit_code, JobPost.title)
            .outerjoin(Employer, Employer.id == Placement.employer_id)
            .outerjoin(JobPost, JobPost.id == Placement.post_id)
            .where(Placement.id.in_(chunk))
        )
        found = {row[0].id: row for row in (await session.execute(where_seen(stmt, Placement, seen))).all()}
        for placement_id in chunk:
            if placement_id not in found:
                continue
            p, employer_name, credit_code, post_title = found[placement_id]
            status = "active" if p.ended_on is None else "ended"
            yield [
                str(p.person_id),
                ROUTE_LABELS_ZH[p.route],
                credit_code or employer_name,
                post_title,
                WORKING_PATTERN_LABELS_ZH[p.working_pattern],
                p.contract_number,
                p.contract_signed_on,
                p.start_on,
                p.contract_end_on,
                p.monthly_wage,
                employer_name,
                JURISDICTIONS[p.jurisdiction_code][0],
                STATUS_LABELS_ZH[status],
                p.ended_on,
                END_REASON_LABELS_ZH.get(p.end_reason or ""),
                str(p.id),
            ]
        session.expunge_all()
