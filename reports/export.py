"""Write report tables as CSV (one file, one section per table) or XLSX (one sheet per table), formula-safe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import IO

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.worksheet import Worksheet

from core.csvsafe import safe_cell, write_safe_csv
from reports.tables import Cell as TableCell
from reports.tables import Table

SHEET_TITLE_MAX = 31
MAX_COLUMN_WIDTH = 60


def write_csv(tables: Sequence[Table], handle: IO[str]) -> None:
    """Each table as a title line, a header line and its rows, then a blank line; every cell formula-safe."""
    for table in tables:
        write_safe_csv(handle, [table.title], [])
        write_safe_csv(handle, table.header, table.rows)
        handle.write("\r\n")


def write_xlsx(tables: Sequence[Table], handle: IO[bytes]) -> None:
    """One sheet per table: title in row 1, header in row 2. Text is stored as text, never as a formula.

    XlsxWriter in its constant-memory mode writes each row to the file as it comes, and a cell is only given a
    style where it needs one (titles, headings, dates, formula-like text): a year's tables (half a million cells)
    take a few seconds, several times faster than openpyxl's write-only mode (benchmarks/report_bench.py)."""
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
    styles = _Styles(workbook)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.add_worksheet(_sheet_title(table.title, used))
        sheet.freeze_panes(2, 0)
        for column, heading in enumerate(table.header):
            width = max(len(str(value)) for value in [heading, *(row[column] for row in table.rows)])
            sheet.set_column(column, column, min(MAX_COLUMN_WIDTH, width + 2))
        sheet.write_string(0, 0, _text(table.title), styles.title)
        for column, heading in enumerate(table.header):
            sheet.write_string(1, column, _text(heading), styles.header)
        for row, values in enumerate(table.rows, start=2):
            for column, value in enumerate(values):
                _write(sheet, row, column, value, styles)
    workbook.close()


class _Styles:
    """The few cell formats a report uses, made once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 12})
        self.header = workbook.add_format({"bold": True})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.quoted = workbook.add_format({"quote_prefix": True})  # Excel shows formula-like text as typed


def _write(sheet: Worksheet, row: int, column: int, value: TableCell, styles: _Styles) -> None:
    """Strings always as strings (with the quote prefix when formula-like), numbers as numbers, dates as dates."""
    if isinstance(value, str):
        text = _text(value)
        sheet.write_string(row, column, text, styles.quoted if safe_cell(text) != text else None)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, styles.day)
    elif value is not None:
        sheet.write_number(row, column, value)


def _text(value: str) -> str:
    """Without the control characters XLSX cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _sheet_title(title: str, used: set[str]) -> str:
    """A unique sheet name within Excel's 31-character limit, e.g. 'Unmet need' for 'Unmet need (searches…)'."""
    base = title.split(" (")[0][:SHEET_TITLE_MAX]
    name, suffix = base, 2
    while name in used:
        name = f"{base[: SHEET_TITLE_MAX - len(str(suffix)) - 1]} {suffix}"
        suffix += 1
    used.add(name)
    return name
