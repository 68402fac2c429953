"""Why a search found a service, in plain words: the query's words, lay phrases and typo corrections it matched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from directory.query import WORD, Concept, ParsedQuery, by_position
from directory.taxonomy import category_label


def match_reasons(
    parsed: ParsedQuery, keys: frozenset[str], name_keys: frozenset[str], categories: Sequence[str]
) -> list[str]:
    """Reasons a service with these index keys, name keys and categories matched the query (only ones that
    really counted for it)."""
    typed = sorted((c for c in parsed.of_kind(WORD) if c.key in keys), key=by_position)
    in_name = [c for c in typed if c.key in name_keys]
    elsewhere = [c for c in typed if c.key not in name_keys]
    reasons: list[str] = []
    if in_name:
        reasons.append(f"its name has {_join_said(in_name)}")
    if elsewhere:
        reasons.append("you mentioned " + and_list(list(dict.fromkeys(c.said for c in elsewhere))))
    for meaning in parsed.meanings:
        if meaning.own_words <= keys:
            continue  # the service says it in the person's own words: "matches" covers it
        names_it = meaning.keys <= name_keys
        if meaning.keys & keys and (names_it or not meaning.lay.names_organisation):
            reasons.append(f'"{meaning.said}" means {meaning.lay.meaning}')
        elif shared := [c for c in meaning.lay.categories if c in categories]:
            reasons.append(f'"{meaning.said}" is about {category_label(shared[0]).lower()}')
    corrections: dict[str, list[str]] = defaultdict(list)
    for concept in typed:
        if concept.corrected_from:
            corrections[concept.corrected_from].append(concept.said)
    reasons.extend(f'read "{typo}" as "{" ".join(fixes)}"' for typo, fixes in corrections.items())
    return reasons


def and_list(words: Sequence[str]) -> str:
    """'rent', 'rent and paying', 'rent, bills and paying'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _join_said(concepts: list[Concept]) -> str:
    return " ".join(dict.fromkeys(c.said for c in concepts))
