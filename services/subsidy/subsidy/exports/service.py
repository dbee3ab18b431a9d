"""Decisions and applications as spreadsheet rows with Chinese headings (shared.tabular writes CSV or XLSX). The
rows name beneficiaries by id (employer id, or the person's registry id), never by name or ID number."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.reference import JURISDICTIONS
from subsidy.applications import policy as application_policy
from subsidy.applications.repository import ApplicationFilter, ApplicationRepository
from subsidy.applications.workflow import STATUS_LABELS_ZH
from subsidy.decisions import policy as decision_policy
from subsidy.decisions.repository import DecisionFilter, DecisionRepository
from subsidy.decisions.schemas import BENEFICIARY_LABELS_ZH
from subsidy.types import SUBSIDY_TYPES

DECISION_HEADINGS = [
    "年度", "补助类型", "受益对象类型", "受益对象编号", "所属乡镇", "决定版本", "是否现行", "政策版本", "符合条件人数",
    "档次", "金额（元）", "决定时间", "决定编号",
]  # fmt: skip
APPLICATION_HEADINGS = [
    "年度", "补助类型", "受益对象类型", "受益对象编号", "所属乡镇", "金额（元）", "申请状态", "拨付日期", "凭证号",
    "拨付金额（元）", "申请时间", "申请编号", "决定编号",
]  # fmt: skip


def _place(code: str) -> str:
    return JURISDICTIONS.get(code, (code,))[0]


async def decision_rows(
    session: AsyncSession, *, principal: Principal, filters: DecisionFilter
) -> tuple[list[list[Any]], list]:
    """The rows, and the ids the export concerns (decisions and beneficiaries), for its audit entry."""
    seen = decision_policy.require_read(principal)
    repo = DecisionRepository(session)
    decisions = await repo.by_ids(await repo.ids(filters, seen))
    rows = [
        [
            d.year,
            SUBSIDY_TYPES[d.subsidy_type].label_zh,
            BENEFICIARY_LABELS_ZH[d.beneficiary_kind],
            str(d.beneficiary_id),
            _place(d.jurisdiction_code),
            d.version,
            d.is_current,
            d.policy_version,
            d.qualifying_count,
            d.tier_label_zh,
            d.amount,
            d.decided_at,
            str(d.id),
        ]
        for d in decisions
    ]
    return rows, [i for d in decisions for i in (d.id, d.beneficiary_id)]


async def application_rows(
    session: AsyncSession, *, principal: Principal, filters: ApplicationFilter
) -> tuple[list[list[Any]], list]:
    seen = application_policy.require_read(principal)
    repo = ApplicationRepository(session)
    applications = await repo.all(filters, seen)
    payments = await repo.payments([a.id for a in applications])
    rows = []
    for a in applications:
        payment = payments.get(a.id)
        rows.append(
            [
                a.year,
                SUBSIDY_TYPES[a.subsidy_type].label_zh,
                BENEFICIARY_LABELS_ZH[a.beneficiary_kind],
                str(a.beneficiary_id),
                _place(a.jurisdiction_code),
                a.amount,
                STATUS_LABELS_ZH[a.status],
                payment.paid_on if payment else None,
                payment.voucher_number if payment else None,
                payment.amount if payment else None,
                a.created_at,
                str(a.id),
                str(a.decision_id),
            ]
        )
    return rows, [i for a in applications for i in (a.id, a.beneficiary_id)]
