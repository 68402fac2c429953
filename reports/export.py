"""Write report tables as CSV (one file, one section per table) or XLSX (one sheet per table), formula-safe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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

    openpyxl's write-only mode streams each row to the file instead of keeping every cell as an object, so a
    year's tables (hundreds of thousands of cells) are written in seconds."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    title_font, header_font = Font(bold=True, size=12), Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.freeze_panes = "A3"
        for column_index, heading in enumerate(table.header, start=1):  # widths go before the first row
            width = max(len(str(value)) for value in [heading, *(row[column_index - 1] for row in table.rows)])
            sheet.column_dimensions[get_column_letter(column_index)].width = min(MAX_COLUMN_WIDTH, width + 2)
        sheet.append([_put(WriteOnlyCell(sheet), table.title, title_font)])
        sheet.append([_put(WriteOnlyCell(sheet), heading, header_font) for heading in table.header])
        for values in table.rows:
            sheet.append([_streamed(sheet, value) for value in values])
    workbook.save(handle)


def _streamed(sheet: WriteOnlyWorksheet, value: TableCell) -> object:
    """A plain value where openpyxl stores it as it is (the fast path); a styled cell only for text that would
    otherwise be read as a formula or that needs Excel's quote prefix."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("=") or safe_cell(text) != text:
            return _put(WriteOnlyCell(sheet), text)
        return text
    return value  # numbers stay numbers; dates get openpyxl's yyyy-mm-dd format


def _put(cell: Cell, value: TableCell, font: Font | None = None) -> Cell:
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
    if font is not None:
        cell.font = font
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
