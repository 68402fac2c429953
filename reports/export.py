"""Write report tables as CSV (one file, one section per table) or XLSX (one sheet per table), formula-safe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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
    """One sheet per table: title in row 1, header in row 2. Text is stored as text, never as a formula."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        _put(sheet.cell(row=1, column=1), table.title).font = Font(bold=True, size=12)
        for row_index, values in enumerate([table.header, *table.rows], start=2):
            for column_index, value in enumerate(values, start=1):
                cell = _put(sheet.cell(row=row_index, column=column_index), value)
                if row_index == 2:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = "A3"
        for column_index, heading in enumerate(table.header, start=1):
            width = max(len(str(value)) for value in [heading, *(row[column_index - 1] for row in table.rows)])
            sheet.column_dimensions[get_column_letter(column_index)].width = min(MAX_COLUMN_WIDTH, width + 2)
    workbook.save(handle)


def _put(cell: Cell, value: TableCell) -> Cell:
    """Store `value`; strings are forced to the string type, and formula-like ones get Excel's quote prefix."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store a leading '=' as a formula
        cell.quotePrefix = safe_cell(text) != text
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value
    return cell


def _sheet_title(title: str, used: set[str]) -> str:
    """A unique sheet name within Excel's 31-character limit, e.g. 'Unmet need' for 'Unmet need (searches…)'."""
    base = title.split(" (")[0][:SHEET_TITLE_MAX]
    name, suffix = base, 2
    while name in used:
        name = f"{base[: SHEET_TITLE_MAX - len(str(suffix)) - 1]} {suffix}"
        suffix += 1
    used.add(name)
    return name
