"""Norfolk & Waveney geography: which area tokens a service can serve and which of them cover a place.

Area tokens, from widest to narrowest:
- `national` covers everywhere;
- a county (`Norfolk`, `Suffolk`) covers its local authorities and their postcode districts;
- a local authority (e.g. `Breckland`) covers its postcode districts;
- a postcode district (e.g. `NR19`).
"""

from __future__ import annotations

import re
from functools import lru_cache

NATIONAL = "national"

AUTHORITY_COUNTY: dict[str, str] = {
    "Norwich": "Norfolk",
    "Broadland": "Norfolk",
    "South Norfolk": "Norfolk",
    "Breckland": "Norfolk",
    "North Norfolk": "Norfolk",
    "Great Yarmouth": "Norfolk",
    "King's Lynn and West Norfolk": "Norfolk",
    "East Suffolk": "Suffolk",  # the Waveney part: Lowestoft, Beccles, Bungay, Southwold, Halesworth
}
COUNTIES: tuple[str, ...] = ("Norfolk", "Suffolk")
AUTHORITIES: tuple[str, ...] = tuple(AUTHORITY_COUNTY)

# Each postcode district's main local authority (districts on a border go to the one most of their homes are in).
DISTRICT_AUTHORITY: dict[str, str] = {
    **dict.fromkeys(("NR1", "NR2", "NR3", "NR4", "NR5"), "Norwich"),
    **dict.fromkeys(("NR6", "NR7", "NR8", "NR10", "NR11", "NR12", "NR13"), "Broadland"),
    **dict.fromkeys(("NR9", "NR14", "NR15", "NR18", "IP20", "IP21", "IP22"), "South Norfolk"),
    **dict.fromkeys(("NR16", "NR17", "NR19", "NR20", "IP24", "IP25", "IP26", "PE37"), "Breckland"),
    **dict.fromkeys(("NR21", "NR22", "NR23", "NR24", "NR25", "NR26", "NR27", "NR28"), "North Norfolk"),
    **dict.fromkeys(("NR29", "NR30", "NR31"), "Great Yarmouth"),
    **dict.fromkeys(
        ("PE30", "PE31", "PE32", "PE33", "PE34", "PE35", "PE36", "PE38"), "King's Lynn and West Norfolk"
    ),
    **dict.fromkeys(("NR32", "NR33", "NR34", "NR35", "IP18", "IP19"), "East Suffolk"),
}

