"""Identifier spotting: how many typed identifiers are caught, how many ordinary needs are wrongly taken for one, and
how long a check takes — `core.identifiers.identifier_in` side by side with the log-redaction patterns
(`core.logging_setup.redact`, the strongest alternative already in the project: "would redaction change the text?").

Run: `.venv/bin/python benchmarks/identifier_bench.py [--seed 7] [--per-kind 400]`.
Identifiers are synthetic (valid NHS check digits, Ofcom drama-range phone numbers, example.org addresses, Norfolk
postcodes, hospital numbers in the shapes trusts use), typed bare or inside short phrases as a nurse would. The
ordinary needs are the 216 labelled queries in tests/search_queries.csv plus needs that contain numbers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.identifiers import identifier_in, is_nhs_number  # noqa: E402
from core.logging_setup import redact  # noqa: E402
from tests.search_queries import load_labelled_queries  # noqa: E402

PHRASES = ("{}", "{} ", "pt {}", "re {} please", "patient {} ward 7", "can you check {}", "{} debt advice")
NUMBERED_NEEDS = (
    "help for over 50s", "24/7 helpline", "age 16-25 support", "bus 25 to the hospital", "food bank nr3",
    "covid-19 support", "b12 injections", "2 bed flat", "help 25/12", "budget £1000", "ward 7 carers",
    "over 65 lunch club", "aa meetings", "a&e", "1st floor access", "nr30 befriending", "12 step group",
    "60+ exercise", "year 11 tutoring", "pip form help",
)


def _nhs(rng: random.Random) -> str:
    while True:
        digits = "".join(str(rng.randrange(10)) for _ in range(9))
        for last in "0123456789":
            if is_nhs_number(digits + last):
                number = digits + last
                spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
                return rng.choice([number, spaced, spaced.replace(" ", "-")])


def _hospital(rng: random.Random) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(rng.choice([6, 7, 8])))
    return rng.choice([f"NNUH{digits}", f"RG1 {digits[:5]}", f"K{digits[:6]}", f"MRN {digits}", f"JPUH{digits[:7]}",
                       f"hosp no {digits}"])


def _phone(rng: random.Random) -> str:
    tail = f"{rng.randrange(1000):03d}"
    return rng.choice([f"07700 900{tail}", f"01632 960{tail}", f"+44 7700 900{tail}", f"0161 496 0{tail}",
                       f"07700900{tail}"])


def _email(rng: random.Random) -> str:
    return f"{rng.choice(['jo', 'sam.smith', 'carer+1', 'm_b'])}{rng.randrange(99)}@example.org"


def _postcode(rng: random.Random) -> str:
    inward = f"{rng.randrange(10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    district = rng.choice(["NR3", "NR1", "NR30", "NR32", "IP22", "PE30"])
    return rng.choice([f"{district} {inward}", f"{district}{inward}".lower()])


def _date_of_birth(rng: random.Random) -> str:
    day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1930, 2005)
    return rng.choice([f"{day:02d}/{month:02d}/{year}", f"{day}.{month}.{year % 100:02d}", f"dob {day}/{month}/{year}",
                       f"{day} March {year}"])


KINDS: dict[str, Callable[[random.Random], str]] = {
    "NHS number": _nhs, "hospital number": _hospital, "phone number": _phone, "e-mail address": _email,
    "full postcode": _postcode, "date of birth": _date_of_birth,
}
DETECTORS: dict[str, Callable[[str], bool]] = {
    "signpost identifier_in": lambda text: identifier_in(text) is not None,
    "log redaction patterns": lambda text: redact(text) != text,
}


def _timed(detector: Callable[[str], bool], texts: list[str]) -> tuple[list[bool], float]:
    started = time.perf_counter()
    found = [detector(text) for text in texts]
    return found, (time.perf_counter() - started) / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-kind", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    positives = {kind: [rng.choice(PHRASES).format(make(rng)) for _ in range(args.per_kind)]
                 for kind, make in KINDS.items()}
    ordinary = [query.query for query in load_labelled_queries()] + list(NUMBERED_NEEDS)
    print(f"{args.per_kind} synthetic identifiers per kind; {len(ordinary)} ordinary needs (seed {args.seed})\n")
    kinds = "".join(f"{kind[:14]:>16}" for kind in KINDS)
    print(f"{'detector':<24}{kinds}{'false alarms':>16}{'µs/check':>11}")
    for name, detector in DETECTORS.items():
        recalls, timings = [], []
        for texts in positives.values():
            found, micros = _timed(detector, texts)
            recalls.append(sum(found) / len(found))
            timings.append(micros)
        alarms, micros = _timed(detector, ordinary)
        timings.append(micros)
        row = f"{name:<24}" + "".join(f"{recall:>16.3f}" for recall in recalls)
        print(row + f"{sum(alarms):>9} of {len(ordinary):<4}{statistics.median(timings):>9.1f}")


if __name__ == "__main__":
    main()
