"""Formula injection: a name that a spreadsheet would run as a formula comes out of every export as text (CSV: a
leading apostrophe; XLSX: a text cell, unaltered, with Excel's quote prefix). Reading the apostrophe back is
tests/shared/test_tabular.py's."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from placement.main import create_app as create_placement
from registry.main import create_app as create_registry
from registry.persons.national_id import check_char

FORMULA = '=HYPERLINK("http://x","y")'


def id_number(seq: int) -> str:
    first17 = f"450222{date(1988, 3, 3):%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


@pytest.fixture
def county(make_token):
    return {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_cell(content: bytes, text: str):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere in the workbook
    workbook = load_workbook(io.BytesIO(content))
    [cell] = [c for row in workbook.worksheets[0].iter_rows() for c in row if c.value == text]
    return cell


async def test_a_person_named_like_a_formula_is_text_in_both_registry_exports(service_client, county):
    async with service_client("registry", create_registry) as (registry, _session):
        body = {
            "name": FORMULA,
            "id_number": id_number(601),
            "work_ability": "able",
            "jurisdiction_code": "dapu",
            "notes": "@SUM(1+1)*cmd|' /C calc'!A0",
            "confirm_not_duplicate": True,
        }
        assert (await registry.post("/api/v1/persons", json=body, headers=county)).status_code == 201
        exported = await registry.get("/api/v1/persons/export", params={"q": "HYPERLINK"}, headers=county)
        assert exported.status_code == 200, exported.text
        header, row = csv_rows(exported.content)
        values = dict(zip(header, row, strict=True))
        assert values["姓名"] == "'" + FORMULA
        assert values["备注"] == "'@SUM(1+1)*cmd|' /C calc'!A0"

        workbook = await registry.get(
            "/api/v1/persons/export", params={"q": "HYPERLINK", "format": "xlsx"}, headers=county
        )
        assert workbook.status_code == 200, workbook.text
        cell = xlsx_cell(workbook.content, FORMULA)
        assert cell.data_type == "s" and cell.quotePrefix


async def test_an_employer_named_like_a_formula_is_text_in_both_placement_exports(service_client, county):
    async with service_client("placement", create_placement) as (placement, _session):
        body = {
            "name": FORMULA,
            "kind": "individual_business",
            "jurisdiction_code": "dapu",
            "address": "-1+1",
            "contacts": [{"name": "+韦经理", "phone": "0772-7612345"}],
        }
        created = await placement.post("/api/v1/employers", json=body, headers=county)
        assert created.status_code == 201, created.text
        exported = await placement.get("/api/v1/employers/export", params={"q": "HYPERLINK"}, headers=county)
        assert exported.status_code == 200, exported.text
        header, row = csv_rows(exported.content)
        values = dict(zip(header, row, strict=True))
        assert (values["单位名称"], values["地址"], values["联系人"]) == ("'" + FORMULA, "'-1+1", "'+韦经理")

        workbook = await placement.get(
            "/api/v1/employers/export", params={"q": "HYPERLINK", "format": "xlsx"}, headers=county
        )
        assert workbook.status_code == 200, workbook.text
        for text in (FORMULA, "-1+1", "+韦经理"):
            cell = xlsx_cell(workbook.content, text)
            assert cell.data_type == "s" and cell.quotePrefix
