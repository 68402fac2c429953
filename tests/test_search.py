"""Directory search behaviour a link worker or client would notice (small in-memory directory, plus DB and CLI)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import select

from core.db import session_scope
from directory.models import (
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    Taxonomy,
    UnmetSearch,
)
from directory.record_source import load_records
from directory.records import ServiceRecord
from directory.search import SearchFilters, SearchIndex
from directory.search_cli import add_search_parser, run_search
from directory.synonyms import (
    LAY_MEANINGS,
    PhraseSet,
    negated_positions,
    person_request,
    phrase_keys,
    phrase_table,
    speaks_of_harming_others,
)
from directory.taxonomy import CATEGORIES
from directory.unmet import record_unmet_search
from tests.factories import SATURDAY_11AM, friday_and_saturday_pantries

WEEKDAYS = "Mon-Fri 09:00-17:00"
MONDAY_10AM = datetime(2025, 6, 2, 10, 0)
SUNDAY_10AM = datetime(2025, 6, 8, 10, 0)

SERVICES = (
    ServiceRecord(
        id="cab",
        name="Citizens Advice Norfolk",
        organisation_name="Citizens Advice",
        description="Free, confidential advice on debt, benefits, housing and work problems.",
        categories=("money", "housing"),
        tags=("debt", "benefits", "PIP", "advice line"),
        areas=("Norfolk",),
        referral_route="self",
        access_methods=("phone", "walk-in"),
        phone="0808 278 7800",
        opening_hours=WEEKDAYS,
    ),
    ServiceRecord(
        id="stepchange",
        name="StepChange Debt Charity",
        organisation_name="StepChange",
        description="Free debt advice online and by phone, including dealing with bailiffs.",
        categories=("money",),
        tags=("debt", "bailiffs", "debt management plan"),
        areas=("national",),
        referral_route="self",
        opening_hours="Mon-Fri 08:00-20:00; Sat 08:00-16:00",
    ),
    ServiceRecord(
        id="pip-help",
        name="Benefits Form Filling Service",
        organisation_name="Community Action Norfolk",
        description="Volunteers help you fill in PIP, Attendance Allowance and Universal Credit forms.",
        categories=("money", "disability"),
        tags=("PIP", "forms", "attendance allowance"),
        areas=("Norwich", "Broadland"),
        referral_route="either",
        opening_hours="Tue,Thu 10:00-12:00",
    ),
    ServiceRecord(
        id="foodbank",
        name="Norwich Foodbank",
        organisation_name="Norwich Foodbank Trust",
        description="Emergency food parcels for three days. You need a voucher from a referral agency.",
        categories=("food_fuel",),
        tags=("food bank", "food parcels", "vouchers"),
        areas=("Norwich",),
        referral_route="professional",
        opening_hours="Mon,Wed,Fri 10:00-13:00",
    ),
    ServiceRecord(
        id="larder",
        name="Yarmouth Community Larder",
        organisation_name="Great Yarmouth Community Trust",
        description="Low-cost groceries each week for local members. No referral needed.",
        categories=("food_fuel",),
        tags=("pantry", "groceries"),
        areas=("Great Yarmouth",),
        referral_route="self",
        cost="low_cost",
        opening_hours="Sat 10:00-12:00",
    ),
    ServiceRecord(
        id="befriend",
        name="Friendly Voices Telephone Befriending",
        organisation_name="Age UK Norfolk",
        description="A weekly friendly phone call from a trained volunteer for older people living alone.",
        categories=("loneliness", "older_people"),
        tags=("befriending", "phone calls"),
        min_age=60,
        areas=("Norfolk",),
        referral_route="either",
        opening_hours="24/7",
    ),
    ServiceRecord(
        id="carers",
        name="Carers Matter Norfolk",
        organisation_name="Carers Matter Norfolk",
        description="Advice, breaks and a listening ear for unpaid carers looking after family or friends.",
        categories=("carers",),
        tags=("unpaid carers", "carers assessment", "respite"),
        areas=("Norfolk",),
        referral_route="self",
        opening_hours=WEEKDAYS,
    ),
    ServiceRecord(
        id="housing-advice",
        name="Shelter Housing Advice",
        organisation_name="Shelter",
        description="Help if you are homeless, facing eviction or have rent arrears or disrepair like damp and mould.",
        categories=("housing",),
        tags=("eviction", "homelessness", "rent arrears", "damp and mould"),
        areas=("national",),
        referral_route="self",
        opening_hours="Mon-Fri 08:00-20:00",
    ),
    ServiceRecord(
        id="walking",
        name="Walking for Health Norwich",
        organisation_name="Active Norfolk",
        description="Free, friendly short walks led by trained walk leaders.",
        categories=("physical_activity",),
        tags=("walking", "walking group"),
        areas=("Norwich",),
        referral_route="self",
        opening_hours="Wed 10:00-11:30",
    ),
    ServiceRecord(
        id="gym",
        name="Exercise on Referral",
        organisation_name="Places Leisure",
        description="A 12-week supervised gym programme at reduced cost after a GP referral.",
        categories=("physical_activity", "long_term_conditions"),
        tags=("gym", "exercise"),
        min_age=16,
        areas=("Breckland",),
        referral_route="professional",
        cost="paid",
    ),
    ServiceRecord(
        id="closed-lunch",
        name="Old Lunch Club",
        organisation_name="Parish Council",
        description="Was a lunch club; no longer running.",
        categories=("loneliness",),
        tags=("lunch club",),
        active=False,
    ),
)


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.from_services(SERVICES)


def ids(hits: list) -> list[str]:
    return [hit.service_id for hit in hits]


# --- typos, lay words and abbreviations ------------------------------------------------------------------------


def test_misspelt_citizens_advice_is_found_first_and_the_correction_is_explained(index: SearchIndex) -> None:
    hits = index.search("citzens advise")

    assert hits[0].service_id == "cab"
    assert 'read "citzens" as "citizens"' in hits[0].why


def test_skint_finds_money_services_and_says_why(index: SearchIndex) -> None:
    hits = index.search("skint")

    assert set(ids(hits[:3])) == {"cab", "stepchange", "pip-help"}
    for hit in hits[:3]:
        assert any("skint" in reason for reason in hit.why), hit.why
    assert '"skint" means money worries' in hits[0].why


def test_abbreviation_cab_means_citizens_advice(index: SearchIndex) -> None:
    hits = index.search("CAB")

    assert hits[0].service_id == "cab"
    assert '"CAB" means Citizens Advice' in hits[0].why
    other_money_service = next(hit for hit in hits if hit.service_id == "stepchange")
    assert not any("means Citizens Advice" in reason for reason in other_money_service.why)


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("I need help with my PIP form", "pip-help"),
        ("bailiffs at the door", "stepchange"),
        ("food parcel", "foodbank"),
        ("foodbank", "foodbank"),
        ("food bank", "foodbank"),
        ("looking after my mum", "carers"),
        ("no friends", "befriend"),
        ("lonley", "befriend"),
        ("black mould in my flat", "housing-advice"),
        ("being evicted", "housing-advice"),
        ("befreinding", "befriend"),
    ],
)
def test_everyday_words_find_the_right_service(index: SearchIndex, query: str, expected_first: str) -> None:
    assert ids(index.search(query))[0] == expected_first


def test_why_explains_a_lay_phrase_for_a_service_that_does_not_use_the_words(index: SearchIndex) -> None:
    hit = next(hit for hit in index.search("can't pay my rent") if hit.service_id == "housing-advice")

    assert any(reason.startswith('"can\'t pay my rent"') for reason in hit.why), hit.why


def test_why_names_words_found_in_the_service_name(index: SearchIndex) -> None:
    hit = index.search("walking group")[0]

    assert hit.service_id == "walking"
    assert "its name has walking" in hit.why  # issue 17: plain words, not 'name matches "walking"'


def test_multi_need_query_brings_up_both_needs(index: SearchIndex) -> None:
    top = ids(index.search("skint and lonely", limit=4))

    assert "befriend" in top
    assert {"cab", "stepchange"} & set(top)


def test_what_the_person_does_not_want_sinks(index: SearchIndex) -> None:
    assert ids(index.search("food parcels"))[0] == "foodbank"
    hits = index.search("food parcels from somewhere that doesn't need a voucher")

    assert ids(hits)[0] == "larder"  # a voucher not wanted: a service people contact themselves comes first
    assert "you can contact them yourself" in hits[0].why


def test_a_place_in_the_message_ranks_services_covering_it_first(index: SearchIndex) -> None:
    assert ids(index.search("food in great yarmouth"))[0] == "larder"
    assert ids(index.search("food NR3 4AB"))[0] == "foodbank"  # a postcode is a place, not dropped
    assert 'covers great yarmouth' in index.search("food in great yarmouth")[0].why


def test_an_age_in_the_message_ranks_services_for_that_age_first() -> None:
    clubs = [
        ServiceRecord(id="older", name="Acle Friendship Club", description="Friendship club.", min_age=60),
        ServiceRecord(id="anyone", name="Brundall Friendship Club", description="Friendship club."),
    ]
    index = SearchIndex.from_services(clubs)

    assert ids(index.search("friendship club")) == ["older", "anyone"]
    assert ids(index.search("friendship club, I'm 35")) == ["anyone", "older"]


# --- robustness ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "I need help with my", "?!?", "zzqx flibbertigibbet"])
def test_empty_or_meaningless_queries_return_nothing(index: SearchIndex, query: str) -> None:
    assert index.search(query) == []


def test_huge_query_does_not_crash_and_a_whole_telegram_message_counts(index: SearchIndex) -> None:
    assert ids(index.search("walking " + "x" * 100_000))[0] == "walking"
    assert ids(index.search("x" * 300 + " walking"))[0] == "walking"  # was cut at 200 characters before issue 13
    assert index.search("x" * 5000 + " walking") == []  # past Telegram's 4096-character limit


def test_inactive_services_are_never_found_but_can_still_be_shown(index: SearchIndex) -> None:
    assert "closed-lunch" not in ids(index.search("lunch club"))
    assert index.get("closed-lunch") is not None
    assert index.get("no-such-service") is None


def test_results_are_ranked_scored_and_limited(index: SearchIndex) -> None:
    hits = index.search("advice", limit=2)

    assert len(hits) == 2
    assert all(0 < hit.score <= 100 for hit in hits)
    assert hits[0].score >= hits[1].score


def test_equal_matches_are_ordered_by_name_every_time() -> None:
    twins = [
        ServiceRecord(id=f"s{i}", name=name, description="Knitting circle.", categories=("loneliness",))
        for i, name in enumerate(["Wymondham Knitters", "Attleborough Knitters", "Diss Knitters"])
    ]
    index = SearchIndex.from_services(twins)

    assert [hit.name for hit in index.search("knitting")] == [
        "Attleborough Knitters",
        "Diss Knitters",
        "Wymondham Knitters",
    ]


# --- filters --------------------------------------------------------------------------------------------------


def test_category_filter(index: SearchIndex) -> None:
    hits = index.search("advice", SearchFilters(category="housing"))

    assert set(ids(hits)) == {"cab", "housing-advice"}


def test_area_filter_keeps_services_covering_the_place(index: SearchIndex) -> None:
    in_yarmouth = ids(index.search("food", SearchFilters(area="Great Yarmouth")))
    in_norwich = ids(index.search("food", SearchFilters(area="NR3 1AB")))

    assert "larder" in in_yarmouth and "foodbank" not in in_yarmouth
    assert "foodbank" in in_norwich and "larder" not in in_norwich
    assert "stepchange" in ids(index.search("debt", SearchFilters(area="NR30")))  # national services cover everyone


def test_age_filter_respects_minimum_and_maximum_age(index: SearchIndex) -> None:
    assert "befriend" not in ids(index.search("lonely", SearchFilters(age=35)))
    assert "befriend" in ids(index.search("lonely", SearchFilters(age=75)))
    assert "gym" not in ids(index.search("exercise", SearchFilters(age=14)))


def test_free_only_excludes_low_cost_and_paid(index: SearchIndex) -> None:
    food = ids(index.search("food", SearchFilters(free_only=True)))
    exercise = ids(index.search("exercise", SearchFilters(free_only=True)))

    assert "foodbank" in food and "larder" not in food
    assert "gym" not in exercise and "walking" in exercise


def test_self_referral_filter_drops_professional_referral_services(index: SearchIndex) -> None:
    hits = index.search("food", SearchFilters(self_referral=True))

    assert ids(hits) == ["larder"]
    assert "you can contact them yourself" in hits[0].why


def test_open_now_respects_opening_hours(index: SearchIndex) -> None:
    monday = ids(index.search("debt", SearchFilters(open_now=True), now=MONDAY_10AM))
    sunday = ids(index.search("debt", SearchFilters(open_now=True), now=SUNDAY_10AM))

    assert {"cab", "stepchange"} <= set(monday)
    assert sunday == []


def test_open_now_uses_uk_local_time_for_utc_timestamps(index: SearchIndex) -> None:
    # 08:30 UTC in June is 09:30 in London: Citizens Advice (09:00-17:00) is open.
    hits = index.search("citizens advice", SearchFilters(open_now=True), now=datetime(2025, 6, 2, 8, 30, tzinfo=UTC))

    assert "cab" in ids(hits)
    assert "open now" in hits[0].why


def test_services_with_unknown_hours_are_not_open_now(index: SearchIndex) -> None:
    assert "gym" not in ids(index.search("exercise", SearchFilters(open_now=True), now=MONDAY_10AM))


def test_urgent_wording_lifts_services_open_right_now() -> None:
    index, saturday_11am = friday_and_saturday_pantries(), SATURDAY_11AM

    calm = index.search("groceries", now=saturday_11am)
    urgent = index.search("groceries today", now=saturday_11am)

    assert ids(calm) == ["friday", "saturday"]
    assert ids(urgent) == ["saturday", "friday"]
    assert "open now" in urgent[0].why
    assert "open now" not in urgent[1].why


def test_asking_to_self_refer_lifts_services_people_can_contact_themselves() -> None:
    advice = [
        ServiceRecord(id=route, name=f"{name} Debt Advice", description="Debt advice.", referral_route=route)
        for route, name in (("professional", "Acle"), ("self", "Brundall"))
    ]
    index = SearchIndex.from_services(advice)

    assert ids(index.search("debt advice")) == ["professional", "self"]
    hits = index.search("debt advice I can self refer to")
    assert ids(hits) == ["self", "professional"]
    assert "you can contact them yourself" in hits[0].why


def test_unknown_category_filter_finds_nothing(index: SearchIndex) -> None:
    assert index.search("debt", SearchFilters(category="astrology")) == []


def test_browse_lists_a_whole_category_with_filters(index: SearchIndex) -> None:
    money = index.browse("money")
    free_in_yarmouth_food = index.browse("food_fuel", SearchFilters(area="Great Yarmouth"))

    assert set(ids(money)) == {"cab", "stepchange", "pip-help"}
    assert ids(free_in_yarmouth_food) == ["larder"]
    assert index.browse("not-a-category") == []


# --- database, unmet need and command line -----------------------------------------------------------------------


def _store(engine: Engine) -> None:
    with session_scope(engine) as session:
        for category in CATEGORIES.values():
            session.add(Taxonomy(id=category.id, name=category.label))
        session.add(Organisation(id="ca-norfolk", name="Citizens Advice Norfolk"))
        session.flush()
        session.add(
            Service(
                id="ca-debt",
                organisation_id="ca-norfolk",
                name="Debt advice",
                description="Free help to deal with debts and bailiffs.",
                tags=["debt", "bailiffs"],
                areas=["Norfolk"],
                phone="0808 278 7800",
                opening_hours=WEEKDAYS,
                last_verified=date(2025, 5, 1),
            )
        )
        session.add(Location(id="loc-1", organisation_id="ca-norfolk", name="The Forum", town="Norwich"))
        session.flush()
        session.add(ServiceTaxonomy(service_id="ca-debt", taxonomy_id="money"))
        session.add(ServiceAtLocation(service_id="ca-debt", location_id="loc-1"))


def test_index_loads_services_with_organisation_categories_and_location(engine: Engine) -> None:
    _store(engine)

    index = SearchIndex.load(engine)
    hits = index.search("skint")
    record = index.get("ca-debt")

    assert ids(hits) == ["ca-debt"]
    assert record is not None
    assert record.organisation_name == "Citizens Advice Norfolk"
    assert (record.categories, record.town) == (("money",), "Norwich")
    assert record.tags == ("debt", "bailiffs")
    assert record.last_verified == date(2025, 5, 1)
    assert ids(index.search("citizens advice norwich"))[0] == "ca-debt"


def test_each_service_is_read_with_its_first_location_all_its_categories_or_none(engine: Engine) -> None:
    """The directory is read in one streamed query: each service still gets its first location (by id) and every
    category, and a service with neither keeps empty place fields."""
    _store(engine)
    with session_scope(engine) as session:
        session.add(Location(id="loc-0", organisation_id="ca-norfolk", name="Town Hall", town="Cromer"))
        session.add(Service(id="ca-bare", organisation_id="ca-norfolk", name="Pension help"))
        session.flush()
        session.add(ServiceAtLocation(service_id="ca-debt", location_id="loc-0"))
        session.add(ServiceTaxonomy(service_id="ca-debt", taxonomy_id="food_fuel"))

    records = {record.id: record for record in load_records(engine)}

    assert list(records) == ["ca-bare", "ca-debt"]
    debt, bare = records["ca-debt"], records["ca-bare"]
    assert (debt.categories, debt.location_name, debt.town) == (("food_fuel", "money"), "Town Hall", "Cromer")
    assert (bare.categories, bare.location_name, bare.town, bare.latitude) == ((), "", "", None)
    assert bare.organisation_name == "Citizens Advice Norfolk"


def test_unmet_search_stores_query_and_filters_but_no_identity(engine: Engine) -> None:
    record_unmet_search(engine, "  dog   walking " + "x" * 600, SearchFilters(area="NR3", free_only=True))
    with session_scope(engine) as session:
        record_unmet_search(session, "tree surgeon", SearchFilters())
        record_unmet_search(session, "   ", SearchFilters())

    with session_scope(engine) as session:
        rows = session.exec(select(UnmetSearch).order_by(UnmetSearch.id)).all()
    columns = {column["name"] for column in inspect(engine).get_columns("unmet_search")}

    assert [row.query[:12] for row in rows] == ["dog walking ", "tree surgeon"]
    assert len(rows[0].query) == 500
    assert rows[0].filters == {"area": "NR3", "free_only": True}
    assert rows[1].filters == {}
    # why it was unmet, and (issue 11) a keyed pseudonym that counts different searchers; nothing else about who
    assert columns == {"id", "created_at", "query", "filters", "reason", "searcher"}
    assert [row.searcher for row in rows] == ["", ""]


def _cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_search_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["search", *argv])


def test_cli_prints_a_readable_ranked_list(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    _store(engine)

    code = run_search(_cli_args("bailifs", "--area", "Norwich", "--free"), engine)
    out = capsys.readouterr().out

    assert code == 0
    assert out.startswith("1. Debt advice")
    assert "Citizens Advice Norfolk" in out
    assert 'read "bailifs" as "bailiffs"' in out
    assert "0808 278 7800" in out
    assert "How to access: Self-referral or professional referral" in out


def test_cli_json_output(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    _store(engine)

    code = run_search(_cli_args("debt", "--json", "--limit", "3"), engine)
    payload = json.loads(capsys.readouterr().out)

    assert code == 0
    assert payload["query"] == "debt"
    assert [result["id"] for result in payload["results"]] == ["ca-debt"]
    assert payload["results"][0]["organisation"] == "Citizens Advice Norfolk"


def test_cli_search_that_finds_nothing_is_recorded_as_unmet_need(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(engine)

    code = run_search(_cli_args("debt", "--category", "transport", "--json"), engine)
    payload = json.loads(capsys.readouterr().out)

    with session_scope(engine) as session:
        rows = session.exec(select(UnmetSearch)).all()
    assert code == 1
    assert payload["results"] == []
    assert [(row.query, row.filters) for row in rows] == [("debt", {"category": "transport"})]


def test_cli_rejects_a_place_it_does_not_know(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_search(_cli_args("debt", "--area", "Atlantis"), engine)

    assert code == 2
    assert "Atlantis" in capsys.readouterr().out


# --- the lay-language table ---------------------------------------------------------------------------------------

BRIEF_PHRASES = (
    "skint", "broke", "can't pay my rent", "bailiffs", "lonely", "no friends", "PIP form", "CAB", "citizens advise",
    "food parcel", "food bank", "mould", "damp", "evicted", "carer", "looking after my mum", "depressed", "anxious",
    "drink problem", "lost my husband", "benefits", "UC", "universal credit", "heating", "gas bill", "fell over",
    "walking frame", "bus pass", "job", "computer help",
)  # fmt: skip


def test_lay_table_is_large_and_points_at_real_categories() -> None:
    phrases = [phrase for lay in LAY_MEANINGS for phrase in lay.phrases]

    assert len(set(phrases)) >= 120
    assert {category for lay in LAY_MEANINGS for category in lay.categories} <= set(CATEGORIES)
    assert all(phrase_keys(phrase) for phrase in phrases)


@pytest.mark.parametrize("phrase", BRIEF_PHRASES)
def test_everyday_phrases_have_a_meaning(phrase: str) -> None:
    assert any(key in phrase_table() for key in phrase_keys(phrase)), phrase


def test_an_index_finished_in_small_chunks_finds_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Postings wait in temporary files while services are added and are sorted a chunk at a time (to keep a
    million services under 2 GB while building): every spill and chunk size gives the same index."""
    whole = SearchIndex.from_services(SERVICES)
    monkeypatch.setattr("directory.indexing.SORT_CHUNK", 3)
    monkeypatch.setattr("directory.indexing.SPILL_AT", 2)
    chunked = SearchIndex.from_services(SERVICES)

    for query in ("citzens advise", "skint", "food bank", "lunch club", "debt and anxiety"):
        assert chunked.search(query, limit=10) == whole.search(query, limit=10), query