# Everyday names people type. Authority names (and their short forms) give the authority;
# other towns give the postcode district most of the town is in.
_ALIASES: dict[str, str] = {
    "norwich city": "Norwich",
    "city of norwich": "Norwich",
    "kings lynn": "King's Lynn and West Norfolk",
    "king's lynn": "King's Lynn and West Norfolk",
    "lynn": "King's Lynn and West Norfolk",
    "west norfolk": "King's Lynn and West Norfolk",
    "kings lynn and west norfolk": "King's Lynn and West Norfolk",
    "king's lynn & west norfolk": "King's Lynn and West Norfolk",
    "kings lynn & west norfolk": "King's Lynn and West Norfolk",
    "yarmouth": "Great Yarmouth",
    "gt yarmouth": "Great Yarmouth",
    "waveney": "East Suffolk",
    "east suffolk (waveney)": "East Suffolk",
    "uk": NATIONAL,
    "england": NATIONAL,
    "nationwide": NATIONAL,
    "all": NATIONAL,
    # towns -> main postcode district
    "hellesdon": "NR6",
    "sprowston": "NR7",
    "thorpe st andrew": "NR7",
    "taverham": "NR8",
    "drayton": "NR8",
    "hethersett": "NR9",
    "horsford": "NR10",
    "reepham": "NR10",
    "aylsham": "NR11",
    "wroxham": "NR12",
    "hoveton": "NR12",
    "acle": "NR13",
    "brundall": "NR13",
    "poringland": "NR14",
    "loddon": "NR14",
    "long stratton": "NR15",
    "attleborough": "NR17",
    "wymondham": "NR18",
    "dereham": "NR19",
    "east dereham": "NR19",
    "fakenham": "NR21",
    "walsingham": "NR22",
    "wells": "NR23",
    "wells-next-the-sea": "NR23",
    "wells next the sea": "NR23",
    "melton constable": "NR24",
    "holt": "NR25",
    "sheringham": "NR26",
    "cromer": "NR27",
    "north walsham": "NR28",
    "stalham": "NR12",
    "martham": "NR29",
    "gorleston": "NR31",
    "lowestoft": "NR32",
    "beccles": "NR34",
    "bungay": "NR35",
    "southwold": "IP18",
    "halesworth": "IP19",
    "harleston": "IP20",
    "diss": "IP22",
    "thetford": "IP24",
    "watton": "IP25",
    "hunstanton": "PE36",
    "downham market": "PE38",
    "swaffham": "PE37",
    # more towns, villages and city neighbourhoods people name (their main postcode district)
    "mile cross": "NR3", "catton grove": "NR3", "sewell": "NR3", "lakenham": "NR1", "thorpe hamlet": "NR1",
    "eaton": "NR4", "tuckswood": "NR4", "cringleford": "NR4", "earlham": "NR5", "west earlham": "NR5",
    "bowthorpe": "NR5", "new costessey": "NR5", "costessey": "NR8", "old catton": "NR6", "catton": "NR6",
    "heartsease": "NR7", "rackheath": "NR13", "blofield": "NR13", "lingwood": "NR13", "reedham": "NR13",
    "salhouse": "NR13", "spixworth": "NR10", "horsham st faith": "NR10", "coltishall": "NR12", "horning": "NR12",
    "hickling": "NR12", "happisburgh": "NR12", "bacton": "NR12", "ludham": "NR29", "potter heigham": "NR29",
    "hemsby": "NR29", "winterton": "NR29", "ormesby": "NR29", "caister": "NR30", "caister on sea": "NR30",
    "bradwell": "NR31", "belton": "NR31", "hopton": "NR31", "southtown": "NR31", "cobholm": "NR31",
    "oulton broad": "NR33", "oulton": "NR32", "corton": "NR32", "gunton": "NR32", "carlton colville": "NR33",
    "pakefield": "NR33", "kessingland": "NR33", "worlingham": "NR34", "wrentham": "NR34", "ditchingham": "NR35",
    "earsham": "NR35", "reydon": "IP18", "mulbarton": "NR14", "framingham earl": "NR14", "trowse": "NR14",
    "hingham": "NR9", "scole": "IP21", "pulham market": "IP21", "east harling": "NR16", "kenninghall": "NR16",
    "banham": "NR16", "mattishall": "NR20", "north elmham": "NR20", "shipdham": "IP25", "ashill": "IP25",
    "saham toney": "IP25", "necton": "PE37", "litcham": "PE32", "mundford": "IP26", "methwold": "IP26",
    "feltwell": "IP26", "mundesley": "NR11", "overstrand": "NR27", "blakeney": "NR25", "briston": "NR24",
    "gaywood": "PE30", "south wootton": "PE30", "north wootton": "PE30", "west lynn": "PE34",
    "terrington st clement": "PE34", "clenchwarton": "PE34", "heacham": "PE31", "snettisham": "PE31",
    "dersingham": "PE31", "burnham market": "PE31", "brancaster": "PE31", "west winch": "PE33",
    "watlington": "PE33", "marham": "PE33", "stoke ferry": "PE33", "narborough": "PE32", "grimston": "PE32",
    "g yarmouth": "Great Yarmouth", "kl": "King's Lynn and West Norfolk",
}
# Area names that are also everyday words: a place only when the whole text is the place (not inside a message).
NOT_PLACES_IN_A_MESSAGE = frozenset({"uk", "england", "nationwide", "all", "national"})

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d{1,2}[A-Z]?)(?:\s*\d[A-Z]{2})?$")


