"""Synthetic directory growth for benchmarks: realistic-looking extra services derived from the seed.

Each extra service is a general community project mixing two real services from different need areas
(sentences, tags and a category from each; a town, hours and areas from anywhere in the seed) under a
neutral name. It partly matches many queries, as real multi-purpose hubs do, but is never a better answer
than the focused seed service it borrows from, so the labelled expectations stay valid; the originals are
kept unchanged.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from directory.records import ServiceRecord

KINDS = ("Hub", "Project", "Network", "Partnership", "Scheme", "Circle", "Collective", "Centre", "Trust")
NEUTRAL_WORDS = (
    "Together", "Community", "Connect", "Village", "Harbour", "Oak", "Riverside", "Unity", "Neighbourhood",
    "Horizons", "Compass", "Bridges", "Meadow", "Anchor", "Lighthouse", "Crossroads", "Market", "Parish",
)  # fmt: skip
ORGANISATION_KINDS = ("Community Trust", "Parish Partnership", "Voluntary Network", "Neighbourhood CIC", "Charity")
TOWNS = (
    "Aylsham", "Attleborough", "Beccles", "Bungay", "Cromer", "Dereham", "Diss", "Downham Market", "Fakenham",
    "Gorleston", "Harleston", "Holt", "Hunstanton", "Loddon", "Lowestoft", "North Walsham", "Sheringham",
    "Stalham", "Swaffham", "Thetford", "Watton", "Wells", "Wroxham", "Wymondham",
)  # fmt: skip


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


def expand(records: Sequence[ServiceRecord], size: int, seed: int = 2025) -> list[ServiceRecord]:
    """The seed services plus synthetic ones (ids `syn-00001`...) until there are `size` in total."""
    rng = random.Random(seed)
    originals = [record for record in records if record.active]
    hours = sorted({record.opening_hours for record in originals})
    areas = sorted({record.areas for record in originals})
    expanded = list(records)
    for number in range(1, max(0, size - len(expanded)) + 1):
        base = rng.choice(originals)
        other = rng.choice([record for record in originals if not set(record.categories) & set(base.categories)])
        town = rng.choice(TOWNS)
        sentences = _sentences(base.description)[:2] + _sentences(other.description)[:2]
        tags = list(dict.fromkeys((*base.tags, *other.tags)))
        expanded.append(
            replace(
                base,
                id=f"syn-{number:05d}",
                name=f"{town} {rng.choice(NEUTRAL_WORDS)} {rng.choice(KINDS)}",
                organisation_id=f"syn-org-{number % 997:03d}",
                organisation_name=f"{town} {rng.choice(ORGANISATION_KINDS)}",
                description=" ".join(rng.sample(sentences, len(sentences))),
                tags=tuple(rng.sample(tags, min(len(tags), rng.randint(1, 4)))),
                categories=tuple(dict.fromkeys((*base.categories[:1], *other.categories[:1]))),
                areas=rng.choice(areas),
                opening_hours=rng.choice(hours),
                town=town,
                location_name=f"{town} Community Centre",
                phone=f"01603 {rng.randint(100000, 999999)}",
            )
        )
    return expanded
