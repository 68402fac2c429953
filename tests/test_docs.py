"""The hazard log and the other docs point at tests that exist, so a renamed or deleted test can't leave a control
claimed but unproved."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_REFERENCE = re.compile(r"tests/(\w+\.py)::(\w+)")


def test_every_test_the_docs_cite_exists() -> None:
    cited = {
        (doc.name, match.group(1), match.group(2))
        for doc in [*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"]
        for match in TEST_REFERENCE.finditer(doc.read_text(encoding="utf-8"))
    }
    assert cited, "the hazard log cites its tests"
    missing = [
        f"{doc}: tests/{module}::{name}"
        for doc, module, name in sorted(cited)
        if not re.search(rf"^(async )?def {name}\(", (ROOT / "tests" / module).read_text(encoding="utf-8")
                         if (ROOT / "tests" / module).exists() else "", re.M)
    ]
    assert missing == []