def _place_names() -> dict[str, str]:
    """Every place name, lower-case, -> its area token (a token's own name before an alias spelt the same)."""
    names: dict[str, str] = {}
    for token in (NATIONAL, *COUNTIES, *AUTHORITIES):
        names.setdefault(token.lower(), token)
    for alias, token in _ALIASES.items():
        names.setdefault(alias, token)
    return names


_PLACE_NAMES = _place_names()


@lru_cache(maxsize=4096)
def normalise_area(text: str) -> str | None:
    """The canonical area token for what someone typed, or None if it is not a place we know.

    Accepts postcode districts or full postcodes ("nr3", "NR3 4AB"), local authorities, counties,
    common town names ("Kings Lynn", "Cromer") and "national".
    """
    cleaned = " ".join(text.replace(",", " ").split())
    if not cleaned:
        return None
    if (named := _PLACE_NAMES.get(cleaned.lower())) is not None:
        return named
    match = _POSTCODE.match(cleaned.upper())
    if match and match.group(1) in DISTRICT_AUTHORITY:
        return match.group(1)
    return None


MAX_PLACE_WORDS = 4  # "terrington st clement" ... "wells next the sea"


def places_in(words: list[str]) -> list[tuple[int, int, str]]:
    """Places named in a message's normalised words: (first word, last word + 1, area token), longest names first.

    "homeless in kings lynn" -> [(2, 4, "King's Lynn and West Norfolk")]; "food bank nr32 1ab" -> [(2, 4, "NR32")].
    Word runs are looked up in the table of names `normalise_area` uses; only runs with a digit go through it
    (postcodes): a message's every run of up to four words is tried, and this runs on every search.
    """
    found: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    for size in range(MAX_PLACE_WORDS, 0, -1):
        for start in range(len(words) - size + 1):
            span = range(start, start + size)
            if not taken.isdisjoint(span):
                continue
            text = " ".join(words[start : start + size])
            if text in NOT_PLACES_IN_A_MESSAGE:
                continue
            area = _PLACE_NAMES.get(text) if text.replace(" ", "").isalpha() else normalise_area(text)
            if area is not None and area != NATIONAL:
                found.append((start, start + size, area))
                taken.update(span)
    return sorted(found)


def coverage_levels(service_areas: tuple[str, ...], wanted: str) -> int:
    """How closely a service serving `service_areas` covers `wanted`: 3 the place itself or its council, 2 its
    county, 1 nationally, 0 not at all."""
    place = normalise_area(wanted)
    if place is None:
        return 1 if service_covers(list(service_areas), wanted) else 0
    authority = DISTRICT_AUTHORITY.get(place, place)
    tokens = {_token(area) for area in service_areas}
    local = {place, authority} | {d for d, a in DISTRICT_AUTHORITY.items() if a == place}
    if tokens & local:
        return 3
    if AUTHORITY_COUNTY.get(authority) in tokens or place in tokens:
        return 2
    return 1 if NATIONAL in tokens else 0


@lru_cache(maxsize=4096)
def covering_areas(wanted: str) -> frozenset[str]:
    """Every area token whose services reach `wanted` (the place itself, its authority, county and `national`).

    An unknown place is covered only by national services and by services listing exactly that text.
    """
    place = normalise_area(wanted)
    if place is None:
        return frozenset({NATIONAL, " ".join(wanted.split()).casefold()})
    covering = {NATIONAL, place}
    authority = DISTRICT_AUTHORITY.get(place, place)
    if authority in AUTHORITY_COUNTY:
        covering.update({authority, AUTHORITY_COUNTY[authority]})
    return frozenset(covering)


def service_covers(service_areas: list[str], wanted: str) -> bool:
    """Whether a service serving `service_areas` reaches someone in `wanted` (a district, town, authority...)."""
    covering = covering_areas(wanted)
    return any(_token(area) in covering for area in service_areas)


def _token(area: str) -> str:
    """A service's area as a comparable token (canonical when known, folded text otherwise)."""
    return normalise_area(area) or " ".join(area.split()).casefold()
