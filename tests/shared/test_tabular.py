"""Reading uploaded spreadsheets (encodings, XLSX, headings, line numbers, limits) and writing them back safely."""

import codecs
import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from shared.tabular import (
    BadFileStructure,
    Column,
    ColumnSpec,
    FileTooLarge,
    Limits,
    UnsupportedFileType,
    iterate,
    read_table,
    safe_cell,
    write_csv,
    write_xlsx,
)

SPEC = ColumnSpec(
    (
        Column("name", "姓名", ("name",), required=True),
        Column("id_number", "公民身份号码", ("身份证号",), required=True),
        Column("phone", "联系电话", ("电话",)),
        Column("born", "出生日期"),
    )
)
LIMITS = Limits(max_bytes=100_000, max_rows=100)


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def collect(stream) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.mark.parametrize(
    "encoded",
    [
        "姓名,身份证号,电话\r\n韦某,450222199001011234,138\r\n".encode(),
        codecs.BOM_UTF8 + "姓名,身份证号,电话\r\n韦某,450222199001011234,138\r\n".encode(),
        "姓名,身份证号,电话\r\n韦某,450222199001011234,138\r\n".encode("gb18030"),
        "姓名\t身份证号\t电话\r\n韦某\t450222199001011234\t138\r\n".encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "utf16-tab"],
)
def test_csv_in_every_encoding_excel_writes_reads_the_same(encoded):
    sheet = read_table(encoded, spec=SPEC, limits=LIMITS)
    assert sheet.format == "csv"
    assert sheet.columns == ["name", "id_number", "phone"]
    assert [(r.line, r.values) for r in sheet.rows] == [
        (2, {"name": "韦某", "id_number": "450222199001011234", "phone": "138"})
    ]


def test_line_numbers_are_excel_rows_counting_blank_rows_and_a_title_above_the_header():
    text = '柳城县大埔镇名单,,\n姓名*,公民身份号码,联系电话\n甲,1,\n,,\n"乙\n(曾用名)",2,3\n丙,3,\n'
    sheet = read_table(text.encode(), spec=SPEC, limits=LIMITS)
    assert sheet.header_line == 2
    assert [r.line for r in sheet.rows] == [3, 5, 6]
    assert sheet.rows[0].values == {"name": "甲", "id_number": "1"}  # empty cells are left out


def test_xlsx_cells_become_text_the_clerk_typed():
    data = xlsx(
        [
            ["姓名", "身份证号", "电话", "出生日期"],
            ["韦某", "45022219900101123X", 13800000000, datetime(1990, 1, 1)],
            [None, None, None, None],
            ["覃某", "450222199002021234", None, date(1990, 2, 2)],
        ]
    )
    sheet = read_table(data, spec=SPEC, limits=LIMITS, filename="名单.xlsx")
    assert sheet.format == "xlsx"
    assert [(r.line, r.values) for r in sheet.rows] == [
        (2, {"name": "韦某", "id_number": "45022219900101123X", "phone": "13800000000", "born": "1990-01-01"}),
        (4, {"name": "覃某", "id_number": "450222199002021234", "born": "1990-02-02"}),
    ]


def test_unknown_and_missing_headings_are_named():
    with pytest.raises(BadFileStructure) as caught:
        read_table("姓名,手机号码x,序号\n韦某,1,1\n".encode(), spec=SPEC, limits=LIMITS)
    problem = caught.value
    assert problem.status == 422
    assert "手机号码x" in problem.detail and "公民身份号码" in problem.detail
    assert {(e.field, e.message) for e in problem.errors} == {
        ("heading 手机号码x", "unknown heading"),
        ("heading 公民身份号码", "required heading missing"),
    }


def test_a_column_named_twice_is_refused():
    with pytest.raises(BadFileStructure) as caught:
        read_table("姓名,身份证号,公民身份号码\n韦某,1,2\n".encode(), spec=SPEC, limits=LIMITS)
    assert "公民身份号码" in caught.value.detail


def test_a_value_under_no_heading_is_refused_with_its_row():
    with pytest.raises(BadFileStructure) as caught:
        read_table("姓名,身份证号\n韦某,1,oops\n".encode(), spec=SPEC, limits=LIMITS)
    assert "Row 2" in caught.value.detail


def test_no_header_row_is_422():
    with pytest.raises(BadFileStructure):
        read_table(b"a,b\n1,2\n", spec=SPEC, limits=LIMITS)


def test_limits_are_413_and_wrong_files_415():
    with pytest.raises(FileTooLarge) as too_big:
        read_table(b"x" * 200, spec=SPEC, limits=Limits(max_bytes=100, max_rows=10))
    assert too_big.value.status == 413
    rows = "姓名,身份证号\n" + "".join(f"p{i},{i}\n" for i in range(11))
    with pytest.raises(FileTooLarge) as too_many:
        read_table(rows.encode(), spec=SPEC, limits=Limits(max_bytes=10_000, max_rows=10))
    assert too_many.value.code == "too_many_rows"
    with pytest.raises(UnsupportedFileType) as xls:
        read_table(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 100, spec=SPEC, limits=LIMITS)
    assert xls.value.status == 415 and ".xlsx" in xls.value.detail
    with pytest.raises(UnsupportedFileType):
        read_table(b"PK\x03\x04not really a zip", spec=SPEC, limits=LIMITS)
    with pytest.raises(UnsupportedFileType):
        read_table(b"\x89PNG\r\n\x1a\n\x00\x00\x00", spec=SPEC, limits=LIMITS)


def test_formula_like_text_is_defused_and_other_values_pass():
    assert [safe_cell(v) for v in ("=1+1", "+86138", "-2", "@SUM(A1)", "\tx", "韦某")] == [
        "'=1+1",
        "'+86138",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "韦某",
    ]
    assert [safe_cell(v) for v in (-2, 1.5, None, date(2020, 1, 1))] == [-2, 1.5, None, date(2020, 1, 1)]


async def test_csv_export_is_utf8_with_bom_and_defused():
    data = await collect(write_csv(["姓名", "备注"], iterate([["韦某", '=HYPERLINK("x")'], ["覃某", None]])))
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["姓名", "备注"], ["韦某", '\'=HYPERLINK("x")'], ["覃某", ""]]


async def test_xlsx_export_streams_a_workbook_that_opens_with_text_not_formulas():
    rows = [[f"人{i}", "=1+1", i, date(2020, 1, 1)] for i in range(1200)]
    data = await collect(write_xlsx(["姓名", "备注", "编号", "日期"], iterate(rows), sheet_title="人员名单"))
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    sheet = workbook["人员名单"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("姓名", "备注", "编号", "日期")
    assert len(values) == 1201
    assert values[1][:3] == ("人0", "'=1+1", 0)
    assert values[1][3].date() == date(2020, 1, 1)
    workbook.close()


def test_a_spec_cannot_give_one_heading_to_two_fields():
    with pytest.raises(ValueError):
        ColumnSpec((Column("a", "姓名"), Column("b", "名字", ("姓名",))))


def test_an_xlsx_that_unpacks_to_far_more_than_allowed_is_refused_before_reading():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "x" * 5_000_000)
    with pytest.raises(FileTooLarge):
        read_table(out.getvalue(), spec=SPEC, limits=Limits(max_bytes=100_000, max_rows=10))
