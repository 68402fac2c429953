"""Exports are safe against CSV formula injection."""

import csv
import io

import pytest

from core.csvsafe import safe_cell, write_safe_csv


@pytest.mark.parametrize(
    "hostile",
    ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "=HYPERLINK(\"http://x\")", "\t=1", "\r=1", "＝1+1"],
)
def test_formula_like_cells_are_neutralised(hostile: str) -> None:
    assert safe_cell(hostile).startswith("'")


@pytest.mark.parametrize("plain", ["Citizens Advice", "-3.5", "42", "", "NR1 3AB"])
def test_ordinary_cells_are_untouched(plain: str) -> None:
    assert safe_cell(plain) == plain


def test_written_csv_round_trips_as_text() -> None:
    buffer = io.StringIO()
    write_safe_csv(buffer, ["name", "note"], [["=cmd|' /C calc'!A0", None]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[1] == ["'=cmd|' /C calc'!A0", ""]
