"""Spreadsheets in and out: read an uploaded CSV or XLSX into rows keyed by field name, and write CSV or XLSX from an
async iterator of rows, for bulk imports and exports of any service.

Reading. A `ColumnSpec` maps the headings a clerk types (Chinese, with English aliases) to field names. The header
row is the first row, or a later one within the first few when a title line sits above it (Chinese offices often put
one there); every heading must be known (a misspelt "联系电话" would otherwise drop every phone number silently) and
every required one present, else 422 naming them. Each `Row` carries its `line`: the row number Excel shows for it,
the header row's being its own. CSV may be UTF-8 (with or without BOM), GB18030 (what Chinese Excel writes as
"CSV") or UTF-16 with BOM ("Unicode text"); comma, semicolon or tab separated. A file that is not a CSV or an XLSX
is 415, a file over the size or row limit 413.

Writing. CSV is UTF-8 with a BOM, so Excel opens Chinese correctly. XLSX is written by openpyxl's write-only
workbook, whose rows go to a temporary file, not memory; the finished workbook is then streamed in chunks. In CSV, a
text cell that starts with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet program
never runs it as a formula (CSV/formula injection); in XLSX, whose cells are typed, such text is written unaltered as
a text cell with Excel's quote prefix instead. Reading undoes the CSV apostrophe, so a corrected export imports the
same values again. A cell holding a control character is refused (422 naming its row and column), like any other
text input (`shared.input_guard`). The blocking parts run in a worker thread.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from shared.errors import AppError, FieldError
from shared.input_guard import MAX_ERRORS, forbidden_character
from shared.reference import JURISDICTIONS

Format = Literal["csv", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADER_SEARCH_ROWS = 5
"""The header row may sit below a title line or two; it is looked for in this many first rows."""
XLSX_MAX_EXPANSION = 20
"""An XLSX may unpack to at most this many times the file size limit (real sheets compress about 5-10 times)."""
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other old Office files)


class UnsupportedFileType(AppError):
    status, code, title = 415, "unsupported_file_type", "Unsupported file type"


class FileTooLarge(AppError):
    status, code, title = 413, "file_too_large", "File too large"


class BadFileStructure(AppError):
    status, code, title = 422, "bad_file_structure", "The file's structure is not usable"


@dataclass(frozen=True)
class Column:
    field: str
    heading: str
    """The Chinese heading written on export and shown in messages."""
    aliases: tuple[str, ...] = ()
    required: bool = False


def normalise_heading(text: str) -> str:
    """Headings compare after NFKC (full-width letters and brackets), without spaces, required-markers (*) or
    case: "姓名*", " 姓 名 " and "Name" match "姓名" / "name"."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊").lower()


@dataclass(frozen=True)
class ColumnSpec:
    columns: tuple[Column, ...]
    ignored: frozenset[str] = frozenset({"序号", "编号", "no", "no."})
    """Headings accepted and dropped (row counters that spreadsheets carry)."""

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for column in self.columns:
            for name in (column.heading, column.field, *column.aliases):
                key = normalise_heading(name)
                if seen.setdefault(key, column.field) != column.field:
                    raise ValueError(f"heading {name!r} names two fields")

    def field_for(self, heading: str) -> str | None:
        key = normalise_heading(heading)
        for column in self.columns:
            if key in {normalise_heading(n) for n in (column.heading, column.field, *column.aliases)}:
                return column.field
        return None

    def heading_of(self, field_name: str) -> str:
        for column in self.columns:
            if column.field == field_name:
                return column.heading
        return field_name

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


@dataclass(frozen=True)
class Row:
    line: int
    """The row number Excel shows (the header row is 1 when nothing is above it)."""
    values: dict[str, str]
    """field -> the cell's text, stripped; empty cells are left out."""


@dataclass
class Sheet:
    columns: list[str]
    """The fields present, in the file's order."""
    rows: list[Row] = field(default_factory=list)
    header_line: int = 1
    format: Format = "csv"


# --- Reading --------------------------------------------------------------------------------------------------------


async def read_upload(file: Any, limits: Limits) -> bytes:
    """An uploaded file's bytes (a starlette UploadFile), refused with 413 past `limits.max_bytes` without reading
    more than one byte beyond it."""
    data = await file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise FileTooLarge(f"The file is larger than {limits.max_bytes} bytes; split it into smaller files.")
    return data


