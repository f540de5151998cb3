"""Bounded reading of spreadsheet workbooks (.xlsx/.xlsm with openpyxl, .xls with xlrd).

A workbook is untrusted input: a few kilobytes can declare a million-row sheet, and a zip
member can inflate to gigabytes. This module reads only what a form can reasonably hold:

* the file is at most :data:`MAX_FILE_BYTES`; an .xlsx is checked member by member *before*
  any XML is parsed (declared uncompressed sizes, which the zip reader never exceeds, are
  capped per part, for the shared strings and in total, as is the number of parts);
* declared sheet dimensions are ignored (``reset_dimensions``), so nothing is padded;
* a sheet is read row by row and reading stops after :data:`MAX_EMPTY_RUN` empty rows in a
  row, which is how a sheet padded to a million rows is read in milliseconds; more than
  :data:`MAX_ROWS` rows with content or :data:`MAX_COLUMNS` columns is a problem;
* formula cells without a cached value (a workbook written by a script and never opened in
  a spreadsheet program) are reported, since their value is unknown.

Library warnings (openpyxl and xlrd print some) are captured, never shown.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from btam_desktop.core import handed

__all__ = [
    "MAX_COLUMNS",
    "MAX_EMPTY_RUN",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Sheet",
    "Workbook",
    "WorkbookError",
    "cell_text",
    "read_workbook",
]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024  # one sheet's XML (read as a stream, stopped early)
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024  # openpyxl holds these in memory
MAX_TOTAL_BYTES = 128 * 1024 * 1024
MAX_PARTS = 500
MAX_ROWS = 20_000
MAX_COLUMNS = 256
MAX_EMPTY_RUN = 1_000
MAX_CELL_CHARS = 10_000


class WorkbookError(Exception):
    """The workbook cannot be read at all (message for the user)."""


@dataclass
class Sheet:
    """One sheet: its header row as written and the rows below it.

    ``rows[i]`` is spreadsheet row ``i + 2`` (empty rows are kept as ``{}`` up to the last
    row with content, so positions are exact); each row maps a 0-based column index to the
    cell's text. ``loose`` lists (row, column index) of values in columns without a header.
    """

    name: str
    header: list[str]
    rows: list[dict[int, str]]
    formulas: list[tuple[int, int]] = field(default_factory=list)
    truncated: bool = False

    @property
    def has_content(self) -> bool:
        return any(self.header) or any(self.rows)


@dataclass
class Workbook:
    sheets: list[Sheet]
    warnings: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]


def cell_text(value: object) -> str:
    """A cell's value as the text a form author typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    text = str(value).replace("\u00a0", " ").strip()
    return text[:MAX_CELL_CHARS]


def read_workbook(path: Path) -> Workbook:
    """Read every sheet of ``path`` within the limits above; raises :class:`WorkbookError`."""
    try:
        # Checked on the opened file and read to the limit + 1 bytes at most: stat() says 0
        # bytes for a pipe (which blocked for ever) and for a device (read without end).
        data = handed.read_handed(path, MAX_FILE_BYTES)
    except handed.HandedFileTooLarge as exc:
        size = f"{exc.size // (1024 * 1024)} MB" if exc.size is not None else "growing"
        raise WorkbookError(
            f"the file is {size}; a form workbook is at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB"
        ) from None
    except handed.HandedFileRefused as exc:
        raise WorkbookError(str(exc)) from None
    except OSError as exc:
        raise WorkbookError(f"cannot read the file: {exc.strerror}") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if data[:4] == b"PK\x03\x04":
            book = _read_xlsx(data)
        elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            book = _read_xls(data)
        else:
            raise WorkbookError(
                "not an Excel workbook (.xlsx or .xls); save it from the spreadsheet program "
                "as an Excel workbook (.xlsx)"
            )
    book.warnings.extend(str(w.message) for w in caught)
    return book


# -- .xlsx -------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookError(f"the workbook is damaged (not a valid .xlsx zip: {exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise WorkbookError(f"the workbook has {len(infos)} parts (at most {MAX_PARTS})")
        total = 0
        for info in infos:
            total += info.file_size
            name = info.filename.lower()
            limit = (
                MAX_SHARED_STRINGS_BYTES if name.endswith("sharedstrings.xml") else MAX_PART_BYTES
            )
            if info.file_size > limit:
                raise WorkbookError(
                    f"the workbook part {info.filename} unpacks to "
                    f"{info.file_size // (1024 * 1024)} MB (at most {limit // (1024 * 1024)} MB): "
                    "it cannot be a form"
                )
        if total > MAX_TOTAL_BYTES:
            raise WorkbookError(
                f"the workbook unpacks to {total // (1024 * 1024)} MB (at most "
                f"{MAX_TOTAL_BYTES // (1024 * 1024)} MB): it cannot be a form"
            )


