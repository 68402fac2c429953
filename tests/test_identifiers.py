"""Text that identifies a person is recognised, never kept as search text, and masked for display."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from core.db import session_scope
from core.identifiers import IdentifierKind, identifier_in, mask, postcode_districts_only
from directory.models import UnmetSearch
from directory.search import SearchFilters
from directory.unmet import record_unmet_search
from tests.factories import cipher

QUERIES = Path(__file__).parent / "search_queries.csv"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("9434765919", IdentifierKind.NHS_NUMBER),
        ("943 476 5919", IdentifierKind.NHS_NUMBER),
        ("nhs 943-476-5919 please", IdentifierKind.NHS_NUMBER),
        ("rg1 12345", IdentifierKind.HOSPITAL_NUMBER),
        ("NNUH7654321", IdentifierKind.HOSPITAL_NUMBER),
        ("MRN 123456", IdentifierKind.HOSPITAL_NUMBER),
        ("hosp no k123456", IdentifierKind.HOSPITAL_NUMBER),
        ("ring me 07700 900123", IdentifierKind.PHONE),
        ("+44 1632 960 001", IdentifierKind.PHONE),
        ("jo.smith@example.org", IdentifierKind.EMAIL),
        ("lives at NR3 1AB", IdentifierKind.POSTCODE),
        ("nr31ab", IdentifierKind.POSTCODE),
        ("12/03/1950", IdentifierKind.DATE_OF_BIRTH),
        ("dob 12.3.50", IdentifierKind.DATE_OF_BIRTH),
        ("born 3rd March 1950", IdentifierKind.DATE_OF_BIRTH),
    ],
)
def test_identifiers_are_recognised(text: str, kind: IdentifierKind) -> None:
    assert identifier_in(text) == kind


@pytest.mark.parametrize(
    "text",
    ["debt advice", "help for over 50s", "24/7 helpline", "age 16-25", "food bank nr3", "covid-19 support",
     "b12 injections", "carer NR3", "A&E", "help 25/12", "budget £1000", "2 bed flat", "pip form", "NR30"],
)
def test_ordinary_needs_are_not_identifiers(text: str) -> None:
    assert identifier_in(text) is None


def test_no_labelled_search_query_is_taken_for_an_identifier() -> None:
    with QUERIES.open(encoding="utf-8") as handle:
        # what is stored of a search: a full postcode in it ("food bank NR30 2AB") is kept as its district only
        stored = [postcode_districts_only(row["query"]) for row in csv.DictReader(handle)]
    flagged = [query for query in stored if identifier_in(query)]
    assert flagged == []


def test_a_full_postcode_in_unmet_need_is_kept_as_its_district(engine) -> None:
    with session_scope(engine) as session:
        record_unmet_search(session, "dog walking NR30 2AB", SearchFilters())
    with session_scope(engine) as session:
        assert [row.query for row in session.exec(select(UnmetSearch))] == ["dog walking NR30"]


def test_masks_keep_only_the_last_two_characters() -> None:
    assert mask("NNUH7654321") == "•••••••••21"
    assert mask("9434765919") == "••••••••19"
    assert mask("AB1") == "•••"  # too short to show any of it
    assert mask("") == ""


def test_identifiers_are_never_stored_as_unmet_need(engine) -> None:
    with session_scope(engine) as session:
        for typed in ("9434765919", "rg1 12345", "07700 900123", "jo@example.org", "NR3 1AB", "01/02/1950"):
            record_unmet_search(session, typed, SearchFilters())
        record_unmet_search(session, "sign language", SearchFilters(), searcher=cipher().pseudonym(4001))
    with session_scope(engine) as session:
        stored = session.exec(select(UnmetSearch)).all()
    assert [row.query for row in stored] == ["sign language"]
    assert stored[0].searcher and "4001" not in stored[0].searcher


def test_pseudonyms_are_stable_per_person_and_differ_between_people() -> None:
    assert cipher().pseudonym(4001) == cipher().pseudonym(4001)
    assert cipher().pseudonym(4001) != cipher().pseudonym(4002)
    assert len(cipher().pseudonym(4001)) == 16


def test_the_default_talk_to_a_person_number_cannot_ring_anyone() -> None:
    import re

    import phonenumbers

    from core.settings import Settings

    text = Settings.model_fields["talk_to_person_text"].default
    numbers = [re.sub(r"\D", "", match.raw_string) for match in phonenumbers.PhoneNumberMatcher(text, "GB")]
    numbers += re.findall(r"\b0\d{4} ?\d{3} ?\d{3}\b", text)
    dialled = [number.replace(" ", "") for number in numbers]
    assert dialled and all(number.startswith("01632960") for number in dialled), dialled  # Ofcom's drama range