def test_what_a_service_says_it_replaces_is_read_from_its_own_sentence() -> None:
    from directory.indexing import offered_instead

    said = offered_instead("Low-interest loans, an alternative to payday lenders and doorstep lenders. Savings too.")

    assert said == {"payday", "lender", "doorstep"}
    assert offered_instead("Friendly groups instead of sitting at home alone.") == {"sit", "home", "alone"}
    assert offered_instead("A calm alternative. Payday lenders are not us.") == set()


def test_a_person_described_by_what_they_are_not_is_neither_a_need_nor_unwanted() -> None:
    refusing = ["a", "food", "bank", "that", "isnt", "a", "referral", "one"]
    describing = ["im", "not", "a", "carer", "but", "my", "mum", "is"]

    assert negated_positions(refusing, set()) == ({6, 7}, set())
    assert negated_positions(describing, set()) == (set(), {1, 2, 3})


@pytest.mark.parametrize(("text", "harming"), [
    ("i keep losing my temper with my wife", True), ("im abusive and want to stop", True), ("my anger", True),
    ("my partner is abusive", False), ("he keeps losing his temper", False), ("my husband hit me", False),
    ("i hurt myself", False),
])  # fmt: skip
def test_harm_is_read_as_the_writers_own_only_in_the_first_person(text: str, harming: bool) -> None:
    assert speaks_of_harming_others(text.split()) is harming


def test_a_phrase_is_found_only_whole_even_at_the_end_of_a_message() -> None:
    """A run cut short by the end of the message ("not a bot") was also reported as a longer phrase's span."""
    phrases = PhraseSet.of(["not a bot", "not a bot at all"])

    assert list(phrases.spans(["talk", "to", "me", "not", "a", "bot"])) == [range(3, 6)]


def test_the_longest_request_for_a_person_is_the_one_read() -> None:
    assert person_request(["talk", "to", "a", "real", "person", "not", "a", "bot"]) == range(0, 5)
    assert person_request(["i", "have", "no", "one", "to", "talk", "to"]) is None