def _read_xlsx(data: bytes) -> Workbook:
    import openpyxl

    _check_zip(data)
    try:
        values_book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for damaged files
        raise WorkbookError(f"cannot open the workbook: {exc}") from None
    formulas_book: Any = None
    if _has_formulas(data):
        try:
            formulas_book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False
            )
        except Exception:  # the values were readable: formula detection is best effort
            formulas_book = None
    sheets: list[Sheet] = []
    try:
        for name in values_book.sheetnames:
            worksheet = values_book[name]
            formula_sheet = formulas_book[name] if formulas_book is not None else None
            sheets.append(_read_openpyxl_sheet(name, worksheet, formula_sheet))
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError(f"cannot read the workbook: {exc}") from None
    finally:
        values_book.close()
        if formulas_book is not None:
            formulas_book.close()
    return Workbook(sheets)


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet part holds a formula element (parts are compressed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        if b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk:
                            return True
    return False


def _rows(worksheet: Any) -> Any:
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # never trust (or pad to) the declared size
    return worksheet.iter_rows(values_only=True)


def _read_openpyxl_sheet(name: str, worksheet: Any, formula_sheet: Any) -> Sheet:
    formula_rows = _rows(formula_sheet) if formula_sheet is not None else None
    sheet = Sheet(name, [], [])
    content_rows = 0
    empty_run = 0
    for index, values in enumerate(_rows(worksheet)):
        formulas = next(formula_rows, None) if formula_rows is not None else None
        cells: dict[int, str] = {}
        for column, value in enumerate(values[:MAX_COLUMNS]):
            text = cell_text(value)
            if text:
                cells[column] = text
            elif formulas is not None and column < len(formulas):
                raw = formulas[column]
                if isinstance(raw, str) and raw.startswith("="):
                    sheet.formulas.append((index + 1, column))
        if len(values) > MAX_COLUMNS and any(cell_text(v) for v in values[MAX_COLUMNS:]):
            raise WorkbookError(
                f"sheet '{name}' row {index + 1} has values beyond column {MAX_COLUMNS}"
            )
        if index == 0:
            sheet.header = [cells.get(i, "") for i in range(max(cells, default=-1) + 1)]
            continue
        if not cells:
            empty_run += 1
            if empty_run >= MAX_EMPTY_RUN:
                break
            sheet.rows.append({})
            continue
        empty_run = 0
        content_rows += 1
        if content_rows > MAX_ROWS:
            raise WorkbookError(f"sheet '{name}' has more than {MAX_ROWS} rows with content")
        sheet.rows.append(cells)
    while sheet.rows and not sheet.rows[-1]:
        sheet.rows.pop()
    return sheet


# -- .xls --------------------------------------------------------------------------------


def _read_xls(data: bytes) -> Workbook:
    try:
        import xlrd
    except ImportError:  # pragma: no cover - xlrd is a dependency
        raise WorkbookError(
            "this is an old Excel .xls file; save it as an Excel workbook (.xlsx)"
        ) from None
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, logfile=io.StringIO(), formatting_info=False
        )
    except Exception as exc:  # xlrd raises many types for damaged files
        raise WorkbookError(
            f"cannot read this .xls file ({exc}); save it as an Excel workbook (.xlsx)"
        ) from None
    sheets: list[Sheet] = []
    try:
        for sheet_index in range(book.nsheets):
            xsheet = book.sheet_by_index(sheet_index)
            sheet = Sheet(xsheet.name, [], [])
            content_rows = 0
            for row in range(min(xsheet.nrows, MAX_ROWS + MAX_EMPTY_RUN + 1)):
                cells: dict[int, str] = {}
                for column in range(min(xsheet.ncols, MAX_COLUMNS)):
                    text = _xls_text(xsheet.cell(row, column), book.datemode)
                    if text:
                        cells[column] = text
                if row == 0:
                    sheet.header = [cells.get(i, "") for i in range(max(cells, default=-1) + 1)]
                    continue
                if cells:
                    content_rows += 1
                    if content_rows > MAX_ROWS:
                        raise WorkbookError(
                            f"sheet '{sheet.name}' has more than {MAX_ROWS} rows with content"
                        )
                sheet.rows.append(cells)
            while sheet.rows and not sheet.rows[-1]:
                sheet.rows.pop()
            sheets.append(sheet)
            book.unload_sheet(sheet_index)
    finally:
        book.release_resources()
    return Workbook(sheets)


def _xls_text(cell: Any, datemode: int) -> str:
    import xlrd

    kind = cell.ctype
    value = cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_DATE:
        try:
            parts = xlrd.xldate_as_tuple(value, datemode)
        except Exception:
            return cell_text(value)
        if parts[:3] == (0, 0, 0):
            return cell_text(dt.time(*parts[3:]))
        return cell_text(dt.datetime(*parts))
    return cell_text(value)
