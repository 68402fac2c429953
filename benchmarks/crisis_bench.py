"""Crisis detection quality: recall per kind and false alarms, side by side with what a team would pick instead.

Run: `.venv/bin/python benchmarks/crisis_bench.py`. For each labelled set under tests/ it prints, per detector:
recall over all crisis messages and per kind, false alarms on ordinary messages (and which kinds), how many clear
dangers got the emergency reply at once (Signpost only: the others have one level), and messages per second.
Detectors:
- signpost: `casework.crisis.assess`, the detector the bot uses (two levels; either counts as caught);
- old regex list: the 14 patterns the bot used before issue 11 (git history, commit ff3c7cb, casework/crisis.py);
- keyword + fuzzy: a keyword and phrase list a team would write from the usual guidance (the domain notes'
  "I can't go on", "better off without me", "saving my tablets" included), matched with rapidfuzz
  `partial_ratio` >= 90 so misspellings count;
- keyword exact: the same list as plain substrings.
Sets: crisis_messages.csv was written before the detector. crisis_holdout.csv was written after its first
version: on first run it caught 0.67 with 4 false alarms, and the rules were generalised. crisis_unseen.csv was
written after that: on first run it caught 0.80 with 1 false alarm (a clear one, on "support for families after
suicide"), and the rules were generalised again. So no set here is unseen any more: expect real, novel wording
to do worse than these figures (the first runs are the better guide).
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework.crisis import Level, assess  # noqa: E402
from casework.validation import normalise  # noqa: E402

SETS = ("crisis_messages.csv", "crisis_holdout.csv", "crisis_unseen.csv")
OLD_PATTERNS = [  # casework/crisis.py at ff3c7cb, verbatim
    r"\bsuicid",
    r"\bkill(ing)? my ?self\b",
    r"\bend(ing)? (it all|my life)\b",
    r"\btake my (own )?life\b",
    r"\bwant(ed)? to die\b",
    r"\b(don'?t|do not) want to (live|be here)\b",
    r"\bself[- ]?harm",
    r"\bhurt(ing)? my ?self\b",
    r"\bcut(ting)? my ?self\b",
    r"\boverdos",
    r"\bno reason to live\b",
    r"\bbetter off dead\b",
    r"\b(he|she|they|partner|husband|wife) (is )?(going to|gonna) (hurt|kill) me\b",
    r"\bin danger\b",
]
OLD_RE = re.compile("|".join(OLD_PATTERNS))
KEYWORDS = [
    "suicide", "suicidal", "kill myself", "end my life", "end it all", "take my own life", "want to die",
    "wanna die", "kms", "better off dead", "better off without me", "can't go on", "cant go on", "no way out",
    "no point in living", "don't want to live", "dont want to live", "no reason to live", "self harm",
    "self-harm", "hurt myself", "cut myself", "cutting myself", "overdose", "taken all my tablets",
    "took all my pills", "saving my tablets", "saving up my pills", "kill me", "hurt me", "hits me", "not safe",
    "abuse", "in danger",
]  # fmt: skip


def old_regex(text: str) -> bool:
    return bool(OLD_RE.search(normalise(text).lower().replace("’", "'")))


def keyword_fuzzy(text: str) -> bool:
    lowered = normalise(text).lower()
    return any(fuzz.partial_ratio(keyword, lowered) >= 90 for keyword in KEYWORDS)


def keyword_exact(text: str) -> bool:
    lowered = normalise(text).lower().replace("’", "'")
    return any(keyword in lowered for keyword in KEYWORDS)


DETECTORS: dict[str, Callable[[str], bool]] = {
    "signpost": lambda text: assess(text).is_crisis,
    "old regex list": old_regex,
    "keyword + fuzzy": keyword_fuzzy,
    "keyword exact": keyword_exact,
}


def load(name: str) -> list[dict[str, str]]:
    path = ROOT / "tests" / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report(name: str, rows: list[dict[str, str]]) -> None:
    crisis = [row for row in rows if row["label"] == "crisis"]
    ordinary = [row for row in rows if row["label"] == "ordinary"]
    kinds = sorted({row["kind"] for row in crisis})
    print(f"\n== {name}: {len(crisis)} crisis, {len(ordinary)} ordinary ==")
    header = f"{'detector':<17}{'recall':>7}" + "".join(f"{kind[:10]:>11}" for kind in kinds)
    print(header + f"{'false alarms':>14}{'msg/s':>9}")
    alarms_by_detector: dict[str, Counter[str]] = {}
    for label, detect in DETECTORS.items():
        started = time.perf_counter()
        caught = {row["text"]: detect(row["text"]) for row in rows}
        per_second = len(rows) / (time.perf_counter() - started)
        hits: dict[str, list[bool]] = defaultdict(list)
        for row in crisis:
            hits[row["kind"]].append(caught[row["text"]])
        recall = sum(caught[row["text"]] for row in crisis) / len(crisis)
        alarms = Counter(row["kind"] for row in ordinary if caught[row["text"]])
        alarms_by_detector[label] = alarms
        cells = "".join(f"{sum(hits[kind]) / len(hits[kind]):>11.2f}" for kind in kinds)
        rate = sum(alarms.values()) / len(ordinary)
        print(f"{label:<17}{recall:>7.3f}{cells}{sum(alarms.values()):>6} ({rate:>5.1%}){per_second:>9.0f}")
    for label, alarms in alarms_by_detector.items():
        if alarms:
            print(f"  false alarms, {label}: " + ", ".join(f"{kind} {count}" for kind, count in alarms.most_common()))
    clear = [row["text"] for row in crisis if row["level"] == "clear"]
    at_once = sum(assess(text).level is Level.CLEAR for text in clear)
    print(f"  signpost: {at_once}/{len(clear)} clear dangers answered with the emergency reply at once; the rest "
          "were asked 'Are you safe right now?' (with the numbers) first")


def main() -> None:
    for name in SETS:
        rows = load(name)
        if rows:
            report(name, rows)


if __name__ == "__main__":
    main()
