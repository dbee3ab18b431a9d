"""The columns of an employer import and of a placement import (and of their exports): the headings a township office
uses, and how each cell's text becomes a value of `EmployerCreate` / `PlacementCreate` (codes or their Chinese labels
are both accepted). An export writes the same headings, then a few columns only it has, which an import ignores, so a
corrected export can be imported again."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

from placement.employers.schemas import KIND_LABELS_ZH, SECTOR_LABELS_ZH
from placement.placements.schemas import ROUTE_LABELS_ZH
from placement.posts.schemas import WORKING_PATTERN_LABELS_ZH
from shared.tabular import CellError, Column, ColumnSpec, cell_code, cell_day, cell_jurisdiction

EMPLOYER_EXPORT_ONLY = ("启航企业", "认定状态", "登记时间", "单位编号")
EMPLOYER_COLUMNS = ColumnSpec(
    (
        Column("name", "单位名称", ("用人单位名称", "企业名称", "名称", "employer name"), required=True),
        Column("kind", "单位类型", ("类型", "单位性质", "employer kind"), required=True),
        Column("unified_social_credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "credit code", "uscc")),
        Column("jurisdiction_code", "所属乡镇", ("乡镇", "所属乡镇(管理区)", "所属管理区", "jurisdiction")),
        Column("sector_code", "行业", ("所属行业", "行业门类", "sector")),
        Column("address", "地址", ("单位地址", "经营地址", "address")),
        Column("contact_name", "联系人", ("联系人姓名", "contact")),
        Column("contact_phone", "联系电话", ("电话", "联系方式", "contact phone")),
    ),
    ignored=frozenset({"序号", "编号", "no", "no.", *EMPLOYER_EXPORT_ONLY}),
)

PLACEMENT_EXPORT_ONLY = ("单位名称", "所属乡镇", "状态", "结束日期", "结束原因", "安置记录编号")
PLACEMENT_COLUMNS = ColumnSpec(
    (
        # 记录编号 is the registry export's column of the same id: a sheet built from it imports as it is.
        Column("person_id", "人员编号", ("记录编号", "人员id", "person id"), required=True),
        Column("route", "安置方式", ("安置类型", "route"), required=True),
        Column("employer", "用人单位", ("用人单位统一社会信用代码", "employer")),
        Column("post", "岗位", ("岗位名称", "post")),
        Column("working_pattern", "用工形式", ("工作形式", "working pattern")),
        Column("contract_number", "合同编号", ("劳动合同编号", "contract number")),
        Column("signed_on", "签订日期", ("合同签订日期", "signed on")),
        Column("start_on", "合同开始日期", ("开始日期", "安置日期", "上岗日期", "start on")),
        Column("end_on", "合同结束日期", ("合同终止日期", "结束日期(合同)", "end on")),
        Column("monthly_wage", "月工资", ("月工资(元)", "工资", "monthly wage")),
    ),
    ignored=frozenset({"序号", "编号", "no", "no.", *PLACEMENT_EXPORT_ONLY}),
)

_KINDS = {label: code for code, label in KIND_LABELS_ZH.items()} | {
    "个体": "individual_business",
    "私营": "private_owner",
}
_SECTORS = {label: code for code, label in SECTOR_LABELS_ZH.items()}
_ROUTES = {label: code for code, label in ROUTE_LABELS_ZH.items()} | {
    "集中": "centralised",
    "分散": "dispersed",
    "推荐就业": "dispersed",
    "公益性岗位": "public_welfare_post",
    "自主创业": "self_employment",
    "灵活": "flexible",
    "政府保障": "government_guaranteed",
}
_WORKING_PATTERNS = {label: code for code, label in WORKING_PATTERN_LABELS_ZH.items()} | {"全职": "full_time"}
_MONEY = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


def _coded(text: str, labels: dict[str, str], codes: set[str], what: str) -> str:
    code = cell_code(text, labels, codes)
    if code is None:
        raise CellError(f"unknown {what}: use one of {'、'.join(sorted(v for v in labels if len(v) > 2) or codes)}")
    return code


def jurisdiction(text: str) -> str:
    return cell_jurisdiction(text)


def employer_kind(text: str) -> str:
    return _coded(text, _KINDS, set(KIND_LABELS_ZH), "kind of employer (企业/个体工商户/私营业主/事业单位)")


def sector(text: str) -> str:
    value = text.strip().upper()
    if value in SECTOR_LABELS_ZH:
        return value
    if text.strip() in _SECTORS:
        return _SECTORS[text.strip()]
    raise CellError("unknown sector: a GB/T 4754 section letter A-T or its name (e.g. C or 制造业)")


def route(text: str) -> str:
    return _coded(text, _ROUTES, set(ROUTE_LABELS_ZH), "placement route")


def working_pattern(text: str) -> str:
    return _coded(text, _WORKING_PATTERNS, set(WORKING_PATTERN_LABELS_ZH), "working pattern (全日制/非全日制/季节性)")


def person_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError as exc:
        raise CellError("not a registry person id (the 记录编号 of the registry's export)") from exc


def day(text: str) -> date:
    return cell_day(text, example="2026-01-31")


def money(text: str) -> Decimal:
    value = text.strip().removesuffix("元").replace(",", "").replace("，", "").strip()
    if not _MONEY.match(value):
        raise CellError("yuan with at most two decimal places, e.g. 2200 or 2200.50")
    return Decimal(value)
