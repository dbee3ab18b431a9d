"""Reference data named by the notice (柳城政办〔2012〕84号) that more than one service needs."""

from __future__ import annotations

from typing import Final, Literal

COUNTY_CODE: Final = "liucheng"

# code -> (Chinese name, English name, kind)
JURISDICTIONS: Final[dict[str, tuple[str, str, str]]] = {
    "dapu": ("大埔镇", "Dapu", "town"),
    "dongquan": ("东泉镇", "Dongquan", "town"),
    "shapu": ("沙埔镇", "Shapu", "town"),
    "taiping": ("太平镇", "Taiping", "town"),
    "liutang": ("六塘镇", "Liutang", "town"),
    "fengshan": ("凤山镇", "Fengshan", "town"),
    "longtou": ("龙头镇", "Longtou", "town"),
    "zhailong": ("寨隆镇", "Zhailong", "town"),
    "chongmai": ("冲脉镇", "Chongmai", "town"),
    "mashan": ("马山乡", "Mashan", "township"),
    "shechong": ("社冲乡", "Shechong", "township"),
    "guzhai": ("古砦仫佬族乡", "Guzhai Mulao Ethnic Township", "ethnic_township"),
    "liucheng_ocez": ("柳城华侨经济管理区", "Liucheng Overseas Chinese Economic Management Zone", "management_zone"),
    "fuhu_ocez": ("伏虎华侨经济管理区", "Fuhu Overseas Chinese Economic Management Zone", "management_zone"),
}

# code -> Chinese label. "township" is every township government / management zone office.
DEPARTMENTS: Final[dict[str, str]] = {
    "nco": "县禁毒办",
    "township": "乡镇人民政府 / 华侨经济管理区",
    "police": "县公安局",
    "justice": "县司法局",
    "health": "县卫生局",
    "development_reform": "县发改局",
    "finance": "县财政局",
    "civil_affairs": "县民政局",
    "human_resources": "县人社局",
    "industry_commerce": "县工商局",
    "trade_union": "县总工会",
    "youth_league": "团县委",
    "womens_federation": "县妇联",
    "it": "系统运维",
}

JurisdictionCode = Literal[tuple(JURISDICTIONS)]  # type: ignore[valid-type]
"""One of the 14 jurisdictions' codes: a filter or field of this type answers 422 on anything else (an unknown code
used to be an empty list, indistinguishable from "nobody there")."""
DepartmentCode = Literal[tuple(DEPARTMENTS)]  # type: ignore[valid-type]

ROLES: Final[dict[str, str]] = {
    "admin": "系统管理员 (manages users, clients and keys)",
    "staff": "工作人员 (reads and writes within department and jurisdiction)",
    "viewer": "查询人员 (reads within department and jurisdiction)",
    "auditor": "审计人员 (reads audit trails)",
}

SERVICES: Final = ("registry", "placement", "subsidy", "reporting")
SCOPES: Final[dict[str, str]] = {
    **{f"{svc}:read": f"read {svc} data" for svc in SERVICES},
    **{f"{svc}:write": f"change {svc} data" for svc in SERVICES},
    "audit:read": "read audit trails",
    "admin": "manage users, integration clients and signing keys",
}


def scopes_for_roles(roles: set[str] | frozenset[str]) -> set[str]:
    """What a staff user's token may do, by role. Department and jurisdiction limits apply on top, in each service."""
    scopes: set[str] = set()
    if roles & {"admin", "staff", "viewer", "auditor"}:
        scopes |= {f"{svc}:read" for svc in SERVICES}
    if roles & {"admin", "staff"}:
        scopes |= {f"{svc}:write" for svc in SERVICES}
    if roles & {"admin", "auditor"}:
        scopes.add("audit:read")
    if "admin" in roles:
        scopes.add("admin")
    return scopes
