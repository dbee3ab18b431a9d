"""The columns of a person import (and export): the headings a township office uses, and how each cell's text
becomes a value of `PersonCreate` (codes or their Chinese labels are both accepted)."""

from __future__ import annotations

import re
from datetime import date

from registry.persons.schemas import LABELS_ZH
from shared.tabular import CellError, Column, ColumnSpec, cell_code, cell_day, cell_jurisdiction

PERSON_COLUMNS = ColumnSpec(
    (
        Column("name", "姓名", ("名字",), required=True),
        Column("gender", "性别", ("sex",)),
        Column("birth_date", "出生日期", ("出生年月日", "birth date")),
        Column(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码", "身份证", "公民身份号码(身份证号)", "id number", "national id"),
            required=True,
        ),
        Column("ethnicity", "民族"),
        Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式")),
        Column("household_address", "户籍地址", ("户籍地", "户口所在地", "household address")),
        Column("residence_address", "现居住地址", ("现住址", "居住地址", "现居住地", "residence address")),
        Column("jurisdiction_code", "所属乡镇", ("乡镇", "所属乡镇(管理区)", "所属管理区", "jurisdiction")),
        Column("education", "文化程度", ("学历",)),
        Column("skills", "技能", ("技能特长", "专长")),
        Column("work_ability", "就业能力", ("劳动能力", "work ability"), required=True),
        Column("work_ability_reason", "就业能力说明", ("劳动能力说明", "丧失劳动能力原因", "work ability reason")),
        Column(
            "work_ability_since", "就业能力认定日期", ("劳动能力认定日期", "就业能力认定时间", "work ability since")
        ),
        Column("registered_on", "登记日期", ("列管日期", "在册日期", "登记在册日期", "registered on")),
        Column("left_on", "离册日期", ("注销日期", "离册时间", "left on")),
        Column("left_reason", "离册原因", ("注销原因", "left reason")),
        Column("guardian_name", "监护人", ("监护人姓名", "guardian")),
        Column("guardian_relation", "监护人关系", ("与监护人关系", "guardian relation")),
        Column("guardian_phone", "监护人电话", ("监护人联系电话", "guardian phone")),
        Column("notes", "备注"),
        Column("confirm_not_duplicate", "确认非重复", ("confirm not duplicate",)),
    ),
    # Row counters, and the columns only an export has, so that a corrected export imports again.
    ignored=frozenset({"序号", "编号", "no", "no.", "年龄", "状态", "登记时间", "记录编号"}),
)

_EDUCATION = {label: code for code, label in LABELS_ZH["education"].items()} | {
    "文盲": "none",
    "中专": "vocational",
    "技校": "vocational",
    "职高": "vocational",
    "专科": "college",
    "本科": "bachelor_or_above",
    "大学本科": "bachelor_or_above",
    "研究生": "bachelor_or_above",
    "硕士": "bachelor_or_above",
    "博士": "bachelor_or_above",
}
_WORK_ABILITY = {label: code for code, label in LABELS_ZH["work_ability"].items()} | {
    "有": "able",
    "能": "able",
    "部分丧失": "partly",
    "部分": "partly",
    "完全丧失劳动能力": "unable",
    "无劳动能力": "unable",
    "无": "unable",
}
_GENDER = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
_YES = {"是", "y", "yes", "true", "1", "确认"}
_NO = {"否", "n", "no", "false", "0", ""}
_SKILL_SEPARATORS = re.compile(r"[、,，;；/／|\s]+")


def jurisdiction(text: str) -> str:
    return cell_jurisdiction(text)


def coded(text: str, labels: dict[str, str], codes: set[str], what: str) -> str:
    code = cell_code(text, labels, codes)
    if code is None:
        raise CellError(f"unknown {what}: use one of {'、'.join(sorted(set(labels) - {'有', '能', '无', '部分'}))}")
    return code


def education(text: str) -> str:
    return coded(text, _EDUCATION, set(LABELS_ZH["education"]), "education level")


def work_ability(text: str) -> str:
    return coded(text, _WORK_ABILITY, set(LABELS_ZH["work_ability"]), "work ability")


def gender(text: str) -> str:
    value = _GENDER.get(text.strip().lower())
    if value is None:
        raise CellError("gender is 男 or 女")
    return value


_LEFT_REASON = {label: code for code, label in LABELS_ZH["left_reason"].items()} | {
    "病故": "died",
    "迁出": "moved_out_of_county",
    "迁出县外": "moved_out_of_county",
    "误录": "entered_in_error",
    "错误登记": "entered_in_error",
}


def left_reason(text: str) -> str:
    return coded(text, _LEFT_REASON, set(LABELS_ZH["left_reason"]), "reason for leaving the register")


def birth_date(text: str) -> date:
    return day(text)


def day(text: str) -> date:
    return cell_day(text, example="1990-01-31")


def skills(text: str) -> list[str]:
    return [s for s in _SKILL_SEPARATORS.split(text) if s]


def yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError("是 or 否")
