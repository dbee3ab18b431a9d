"""Reading uploaded spreadsheets (encodings, XLSX, headings, line numbers, limits) and writing them back safely."""

import codecs
import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

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
from tests.jobs import xlsx_bytes

SPEC = ColumnSpec(
    (
        Column("name", "姓名", ("name",), required=True),
        Column("id_number", "公民身份号码", ("身份证号",), required=True),
        Column("phone", "联系电话", ("电话",)),
        Column("born", "出生日期"),
    )
)
LIMITS = Limits(max_bytes=100_000, max_rows=100)


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
    data = xlsx_bytes(
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
    assert values[1][:3] == ("人0", "=1+1", 0)
    assert values[1][3].date() == date(2020, 1, 1)
    workbook.close()
    assert_text_cells_not_formulas(data, "=1+1")


def assert_text_cells_not_formulas(data: bytes, *texts: str) -> None:
    """Each of `texts` is in the workbook as a text cell with Excel's quote prefix, and nothing is a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    workbook = load_workbook(io.BytesIO(data))
    cells = {c.value: c for row in workbook.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)}
    for text in texts:
        cell = cells[text.replace("\r", "\n")]  # XML reads a carriage return back as a line feed
        assert cell.data_type == "s" and cell.quotePrefix, text


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)", "\tx", "\r=1"])
async def test_every_formula_trigger_is_defused_in_both_formats(text):
    csv_data = await collect(write_csv(["姓名"], iterate([[text]])))
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + text]
    xlsx_data = await collect(write_xlsx(["姓名"], iterate([[text]])))
    assert_text_cells_not_formulas(xlsx_data, text)


async def test_a_stored_control_character_does_not_break_an_xlsx_export():
    data = await collect(write_xlsx(["姓名"], iterate([["韦\x01某"]])))
    values = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert values[1] == ("韦\ufffd某",)


def test_reading_undoes_the_exports_apostrophe_so_an_export_imports_the_same_values():
    data = "姓名,公民身份号码,联系电话\n'=HYPERLINK(1),1,'+8613800000000\n'韦某,2,'x\n".encode()
    sheet = read_table(data, spec=SPEC, limits=LIMITS)
    assert [r.values for r in sheet.rows] == [
        {"name": "=HYPERLINK(1)", "id_number": "1", "phone": "+8613800000000"},
        {"name": "'韦某", "id_number": "2", "phone": "'x"},
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_control_character_in_a_cell_is_refused_naming_row_and_column(kind):
    rows = [["姓名", "公民身份号码", "联系电话"], ["韦某", "1", "0772"], ["覃\x07某", "2", "07\x1b72"]]
    if kind == "csv":
        data = "\n".join(",".join(r) for r in rows).encode()
    else:
        # XML cannot hold C0 controls (openpyxl reads "_x0007_" as those letters), but it can hold C1 ones.
        data = xlsx_bytes([rows[0], rows[1], ["覃\x85某", "2", "07\x9b72"]])
    with pytest.raises(BadFileStructure) as refused:
        read_table(data, spec=SPEC, limits=LIMITS)
    assert [(e.field, e.message[:30]) for e in refused.value.errors] == [
        ("line 3 姓名", "Contains a control character ("),
        ("line 3 联系电话", "Contains a control character ("),
    ]


def test_tab_and_line_breaks_inside_a_cell_are_kept():
    data = '姓名,公民身份号码,联系电话\n韦某,1,"0772\n(白天)\t分机"\n'.encode()
    assert read_table(data, spec=SPEC, limits=LIMITS).rows[0].values["phone"] == "0772\n(白天)\t分机"


def test_a_spec_cannot_give_one_heading_to_two_fields():
    with pytest.raises(ValueError):
        ColumnSpec((Column("a", "姓名"), Column("b", "名字", ("姓名",))))


def test_an_xlsx_that_unpacks_to_far_more_than_allowed_is_refused_before_reading():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "x" * 5_000_000)
    with pytest.raises(FileTooLarge):
        read_table(out.getvalue(), spec=SPEC, limits=Limits(max_bytes=100_000, max_rows=10))
