"""The subsidy types (补助类型), one declared table: who benefits, whether money is paid, and in words what counts.

The rule of each type (amounts, tiers, minimum contract term ...) is data in a policy version
(subsidy.policies.rules); this table is what does not change between policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

SubsidyTypeCode = Literal[
    "enterprise_placement", "hiring", "self_employment", "post", "social_insurance", "loan_interest", "tax_reduction"
]
BeneficiaryKind = Literal["employer", "person"]
TYPE_CODES: Final[tuple[str, ...]] = get_args(SubsidyTypeCode)


@dataclass(frozen=True, slots=True)
class SubsidyType:
    code: str
    label_zh: str
    beneficiary: BeneficiaryKind
    pays_money: bool
    description: str


SUBSIDY_TYPES: Final[dict[str, SubsidyType]] = {
    t.code: t
    for t in (
        SubsidyType(
            "enterprise_placement",
            "启航工程企业安置补助",
            "employer",
            True,
            "Per Qihang enterprise and year: by headcount tier, or per person with an optional cap, counting the "
            "people on qualifying contracts; the enterprise must hold the Qihang designation on at least one day "
            "of the year.",
        ),
        SubsidyType(
            "hiring",
            "个体工商户、私营业主吸纳就业补贴",
            "employer",
            True,
            "Per individual business or private owner that hires: an amount per person hired on a qualifying "
            "contract in the year, with an optional cap per employer.",
        ),
        SubsidyType(
            "self_employment",
            "自主创业扶持资金",
            "person",
            True,
            "Per person with a self-employment record running on at least the policy's minimum days of the year.",
        ),
        SubsidyType(
            "post",
            "岗位补贴",
            "person",
            True,
            "Per person and month on a public-welfare post (公益性岗位): a monthly amount for each month of the year "
            "the post was held for the policy's minimum days of that month.",
        ),
        SubsidyType(
            "social_insurance",
            "社会保险补贴",
            "employer",
            True,
            "Per employer: a monthly amount for each person and month of insured employment (a contract at the "
            "employer) held for the policy's minimum days of that month.",
        ),
        SubsidyType(
            "loan_interest",
            "小额担保贷款贴息",
            "person",
            True,
            "Per self-employed person: principal x annual rate x days / 365 over the days of the year each small "
            "guaranteed loan ran (disbursement included, maturity excluded), summed, with an optional cap.",
        ),
        SubsidyType(
            "tax_reduction",
            "税收减免资格",
            "employer",
            False,
            "A record that an employer hiring on qualifying contracts is eligible and that the tax office granted "
            "the reduction; no money is paid by the county (amount 0.00).",
        ),
    )
}