def read_table(data: bytes, *, spec: ColumnSpec, limits: Limits, filename: str | None = None) -> Sheet:
    """Parse an uploaded CSV or XLSX (detected from its content; the file name only breaks ties)."""
    if len(data) > limits.max_bytes:
        raise FileTooLarge(f"The file is larger than {limits.max_bytes} bytes; split it into smaller files.")
    if not data.strip():
        raise BadFileStructure("The file is empty.")
    if data.startswith(_ZIP_MAGIC):
        _refuse_zip_bomb(data, limits)
        return _sheet(_xlsx_rows(data), spec, limits, "xlsx")
    if data.startswith(_OLE_MAGIC):
        raise UnsupportedFileType("Old Excel files (.xls) are not read: save the sheet as .xlsx or CSV and upload it.")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        raise UnsupportedFileType("The file is named .xlsx but is not an Excel workbook.")
    return _sheet(_csv_rows(_decode(data)), spec, limits, "csv")


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadFileStructure("The file claims to be UTF-16 text but is not.") from exc
    if b"\x00" in data:
        raise UnsupportedFileType("This is not a text (CSV) file or an Excel workbook (.xlsx).")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # What Excel on a Chinese Windows writes for "CSV": GBK, of which GB18030 is the superset.
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise BadFileStructure("The text is neither UTF-8 nor GB18030: save it as CSV UTF-8 and try again.") from exc


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 0
    try:
        for record in reader:
            line += 1  # one record is one row in Excel, even when a quoted cell spans lines
            yield line, record
    except csv.Error as exc:
        raise BadFileStructure(f"The CSV is malformed near row {line + 1}: {exc}.") from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _refuse_zip_bomb(data: bytes, limits: Limits) -> None:
    """An XLSX is a ZIP of XML; one that unpacks to far more than any real sheet of the allowed size is refused
    before openpyxl unpacks it (its shared strings are read into memory whole)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedFileType("The file is a ZIP archive but not an Excel workbook (.xlsx).") from exc
    if unpacked > limits.max_bytes * XLSX_MAX_EXPANSION:
        raise FileTooLarge("The workbook unpacks to far more data than its size allows; split it into smaller files.")


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported when needed: it is heavy and most requests never read XLSX

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnsupportedFileType("The file is a ZIP archive but not an Excel workbook (.xlsx).") from exc
    except Exception as exc:  # openpyxl raises assorted errors on damaged workbooks
        raise BadFileStructure("The Excel workbook could not be read; it may be damaged.") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


def _sheet(records: Iterator[tuple[int, list[str]]], spec: ColumnSpec, limits: Limits, fmt: Format) -> Sheet:
    header: list[str] | None = None
    header_line = 0
    for line, cells in records:
        if _blank(cells):
            continue
        if any(spec.field_for(c) for c in cells if c.strip()):
            header, header_line = cells, line
            break
        if line >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise BadFileStructure(
            f"No header row found in the first {HEADER_SEARCH_ROWS} rows: the first row should hold the headings "
            f"({'、'.join(spec.headings)}).",
        )
    positions = _map_headings(header, header_line, spec)
    sheet = Sheet(columns=[f for f in positions.values() if f is not None], header_line=header_line, format=fmt)
    bad_cells: list[FieldError] = []
    for line, cells in records:
        if _blank(cells):
            continue
        if len(sheet.rows) >= limits.max_rows:
            raise FileTooLarge(
                f"The file has more than {limits.max_rows} rows; split it into smaller files.", code="too_many_rows"
            )
        values: dict[str, str] = {}
        for index, cell in enumerate(cells):
            field_name = positions.get(index)
            text = _undo_defusing(cell.strip())
            if field_name is not None and text:
                message = forbidden_character(text)
                if message and len(bad_cells) < MAX_ERRORS:
                    bad_cells.append(FieldError(field=f"line {line} {spec.heading_of(field_name)}", message=message))
                values[field_name] = text
            elif field_name is None and text and index not in positions:
                raise BadFileStructure(
                    f"Row {line} has a value in column {index + 1}, which has no heading.",
                    errors=[FieldError(field=f"line {line}", message=f"column {index + 1} has no heading")],
                )
        sheet.rows.append(Row(line=line, values=values))
    if bad_cells:
        raise BadFileStructure(
            "Some cells contain control characters (invisible codes a spreadsheet cannot show); remove them and "
            "upload the file again.",
            errors=bad_cells,
        )
    return sheet


def _undo_defusing(text: str) -> str:
    """A cell that an export defused (an apostrophe before = + - @) reads back as it was, so a corrected export
    imports the same values again."""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def _map_headings(header: list[str], line: int, spec: ColumnSpec) -> dict[int, str | None]:
    """column index -> field (None: an ignored heading)."""
    positions: dict[int, str | None] = {}
    errors: list[FieldError] = []
    seen: dict[str, str] = {}
    ignored = {normalise_heading(h) for h in spec.ignored}
    for index, heading in enumerate(header):
        text = heading.strip()
        if not text:
            continue
        field_name = spec.field_for(text)
        if field_name is None:
            if normalise_heading(text) in ignored:
                positions[index] = None
                continue
            errors.append(FieldError(field=f"heading {text}", message="unknown heading"))
            continue
        if field_name in seen:
            errors.append(FieldError(field=f"heading {text}", message=f"the same column as {seen[field_name]}"))
            continue
        seen[field_name] = text
        positions[index] = field_name
    for column in spec.columns:
        if column.required and column.field not in seen:
            errors.append(FieldError(field=f"heading {column.heading}", message="required heading missing"))
    if errors:
        parts = [
            f"{label}: {'、'.join(e.field.removeprefix('heading ') for e in errors if e.message.startswith(key))}"
            for key, label in (
                ("unknown", "unknown headings"),
                ("required", "missing required headings"),
                ("the same", "headings naming a column twice"),
            )
            if any(e.message.startswith(key) for e in errors)
        ]
        raise BadFileStructure(
            f"The header row (row {line}) is not usable: {'; '.join(parts)}. Known headings: "
            f"{'、'.join(spec.headings)}.",
            errors=errors,
        )
    return positions


# --- Writing --------------------------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet should get it: text that a spreadsheet would run as a formula is defused with a
    leading apostrophe; dates, numbers and booleans pass unchanged; everything else becomes text."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_text(value: Any) -> str:
    cell = safe_cell(value)
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, datetime):
        return cell.isoformat()
    return str(cell)


async def write_csv(headings: Sequence[str], rows: AsyncIterator[Sequence[Any]]) -> AsyncIterator[bytes]:
    """CSV, UTF-8 with BOM, CRLF line ends; yielded in chunks of about CHUNK_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in headings])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    async for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters an XLSX cannot hold (openpyxl refuses them, which would break a streamed export halfway)."""


def _xlsx_cell(value: Any, sheet: Any) -> Any:
    """In a workbook, text that looks like a formula is written as what it is, a text cell (with Excel's "quote
    prefix", so editing it keeps it text), unaltered: cells are typed, and a text cell is never run."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the value is written as given
    if value is None or isinstance(value, bool | int | float | date):
        return value
    text = _XLSX_ILLEGAL.sub("\ufffd", value if isinstance(value, str) else str(value))
    if not text.startswith(FORMULA_TRIGGERS):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


async def write_xlsx(
    headings: Sequence[str], rows: AsyncIterator[Sequence[Any]], *, sheet_title: str = "Sheet1", batch: int = 500
) -> AsyncIterator[bytes]:
    """XLSX from a write-only workbook (rows spill to a temporary file, not memory), streamed in chunks."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([_xlsx_cell(h, sheet) for h in headings])

    def append(pending: list[list[Any]]) -> None:
        for values in pending:
            sheet.append(values)

    pending: list[list[Any]] = []
    async for row in rows:
        pending.append([_xlsx_cell(v, sheet) for v in row])
        if len(pending) >= batch:
            await asyncio.to_thread(append, pending)
            pending = []
    if pending:
        await asyncio.to_thread(append, pending)
    with tempfile.TemporaryFile() as out:
        await asyncio.to_thread(workbook.save, out)
        await asyncio.to_thread(out.seek, 0)
        while chunk := await asyncio.to_thread(out.read, CHUNK_BYTES):
            yield chunk


def write_table(
    fmt: Format, headings: Sequence[str], rows: AsyncIterator[Sequence[Any]], *, sheet_title: str = "Sheet1"
) -> AsyncIterator[bytes]:
    if fmt == "csv":
        return write_csv(headings, rows)
    return write_xlsx(headings, rows, sheet_title=sheet_title)


async def iterate(rows: Iterable[Sequence[Any]]) -> AsyncIterator[Sequence[Any]]:
    """An async iterator over an in-memory iterable (for tests and small tables)."""
    for row in rows:
        yield row


# Cells every import reads alike: a day, a jurisdiction.

_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_JURISDICTION_NAMES: dict[str, str] = {}
for _code, (_zh, _en, _kind) in JURISDICTIONS.items():
    _JURISDICTION_NAMES[_code] = _code
    _JURISDICTION_NAMES[_zh] = _code
    _JURISDICTION_NAMES[_en.lower()] = _code
    if _zh.endswith(("镇", "乡")):
        _JURISDICTION_NAMES[_zh[:-1]] = _code


class CellError(ValueError):
    """What is wrong with one cell; the message never repeats the cell's value."""


def cell_day(text: str, *, example: str) -> date:
    """A date cell: 2012-06-15, 2012/6/15, 2012.6.15, 2012年6月15日 or 20120615; `example` is shown when it is none."""
    value = text.strip()
    match = _DAY.match(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if len(value) == 8 and value.isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise CellError("not a real date") from exc
    raise CellError(f"a date like {example}")


def cell_code(text: str, labels: Mapping[str, str], codes: Collection[str]) -> str | None:
    """The code a cell names: one of `codes` (in any case) or a label of one (`labels`: label -> code); None when
    it names none (the caller says which are allowed)."""
    value = text.strip()
    if value in codes:
        return value
    if value.lower() in codes:
        return value.lower()
    return labels.get(value)


def cell_jurisdiction(text: str) -> str:
    """A jurisdiction by its code, its Chinese name (with or without 镇/乡) or its English name."""
    code = _JURISDICTION_NAMES.get(text.strip()) or _JURISDICTION_NAMES.get(text.strip().lower())
    if code is None:
        raise CellError("unknown jurisdiction: use its name (e.g. 大埔镇) or code (e.g. dapu)")
    return code
