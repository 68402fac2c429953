"""What the `python -m directory` commands print about an import, and their exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

from directory.store import ImportReport

EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE = 0, 1, 2


def print_report(report: ImportReport, source: Path | str) -> int:
    """Print how many services loaded, the notes and the rows that were not loaded; the exit code."""
    print(f"Loaded {report.loaded} services from {source}.")
    if report.notes:
        print(f"{len(report.notes)} note(s) on rows that loaded (something was left out or changed):",
              file=sys.stderr)
        for note in report.notes:
            print(f"  {note}", file=sys.stderr)
    if not report.errors:
        return EXIT_OK
    print(f"{len(report.errors)} row(s) were not loaded; fix them and import again:", file=sys.stderr)
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return EXIT_ROW_ERRORS
