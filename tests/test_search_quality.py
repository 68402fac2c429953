"""Search quality on the real seed directory: recall@5 over the labelled queries in tests/search_queries*.csv."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from core.db import make_engine
from core.settings import DEFAULT_SEED_CSV
from directory.areas import service_covers
from directory.records import ServiceRecord
from directory.search import SearchIndex
from directory.seed import ensure_seeded
from directory.synonyms import night_hour
from tests.factories import SATURDAY_11AM, friday_and_saturday_pantries
from tests.search_queries import (
    ROUND3_CSV,
    ROUND4_CSV,
    ROUND5_CSV,
    ROUND6_CSV,
    ROUND7_CSV,
    ROUND8_CSV,
    ROUND9_CSV,
    ROUND10_CSV,
    K,
    LabelledQuery,
    grade,
    load_labelled_queries,
)

# Floors just below what the engine achieves on the 1,441 labelled queries (recall@5 0.905, top-1 0.925, every kind at
# least 0.824 (long messages); off-topic 0.957: 3 of the 70 off-topic messages answered with a service). By file: the
# 49 third-round queries of search_queries_round3.csv 0.883, the 89 fourth-round ones 0.883 (0.712 before that round's
# tuning), the 132 fifth-round ones 0.910 (0.783 before any tuning on them), the 110 sixth-round ones 0.927 (0.795
# before), the 150 eighth-round ones 0.902 (0.827 before round 9's tuning, which used them), the 150 tenth-round ones
# 0.854 (0.801 before round 11's tuning, which used them: the freshest measure of what the engine had not seen). Held
# out, never tuned on, written from directory_seed.csv alone without reading the search code: the 120 seventh-round
# queries 0.826 (0.802 before round 9's tuning) and the 150 ninth-round ones 0.857 (0.828 before it). The held-out
# figures are the honest ones; the gap between them and the tuned files is the generalisation gap. See
# benchmarks/search_bench.py for every figure.
RECALL_FLOOR = 0.91
TOP1_FLOOR = 0.92
KIND_RECALL_FLOOR = 0.84
ROUND_RECALL_FLOORS = {
    ROUND3_CSV: 0.875,
    ROUND4_CSV: 0.865,
    ROUND5_CSV: 0.895,
    ROUND6_CSV: 0.92,  # 0.795 before any tuning on round 6
    ROUND7_CSV: 0.815,  # held out: never tuned on
    ROUND8_CSV: 0.885,  # 0.827 before round 9's tuning, which used it
    ROUND9_CSV: 0.845,  # held out: never tuned on (0.828 before round 9's tuning)
    ROUND10_CSV: 0.865,  # 0.801 before round 11's tuning, which used it
}
OFF_TOPIC_FLOOR = 0.94  # the goal is 0.90: at most 1 in 10 off-topic messages answered with a service


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[SearchIndex]:
    target = tmp_path_factory.mktemp("seeded") / "signpost.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    ensure_seeded(engine, DEFAULT_SEED_CSV)
    yield SearchIndex.load(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def queries() -> list[LabelledQuery]:
    return load_labelled_queries()


def top_ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.service_id for hit in index.search(query, limit=K)]


def in_category(index: SearchIndex, service_ids: list[str], category: str) -> list[str]:
    """The services of `service_ids` listed in `category`."""
    return [sid for sid in service_ids if (record := index.get(sid)) and category in record.categories]


def test_labelled_set_is_big_and_varied(queries: list[LabelledQuery], seed_index: SearchIndex) -> None:
    kinds = {labelled.kind for labelled in queries}

    assert len(queries) >= 400
    assert {"typo", "lay", "abbreviation", "multi-need", "place", "question", "long", "off-topic"} <= kinds
    for source in {labelled.source for labelled in queries}:  # a later round's writer may repeat an earlier query
        in_file = [labelled.query.casefold() for labelled in queries if labelled.source == source]
        assert len(set(in_file)) == len(in_file), source
    unknown = {sid for labelled in queries for sid in labelled.expected if seed_index.get(sid) is None}
    assert not unknown, f"expected services missing from directory_seed.csv: {sorted(unknown)}"
    assert all(labelled.best or labelled.kind == "off-topic" for labelled in queries)


def test_recall_at_5_stays_above_the_floor(
    queries: list[LabelledQuery], seed_index: SearchIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    grades = grade(queries, lambda query: top_ids(seed_index, query))
    with capsys.disabled():
        print(f"\nsearch quality on {len(queries)} labelled queries: {grades.line()}")
        print(
            "  by kind (recall/top-1): "
            + ", ".join(f"{kind} {value['recall']:.2f}/{value['top1']:.2f}" for kind, value in grades.kinds.items())
        )

    assert grades.recall >= RECALL_FLOOR
    assert grades.top1 >= TOP1_FLOOR
    kind_recall = {kind: value["recall"] for kind, value in grades.kinds.items()}
    assert min(kind_recall.values()) >= KIND_RECALL_FLOOR, kind_recall
    assert kind_recall["off-topic"] >= OFF_TOPIC_FLOOR
    for source, floor in ROUND_RECALL_FLOORS.items():
        in_round = [labelled for labelled in queries if labelled.source == source.name]
        assert grade(in_round, lambda query: top_ids(seed_index, query)).recall >= floor, source.name


@pytest.mark.parametrize(
    ("query", "category"),
    [
        ("skint", "money"),
        ("bailiffs", "money"),
        ("food parcel", "food_fuel"),
        ("lost my husband", "bereavement"),
        ("lonely", "loneliness"),
        ("zimmer frame", "home_safety"),
    ],
)
def test_lay_words_bring_up_the_right_kind_of_help(seed_index: SearchIndex, query: str, category: str) -> None:
    hits = seed_index.search(query, limit=3)

    assert len(hits) == 3
    for hit in hits:
        record = seed_index.get(hit.service_id)
        assert record is not None and category in record.categories, (hit.name, record and record.categories)
        assert hit.why


def test_misspelt_citizens_advice_finds_citizens_advice(seed_index: SearchIndex) -> None:
    hits = seed_index.search("citzens advise", limit=5)

    assert len(hits) == 5
    for hit in hits:
        record = seed_index.get(hit.service_id)
        assert record is not None and record.organisation_name.startswith("Citizens Advice"), hit.name
    assert 'read "citzens" as "citizens"' in hits[0].why


# --- what people type (issue 13): places, off-topic messages, real words, several needs, asking for a person ------


@pytest.mark.parametrize(
    ("query", "place"),
    [("food bank NR32", "NR32"), ("food bank Diss", "IP22"), ("homeless kings lynn", "King's Lynn and West Norfolk"),
     ("debt advice in gorleston", "NR31"), ("walking group lowestoft", "NR32")],
)  # fmt: skip
def test_a_place_in_the_message_is_covered_by_the_first_result(seed_index: SearchIndex, query: str, place: str) -> None:
    records = [seed_index.get(hit.service_id) for hit in seed_index.search(query, limit=3)]
    first = records[0]

    assert first is not None and service_covers(list(first.areas), place), (query, first and first.areas)
    assert any(r is not None and "national" not in r.areas and service_covers(list(r.areas), place) for r in records)


@pytest.mark.parametrize("query", ["car insurance quote", "hair salon", "best chinese takeaway", "zzqx plorth"])
def test_off_topic_messages_are_told_nothing_fits(seed_index: SearchIndex, query: str) -> None:
    result = seed_index.find(query)

    assert result.hits == []
    assert result.unmet is not None


@pytest.mark.parametrize("word", ["hair", "sell", "kids", "table", "best", "trying"])
def test_ordinary_words_are_not_corrected_into_directory_words(seed_index: SearchIndex, word: str) -> None:
    for hit in seed_index.search(f"{word} help", limit=10):
        assert not any(reason.startswith(f'read "{word}"') for reason in hit.why), hit


def test_both_needs_of_a_two_need_message_are_on_the_first_page(seed_index: SearchIndex) -> None:
    first_page = [seed_index.get(hit.service_id) for hit in seed_index.search("debt and anxiety", limit=3)]
    categories = [set(record.categories) for record in first_page if record is not None]

    assert any("money" in found for found in categories)
    assert any("mental_wellbeing" in found for found in categories)


def test_a_long_message_is_searched_for_its_need_not_its_incidental_words(seed_index: SearchIndex) -> None:
    message = (
        "My phone keeps ringing with people chasing money and I owe on three credit cards. I can't sleep for "
        "worrying about it and the school keeps calling about my son too. What can I do?"
    )
    first = seed_index.get(seed_index.search(message, limit=1)[0].service_id)

    assert first is not None and "money" in first.categories


def test_asking_for_a_person_is_not_a_search_for_services(seed_index: SearchIndex) -> None:
    result = seed_index.find("can I speak to someone")
    lonely = seed_index.find("I need someone to talk to")

    assert result.wants_person and result.hits == [] and result.unmet is None
    assert not lonely.wants_person and lonely.hits


def test_words_typed_apart_and_numbers(seed_index: SearchIndex) -> None:
    assert seed_index.search("turn 2 us", limit=1)[0].service_id == "turn2us"
    young = seed_index.search("im 17 and need a job", limit=3)
    records = [seed_index.get(hit.service_id) for hit in young]
    assert all(r is not None and (r.max_age is None or r.max_age >= 17) for r in records)


# --- issue 13, round 2: misspelt and narrative words do not hide a clear need ------------------------------------


@pytest.mark.parametrize(
    ("query", "category"),
    [("parkinsons disese", "long_term_conditions"), ("brest cancer", "long_term_conditions"),
     ("claming carers alowence", "carers"), ("mentle health", "mental_wellbeing"),
     ("bailiffs keep knocking", "money"), ("betting is ruining my life", "substance_use"),
     ("benifit advise", "money")],
)  # fmt: skip
def test_a_misspelt_or_story_word_beside_a_clear_need_still_finds_it(
    seed_index: SearchIndex, query: str, category: str
) -> None:
    records = [seed_index.get(hit.service_id) for hit in seed_index.search(query, limit=3)]

    assert records and any(r is not None and category in r.categories for r in records[:2]), query


def test_a_need_said_in_small_words_counts_in_a_long_message(seed_index: SearchIndex) -> None:
    message = (
        "I've had a letter from the school saying my daughter keeps missing lessons because she looks after her "
        "mum, who has MS. She's only 13. Is there anyone who supports kids like her?"
    )
    records = [seed_index.get(hit.service_id) for hit in seed_index.search(message, limit=3)]

    assert any(r is not None and "carers" in r.categories for r in records), [r and r.id for r in records]


def test_who_a_person_is_gets_its_own_share_of_the_first_page(seed_index: SearchIndex) -> None:
    message = "Dad was in the navy for 22 years and since mum died he's not coping, drinking a lot and not eating."
    first_page = [seed_index.get(hit.service_id) for hit in seed_index.search(message, limit=5)]

    assert any(r is not None and "veteran" in r.tags for r in first_page), [r and r.id for r in first_page]


@pytest.mark.parametrize("query", ["bereavment", "grief support"])
def test_services_named_for_another_group_do_not_lead(seed_index: SearchIndex, query: str) -> None:
    names = [hit.name.casefold() for hit in seed_index.search(query, limit=3)]

    assert names and not any(word in name for name in names for word in ("child", "young")), names


def test_each_need_gets_a_service_for_that_need_not_just_its_category(seed_index: SearchIndex) -> None:
    """A Parkinson's or dementia group is in the health-condition category, but does not answer "had a stroke";
    the carer's share of the page goes to carers' support."""
    first_page = [hit.service_id for hit in seed_index.search("had a stroke and my wife needs support as my carer")][:5]

    assert "stroke-association-helpline" in first_page
    assert {"carers-matter-norfolk", "carers-uk-helpline"} & set(first_page), first_page


def test_a_typo_is_read_as_the_word_that_makes_a_phrase_with_its_neighbour(seed_index: SearchIndex) -> None:
    records = [seed_index.get(hit.service_id) for hit in seed_index.search("anxeity and panick attacks", limit=5)]

    assert records and all(r is not None and "mental_wellbeing" in r.categories for r in records), records


def test_several_needs_and_no_place_fill_the_first_page_with_help_anyone_can_use(seed_index: SearchIndex) -> None:
    records = [seed_index.get(hit.service_id) for hit in seed_index.search("debt and anxiety", limit=5)]
    wide = [r for r in records if r is not None and {"national", "Norfolk"} & set(r.areas)]

    assert len(wide) >= 4, [(r.id, r.areas) for r in records if r is not None]


# --- mechanisms of the third round (each failed before it was built) -------------------------------------------


def test_each_need_named_in_the_directorys_words_gets_a_place_on_the_first_page(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "sleeping on a mate's sofa and using drugs again")

    assert {"cgl-norfolk", "cgl-great-yarmouth-hub", "turning-point-waveney", "smart-recovery-norwich"} & set(found)
    assert {"norwich-housing-options", "shelter-helpline", "great-yarmouth-housing-options"} & set(found)


def test_a_scam_is_answered_by_scam_advice_not_fire_safety(seed_index: SearchIndex) -> None:
    message = (
        "Someone phoned saying they were from my bank and I gave them my card details. Now two thousand pounds "
        "has gone. I feel so stupid and I'm scared they'll ring again."
    )

    assert top_ids(seed_index, message)[:1] == ["norfolk-trading-standards-scams"]
    assert top_ids(seed_index, "someone pretending to be from the bank rang me")[:1] == [
        "norfolk-trading-standards-scams"
    ]


def test_came_out_of_prison_is_not_coming_out(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "I came out of prison last month and need somewhere to live and a job")

    assert not {"switchboard-lgbt", "galop-lgbt-abuse"} & set(found)
    assert "shelter-helpline" in found or "emmaus-norfolk-waveney" in found


def test_a_garbled_word_beside_a_clear_need_does_not_hide_the_answer(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "hearing aid baterys")[:1] == ["norfolk-deaf-association"]


def test_who_the_message_is_about_does_not_count_as_an_unanswered_need(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "my nan needs meals brought in and someone to check on her")

    assert found[:1] == ["norfolk-meals-at-home"]


# --- issue 13, round 4: what people type that the directory does not say --------------------------------------


@pytest.mark.parametrize(
    ("query", "answers"),
    [("not spoken to a soul in days", {"age-uk-norfolk-befriending", "silver-line"}),
     ("I rattle around the house and weekends are the worst", {"age-uk-norfolk-befriending", "silver-line"}),
     ("mum's not eating properly", {"norfolk-meals-at-home"}),
     ("since I lost my sight I stopped going to the library", {"rnib-helpline", "vision-norfolk"}),
     ("my boyfriend controls all the money", {"national-domestic-abuse-helpline", "leeway-norfolk-helpline"}),
     ("behind on the catalogue", {"stepchange-debt-charity", "national-debtline"}),
     ("the funeral to pay for", {"turn2us", "norfolk-assistance-scheme"}),
     ("the cupboards are bare", {"trussell-help-through-hardship", "norfolk-assistance-scheme"}),
     ("my bathroom needs adapting", {"norfolk-care-and-repair"}),
     ("can't afford heating", {"norfolk-assistance-scheme"}),
     ("money for his care", {"age-uk-norfolk-benefits-check"}),
     ("recently bereaved", {"cruse-helpline", "cruse-norfolk"}),
     ("housebound", {"norfolk-meals-at-home"})],
)  # fmt: skip
def test_idioms_and_lay_words_find_the_help_they_mean(seed_index: SearchIndex, query: str, answers: set[str]) -> None:
    assert answers & set(top_ids(seed_index, query)[:3]), top_ids(seed_index, query)


@pytest.mark.parametrize(
    ("query", "not_meant"),
    [("my son is smoking weed every day", {"smokefree-norfolk"}),
     ("teenager smoking cannabis", {"smokefree-norfolk"}),
     ("the wife's walked out and I'm in bits", {"wellbeing-walks-norwich", "walking-football-norwich"})],
)  # fmt: skip
def test_a_word_means_what_the_phrase_around_it_means(seed_index: SearchIndex, query: str, not_meant: set[str]) -> None:
    assert not not_meant & set(top_ids(seed_index, query)), top_ids(seed_index, query)


def test_a_service_the_person_says_they_do_not_want_sinks_but_the_need_after_it_counts(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "I don't want a food bank, I need help with the bills")
    records = [seed_index.get(service_id) for service_id in found]

    assert not any(r is not None and {"food bank", "foodbank"} & {tag.casefold() for tag in r.tags} for r in records)
    assert any(r is not None and "money" in r.categories for r in records[:2]), found
    assert "wellbeing-norfolk-waveney" not in top_ids(seed_index, "I don't need counselling, I want to get outdoors")


@pytest.mark.parametrize("query", ["hard up and struggling with money", "really struggling for money"])
def test_struggling_with_a_need_is_that_need_not_low_mood(seed_index: SearchIndex, query: str) -> None:
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, query)[:3]]

    assert all(r is not None and r.categories != ("mental_wellbeing",) for r in records), [r and r.id for r in records]
    assert records[0] is not None and "money" in records[0].categories


def test_what_the_persons_day_is_like_is_not_a_need(seed_index: SearchIndex) -> None:
    message = "I work nights at the hospital and now the gas and electric have gone through the roof, I can't pay them"
    found = top_ids(seed_index, message)
    records = [seed_index.get(service_id) for service_id in found]

    assert not any(r is not None and "employment_learning" in r.categories for r in records), found


@pytest.mark.parametrize(
    ("query", "category"),
    [("we're on our uppers", "money"), ("I'm at breaking point", "mental_wellbeing"),
     ("he took out loans in my name", "domestic_abuse")],
)  # fmt: skip
def test_idioms_bring_up_the_right_kind_of_help(seed_index: SearchIndex, query: str, category: str) -> None:
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, query)]

    assert any(r is not None and category in r.categories for r in records), [r and r.id for r in records]


def test_a_group_for_families_leads_only_when_the_message_is_about_someone_else(seed_index: SearchIndex) -> None:
    assert "al-anon" not in top_ids(seed_index, "drinking too much")[:3]
    assert "al-anon" in top_ids(seed_index, "worried about my husband's drinking")


def test_everyday_words_in_a_long_message_and_fillers_do_not_outrank_the_need(seed_index: SearchIndex) -> None:
    message = (
        "My daughter is 23 and has a learning disability. She finished college in the summer and now she just sits "
        "at home all day. She'd love a job or to volunteer and make some friends her own age."
    )

    assert "voluntary-norfolk-volunteering" in top_ids(seed_index, message)
    assert "frank" not in top_ids(seed_index, "made redundant, never done a CV, feel a bit lost to be honest")


def test_an_everyday_word_of_a_long_message_takes_no_first_page_slot_of_its_own(seed_index: SearchIndex) -> None:
    message = (
        "My universal credit has been stopped because I missed an appointment and now I've got no money coming in. "
        "The rent is due on Friday."
    )

    assert "norfolk-assistance-scheme" in top_ids(seed_index, message)


def test_a_terminal_illness_finds_end_of_life_support(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "she is in palliative care")[:1] == ["marie-curie-support-line"]


def test_several_needs_and_no_place_share_the_first_page_between_services_anyone_can_use(
    seed_index: SearchIndex,
) -> None:
    found = top_ids(seed_index, "lost my job and behind on rent")

    assert "shelter-helpline" in found, found
    assert "national-careers-service" in found, found


def test_a_misspelt_place_is_still_the_place(seed_index: SearchIndex) -> None:
    result = seed_index.find("foodbank great yarmoth")
    first = seed_index.get(result.hits[0].service_id)

    assert result.place == "Great Yarmouth"
    assert first is not None and service_covers(list(first.areas), "Great Yarmouth"), first


def test_a_shop_name_is_not_an_abbreviation_and_where_someone_lives_is_not_a_need(seed_index: SearchIndex) -> None:
    message = "My card got declined in Asda and the bailiffs are coming. I live in Norwich."
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, message)]

    assert not any(r is not None and "disability" in r.categories for r in records), [r and r.id for r in records]


@pytest.mark.parametrize("query", ["my brother drinks every day", "my sister drinks too much"])
def test_a_relatives_drinking_finds_help_for_the_family(seed_index: SearchIndex, query: str) -> None:
    assert top_ids(seed_index, query)[:1] == ["al-anon"], top_ids(seed_index, query)


def test_someone_else_worrying_about_the_person_is_not_their_anxiety(seed_index: SearchIndex) -> None:
    message = "I got made redundant and I've never done a CV. The wife is worried about me."
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, message)[:3]]

    assert all(r is not None and "mental_wellbeing" not in r.categories for r in records), [r and r.id for r in records]


def test_what_someone_died_of_is_not_the_need(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "my husband died of a heart attack last month")

    assert found[:1] == ["cruse-helpline"], found
    assert "bhf-heart-helpline" not in found


# --- issue 13, round 5: what people type, read the way they mean it (each failed before it was built) ----------


def test_a_long_story_with_one_named_need_is_answered_despite_its_everyday_detail(seed_index: SearchIndex) -> None:
    message = (
        "My wife was told she has dementia back in the spring. The kids live miles away, the house is a mess, I have "
        "not seen the lads for ages, last week the car was in the garage again, the dog needs the vet and I haven't "
        "had a proper night's sleep since Easter."
    )
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, message)[:3]]

    assert records and all(r is not None and "dementia" in " ".join(r.tags).casefold() for r in records), records


def test_a_long_story_about_nothing_the_directory_does_is_still_told_nothing_fits(seed_index: SearchIndex) -> None:
    message = (
        "We are off to Cornwall in August with the kids and the dog, staying near the beach for a week. My husband "
        "wants to know a good campsite with a pub nearby, somewhere to park the car, and whether the shops open late."
    )

    assert seed_index.find(message).hits == []


@pytest.mark.parametrize("query", ["evicted last week", "got divorced last year and can't pay the bills"])
def test_when_something_happened_is_not_a_need(seed_index: SearchIndex, query: str) -> None:
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, query)]

    assert records and not any(r is not None and "older_people" in r.categories for r in records), records


def test_now_in_a_story_is_not_a_request_for_somewhere_open_now() -> None:
    index, saturday_11am = friday_and_saturday_pantries(), SATURDAY_11AM

    def first(query: str) -> str:
        return index.search(query, now=saturday_11am)[0].service_id

    assert first("I need groceries now") == first("groceries right now") == "saturday"
    assert first("we moved here in May and now we can't afford groceries") == "friday"
    assert first("everything is so dear now, groceries especially") == "friday"
    assert first("I've been buying cheap groceries for years now") == "friday"


@pytest.mark.parametrize(
    ("query", "answer"),
    [("atendence allowence", "attendance-allowance-line"), ("been panicking for weeks", "wellbeing-norfolk-waveney")],
)  # fmt: skip
def test_slips_side_by_side_and_word_forms_are_read_together(seed_index: SearchIndex, query: str, answer: str) -> None:
    assert answer in top_ids(seed_index, query), top_ids(seed_index, query)


def test_a_contraction_is_not_corrected_into_a_directory_word(seed_index: SearchIndex) -> None:
    hits = seed_index.search("support for people who've had a stroke", limit=5)

    assert hits and not any(reason.startswith('read "who') for hit in hits for reason in hit.why), hits


@pytest.mark.parametrize(
    ("query", "category"),
    [("we lost our little girl in the spring", "bereavement"), ("thrown out of the family home", "housing"),
     ("the bailiffs are coming at the end of the week", "money")],
)  # fmt: skip
def test_idioms_are_read_as_a_whole_not_word_by_word(seed_index: SearchIndex, query: str, category: str) -> None:
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, query)]

    assert records and all(r is not None and category in r.categories for r in records[:3]), records
    assert "marie-curie-support-line" not in top_ids(seed_index, "I'll have no gas left by the end of the week")


def test_an_amount_of_money_is_not_a_need_and_borrowing_finds_a_fair_lender(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "could I borrow forty quid till payday")[:1] == ["norfolk-community-credit-union"]


def test_controlling_behaviour_said_in_everyday_words_finds_domestic_abuse_help(seed_index: SearchIndex) -> None:
    records = [seed_index.get(service_id) for service_id in
               top_ids(seed_index, "my husband reads my messages and stops me seeing my family")[:3]]

    assert records and all(r is not None and "domestic_abuse" in r.categories for r in records), records


# --- issue 13, round 5, second pass (each failed before it was built) ------------------------------------------


def test_where_a_long_story_happens_is_not_a_need(seed_index: SearchIndex) -> None:
    message = (
        "I've been really low for months. I sit at the computer all day at the office and cry on the bus home. "
        "My partner keeps asking what's wrong."
    )
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, message)[:3]]

    assert records and all(r is not None and "mental_wellbeing" in r.categories for r in records), records


def test_distress_in_the_small_hours_finds_help_open_then() -> None:
    lines = [
        ServiceRecord(id="day", name="Friendship line", description="A friendly chat for lonely people.",
                      tags=("lonely", "loneliness", "chat"), categories=("loneliness",),
                      opening_hours="Mon-Sun 09:00-17:00"),
        ServiceRecord(id="night", name="Listening line", description="Someone to listen, any time.",
                      tags=("listening",), categories=("mental_wellbeing",), opening_hours="24/7"),
    ]  # fmt: skip
    index = SearchIndex.from_services(lines)
    afternoon = datetime(2025, 6, 7, 15, 0)

    def found(query: str) -> list[str]:
        return [hit.service_id for hit in index.search(query, now=afternoon)]

    assert found("so lonely")[:1] == ["day"]
    assert found("so lonely and it's gone 3am") == ["night", "day"]
    assert found("feeling lonely, it's 2 in the morning")[:1] == ["night"]


def test_a_night_time_message_of_distress_finds_a_line_open_all_night(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "can't stop crying and it's 2 in the morning, everyone's asleep")

    assert {"samaritans", "shout-text"} & set(found[:3]), found
    assert "stepchange-debt-charity" in top_ids(seed_index, "it's 4am, can't sleep for worrying about my debts")


@pytest.mark.parametrize(
    "query",
    ["coach times from lowestoft to norwich", "football scores from saturday",
     "how do i cancel my leisure centre membership", "weather in wells next the sea on sunday"],
)  # fmt: skip
def test_an_everyday_errand_about_a_word_the_directory_knows_is_told_nothing_fits(
    seed_index: SearchIndex, query: str
) -> None:
    assert top_ids(seed_index, query) == []


def test_help_paying_for_an_errand_or_a_need_beside_it_is_still_answered(seed_index: SearchIndex) -> None:
    assert "healthcare-travel-costs" in top_ids(seed_index, "help paying the train fare to my hospital appointment")
    assert "active-norfolk-exercise-referral" in top_ids(seed_index, "gym membership on prescription from my gp")
    assert top_ids(seed_index, "food bank in cromer")
    assert "wellbeing-norfolk-waveney" in top_ids(seed_index, "the weather really gets me down")


@pytest.mark.parametrize(
    ("query", "answer"),
    [("cancer test results", "macmillan-support-line"),
     ("dementia test results", "alzheimers-dementia-connect"),
     ("carers club membership", "carers-matter-norfolk")],
)  # fmt: skip
def test_a_need_an_errand_word_is_about_is_still_a_need(seed_index: SearchIndex, query: str, answer: str) -> None:
    """A test's results are no errand, nor is an errand about a need of its own ("carers club membership")."""
    assert answer in top_ids(seed_index, query)


@pytest.mark.parametrize(
    ("query", "answers"),
    [
        ("so low lately, can't be bothered to do anything at all", {"wellbeing-norfolk-waveney", "mind-infoline"}),
        ("my brother keeps saying we'd all be better off without him", {"samaritans", "shout-text"}),
        ("a man phoned my dad claiming to be from his bank and dad read out his card details",
         {"norfolk-trading-standards-scams"}),
        ("my nan's been a bit unsteady on her pins since the knee op", {"stay-steady-classes"}),
        ("two lads knocked on the door offering to do his roof and he paid them cash, never saw them again",
         {"norfolk-trading-standards-scams"}),
        ("nan's pension just doesn't stretch and she has never claimed anything", {"age-uk-norfolk-benefits-check",
                                                                                 "pension-credit-claim-line"}),
    ],
)  # fmt: skip
def test_lay_ways_of_saying_low_mood_despair_a_scam_unsteadiness_or_a_short_pension_find_that_help(
    seed_index: SearchIndex, query: str, answers: set[str]
) -> None:
    assert answers & set(top_ids(seed_index, query)), top_ids(seed_index, query)


def test_down_as_a_direction_is_not_feeling_down(seed_index: SearchIndex) -> None:
    def moods(query: str) -> list[str]:
        return [meaning.lay.meaning for meaning in seed_index._reader.read(query).meanings]

    assert "low mood or mental health" not in moods("he goes down the allotment most mornings")
    assert "low mood or mental health" not in moods("the council have put her down as fit for work")
    assert "low mood or mental health" in moods("my son is really down and won't leave his room")
    assert "low mood or mental health" in moods("this weather gets me down")
    assert "low mood or mental health" in moods("mum seems down lately")
    assert "low mood or mental health" in moods("my daughter sounds down on the phone")


def test_someone_good_with_his_hands_is_offered_a_workshop(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "since mum died dad just sits about at home, always tinkering with something")

    assert {"gorleston-mens-shed", "dereham-mens-shed"} & set(found), found


def test_a_phrasal_verb_is_not_the_need_its_first_word_names(seed_index: SearchIndex) -> None:
    tablet = top_ids(seed_index, "my dad is hard of hearing and can't work out how to use his new tablet")
    sister = top_ids(seed_index, "fell out with my sister and now I've no one to talk to")

    assert not {"norfolk-library-job-clubs", "national-careers-service"} & set(tablet), tablet
    assert not {"stay-steady-classes", "norfolk-careline-personal-alarm"} & set(sister), sister
    assert "stay-steady-classes" in top_ids(seed_index, "nan fell out of bed again last night")  # that is a fall


def test_a_relative_who_works_full_time_is_not_a_job_search(seed_index: SearchIndex) -> None:
    message = "Mum is 80, home from hospital with a bad chest, her son works full time so can't pop in much."
    found = top_ids(seed_index, message)

    assert not {"jobcentre-plus-norwich", "national-careers-service", "norfolk-library-job-clubs"} & set(found), found


def test_staying_at_a_mates_for_now_is_a_housing_need(seed_index: SearchIndex) -> None:
    found = top_ids(seed_index, "been staying at my mate's since mum threw my stuff out, can't stay there forever")

    assert {"shelter-helpline", "norwich-housing-options", "access-community-trust-housing"} & set(found), found


def test_a_local_citizens_advice_is_found_for_a_landlord_problem_or_a_pip_form(seed_index: SearchIndex) -> None:
    """Every Citizens Advice branch advises on landlords, tenants' rights and PIP forms, not only the national line:
    a tenant or claimant who names their town is offered the branch there."""
    roof = top_ids(seed_index, "my landlord in Diss won't fix the leaking roof and I want to know my rights")
    visits = top_ids(seed_index, "the landlord keeps coming in without asking, we live in Swaffham")
    paperwork = top_ids(seed_index, "need someone in Dereham to go through the PIP paperwork with me")

    assert "citizens-advice-south-norfolk" in roof, roof
    assert "citizens-advice-breckland" in visits, visits
    assert "citizens-advice-breckland" in paperwork, paperwork


def test_thoughts_of_suicide_beside_another_need_put_the_suicide_lines_first(seed_index: SearchIndex) -> None:
    """Loneliness, debt or an eviction beside despair: the lines for suicidal thoughts lead the page (the crisis
    reply comes before the search), and the other need keeps the rest of it."""
    alone = top_ids(seed_index, "nobody ever visits me and honestly I want to end it all")
    debt = top_ids(seed_index, "I'm thousands in debt and there's no point living anymore")
    evicted = top_ids(seed_index, "client is being evicted on Friday and says he will kill himself")

    assert alone[:2] == ["calm-helpline", "samaritans"], alone
    assert debt[:2] == ["calm-helpline", "samaritans"] and "stepchange-debt-charity" in debt, debt
    assert evicted[:2] == ["calm-helpline", "samaritans"] and "shelter-helpline" in evicted, evicted


def test_long_days_missing_the_company_and_curtains_left_shut_are_loneliness(seed_index: SearchIndex) -> None:
    """Lay ways an older person, or a neighbour worried about one, says nobody is around: the days drag, they miss
    the company, the curtains stay shut. They find befriending beside whatever else the message is about."""
    widower = top_ids(seed_index, "since my wife passed the days drag something terrible, I'm 82 and in Fakenham")
    neighbour = top_ids(seed_index, "the old chap over the road, his curtains stay shut most days, never see him out")

    assert "age-uk-norfolk-befriending" in widower and {"cruse-norfolk", "cruse-helpline"} & set(widower), widower
    assert {"age-uk-norfolk-befriending", "silver-line"} <= set(neighbour), neighbour


def test_someone_worried_that_he_hits_her_finds_domestic_abuse_help(seed_index: SearchIndex) -> None:
    """A friend, neighbour or child telling of someone else's abuse ('her husband hits her') says it in the third
    person; 'hits me' alone was known."""
    sister = top_ids(seed_index, "my sister's boyfriend hits her when he's had a drink, what can I do")
    neighbour = top_ids(seed_index, "her curtains stay closed and I think her husband hits her")

    assert "national-domestic-abuse-helpline" in sister, sister
    assert "national-domestic-abuse-helpline" in neighbour, neighbour


def test_a_stillbirth_or_a_miscarriage_finds_help_for_parents_who_lost_a_baby(seed_index: SearchIndex) -> None:
    """Losing a baby before or at birth is the death of a child: a baby-loss line, not only general grief help."""
    stillbirth = top_ids(seed_index, "we had a stillbirth in the spring and I still can't face anyone, nor can she")
    miscarriage = top_ids(seed_index, "had a miscarriage at 20 weeks, where do couples get support after that")

    assert "child-bereavement-uk" in stillbirth, stillbirth
    assert "child-bereavement-uk" in miscarriage, miscarriage


SUICIDE_LINES = {"calm-helpline", "samaritans", "shout-text", "papyrus-hopeline"}


@pytest.mark.parametrize(
    "query",
    ["honestly I just want to end it all", "thinking about ending it, the bank is taking the house",
     "she says she can't go on and wants to end things"],
)
def test_despair_on_its_own_or_beside_another_need_puts_the_suicide_lines_first(
    seed_index: SearchIndex, query: str
) -> None:
    """The words of a despair phrase ("end", "it all") are not needs: no end-of-life service leads, and "ending it"
    or "can't go on" beside a money worry still find the lines first (the crisis reply itself is casework's)."""
    found = top_ids(seed_index, query)

    assert len(found) >= 2 and set(found[:2]) <= SUICIDE_LINES, found
    assert "marie-curie-support-line" not in found[:3], found


def test_self_harm_said_about_a_young_relative_finds_self_harm_help_not_bereavement(seed_index: SearchIndex) -> None:
    """"My daughter cuts herself": the page is for self-harm (the lines, Kooth for young people), and "daughter" does
    not bring up the bereaved parents' line."""
    found = top_ids(seed_index, "found out my daughter has been self harming, who can she talk to")

    assert set(found[:2]) <= SUICIDE_LINES, found
    assert "kooth" in found and "compassionate-friends" not in found, found


def test_who_the_message_is_about_does_not_outrank_what_they_need(seed_index: SearchIndex) -> None:
    """"my son", "my daughter" beside a need word searches a little: the education-plan services lead, not a service
    that happens to name sons and daughters."""
    found = top_ids(seed_index, "my daughter's EHCP review is next month and I need advice")

    assert found and found[0] in {"contact-helpline", "family-voice-norfolk"}, found
    assert "compassionate-friends" not in found[:2], found


def test_a_hospital_named_for_its_town_is_a_hospital(seed_index: SearchIndex) -> None:
    """"The Norfolk and Norwich" and "the N&N" are a hospital in Norwich: a lift there is needed from where the
    person lives (the place named besides), and the letters are not garbled words."""
    lift = top_ids(seed_index, "can anyone give mum a lift to the N&N from Wroxham on Tuesday")
    back = top_ids(seed_index, "dad is coming home from the Norfolk and Norwich on Friday and lives on his own")

    assert lift and {"broadland-community-car-scheme", "nepts-norfolk"} & set(lift[:2]), lift
    assert {"age-uk-norfolk-home-from-hospital", "red-cross-home-from-hospital"} & set(back[:3]), back


@pytest.mark.parametrize(
    ("query", "wanted"),
    [("how do I claim carers allowance", "citizens-advice-adviceline"),
     ("benefit sanction, what are my rights", "citizens-advice-adviceline"),
     ("can I get a debt relief order pls", "national-debtline")],
)
def test_the_generalist_advice_line_answers_everyday_benefit_and_debt_questions(
    seed_index: SearchIndex, query: str, wanted: str
) -> None:
    """Citizens Advice helps with every benefit (Carer's Allowance, sanctions...) and National Debtline with debt
    relief orders; "pls" is no need word."""
    assert wanted in top_ids(seed_index, query), top_ids(seed_index, query)


def test_later_classes_of_round_8(seed_index: SearchIndex) -> None:
    """A fall finds the equipment loan service; English for speakers of other languages finds the ESOL classes, not
    courses in general; 'on the cans' is drinking; with a place named, the town's Citizens Advice office is not
    followed on the first page by the national line of the same organisation."""
    fall = top_ids(seed_index, "my grandad took a tumble and fell in the garden")
    english = top_ids(seed_index, "my english is bad and I want to get a better job")
    cans = top_ids(seed_index, "been on the cans every day since christmas")
    local = top_ids(seed_index, "rent arrears and housing benefit problems, I live in Great Yarmouth")

    assert "norfolk-community-equipment" in fall, fall
    assert "esol-norfolk-adult-learning" in english, english
    assert {"drinkline", "alcoholics-anonymous", "cgl-norfolk"} & set(cans[:3]), cans
    assert "citizens-advice-great-yarmouth" in local and "citizens-advice-adviceline" not in local, local


@pytest.mark.parametrize(
    "query",
    ["my husband has anger issues and I am scared", "he keeps losing his temper with me",
     "he gets handy with me when he's had a drink"],
)  # fmt: skip
def test_someone_harmed_by_anothers_anger_is_led_to_abuse_support_not_the_line_for_people_who_harm(
    seed_index: SearchIndex, query: str
) -> None:
    found = top_ids(seed_index, query)

    assert found[:1] != ["respect-phoneline"], found
    assert {"national-domestic-abuse-helpline", "leeway-norfolk-helpline", "norfolk-idva-service"} & set(found[:3])


def test_someone_who_wants_to_master_their_own_temper_finds_the_line_for_it(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "anger management, I keep losing my temper")[:1] == ["respect-phoneline"]


def test_a_service_offered_instead_of_what_the_person_does_not_want_is_not_sunk_with_it(
    seed_index: SearchIndex,
) -> None:
    """The credit union calls itself "an alternative to payday lenders": not wanting a payday lender asks for it."""
    found = top_ids(seed_index, "is there anywhere to borrow money cheaply that isn't a payday lender?")

    assert found[:1] == ["norfolk-community-credit-union"], found


def test_later_classes_of_round_9(seed_index: SearchIndex) -> None:
    """The bus not coming out to a village is no coming out; a wife who 'passed' is a bereavement; 'too fond of the
    wine' is drinking; not seeing the telly is sight loss; 'kipping in a doorway' is sleeping rough."""
    village = top_ids(seed_index, "no car and the bus doesn't come out to our village")
    passed = top_ids(seed_index, "the mrs passed in the spring")
    wine = top_ids(seed_index, "getting a bit too fond of the wine of an evening")
    telly = top_ids(seed_index, "my nan can't see the telly anymore")
    doorway = top_ids(seed_index, "been kipping in a shop doorway")

    assert not {"switchboard-lgbt", "galop-lgbt-abuse"} & set(village), village
    assert {"cruse-helpline", "cruse-norfolk"} & set(passed[:3]), passed
    assert {"drinkline", "alcoholics-anonymous", "cgl-norfolk"} & set(wine[:3]), wine
    assert {"rnib-helpline", "vision-norfolk"} & set(telly[:3]), telly
    assert {"pathways-norwich-outreach", "shelter-helpline", "norwich-housing-options"} & set(doorway[:3]), doorway


def test_saying_who_one_is_not_does_not_sink_the_services_for_it(seed_index: SearchIndex) -> None:
    """"I'm not the one with the problem" describes the speaker. Al-Anon, for people affected by someone else's
    drinking, names "a drinking problem" in its description and must not sink as if a problem were unwanted."""
    found = top_ids(seed_index, "My husband drinks every night and it's tearing us apart. I'm not the one with the "
                                "problem but I need some support for me.")  # fmt: skip

    assert found[:1] == ["al-anon"], found


def test_a_job_the_person_still_has_is_not_a_need(seed_index: SearchIndex) -> None:
    """"I've still got my job" says what is going right; the first page is for the housing need beside it."""
    found = top_ids(seed_index, "Been sofa surfing since my relationship ended. I've still got my job at the care "
                                "home but I can't afford a deposit for a flat in Norwich.")  # fmt: skip
    job_services = {"jobcentre-plus-norwich", "nsft-individual-placement-support", "norfolk-library-job-clubs",
                    "national-careers-service"}  # fmt: skip

    assert found[:1] == ["norwich-housing-options"], found
    assert not job_services & set(found), found


def test_panic_in_class_asks_for_help_with_the_panic_not_for_a_class(seed_index: SearchIndex) -> None:
    message = ("I keep having panic attacks in class and I have to leave the room. It's been going on since "
               "September and I'm really scared to go back in.")  # fmt: skip
    records = [seed_index.get(service_id) for service_id in top_ids(seed_index, message)[:2]]

    assert records and all(r is not None and "mental_wellbeing" in r.categories for r in records), records


def test_not_wanting_the_gp_keeps_services_people_can_contact_themselves(seed_index: SearchIndex) -> None:
    """NHS Talking Therapies takes GP referrals and self-referrals: "without going through the GP" asks for it."""
    assert top_ids(seed_index, "counselling without going through the GP")[:1] == ["wellbeing-norfolk-waveney"]


def test_a_bare_cant_stop_is_about_the_need_before_it(seed_index: SearchIndex) -> None:
    """"Drinking every night and can't stop": the stopping is of the drinking, not stop-smoking or a betting line."""
    found = top_ids(seed_index, "on the wine every night and I can't stop")

    assert "smokefree-norfolk" not in found and "national-gambling-helpline" not in found, found
    assert top_ids(seed_index, "i want to stop smoking")[:1] == ["smokefree-norfolk"]


@pytest.mark.parametrize("query", ["my partner is abusive", "controlling partner", "my partner hits me",
                                   "my husband is abusive and I've started drinking to cope with it",
                                   "he needs anger management"])  # fmt: skip
def test_someone_harmed_by_a_partner_is_never_shown_the_line_for_people_who_harm(
    seed_index: SearchIndex, query: str
) -> None:
    """Respect's description names "people who are abusive towards their partner": a victim's own words. Hazard H9."""
    found = top_ids(seed_index, query)

    assert "respect-phoneline" not in found, found
    assert {"national-domestic-abuse-helpline", "leeway-norfolk-helpline", "norfolk-idva-service"} & set(found[:3])


@pytest.mark.parametrize("query", ["I keep losing my temper with my wife and I want to change",
                                   "anger managment i keep loosing it with my missus",
                                   "I've been abusive to my girlfriend and I want to stop"])  # fmt: skip
def test_someone_who_speaks_of_harm_they_cause_finds_the_line_for_it(seed_index: SearchIndex, query: str) -> None:
    assert top_ids(seed_index, query)[:1] == ["respect-phoneline"]


def test_browsing_domestic_abuse_lists_the_line_for_people_who_harm_last(seed_index: SearchIndex) -> None:
    listed = [hit.service_id for hit in seed_index.browse("domestic_abuse")]

    assert listed[-1] == "respect-phoneline", listed


@pytest.mark.parametrize("query", ["my husband threatens to kill me", "my dad hits my mum",
                                   "my boyfriend won't let me leave the house", "I'm scared of my son"])  # fmt: skip
def test_a_disclosure_of_abuse_finds_domestic_abuse_support_first(seed_index: SearchIndex, query: str) -> None:
    """Each found nothing, or housing for "won't let me leave the house", before these phrases were added."""
    found = top_ids(seed_index, query)
    first = seed_index.get(found[0]) if found else None

    assert first is not None and "domestic_abuse" in first.categories, found
    assert "respect-phoneline" not in found, found


def test_being_made_to_marry_finds_the_forced_marriage_line_first(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "my family are forcing me to marry")[:1] == ["karma-nirvana"]


def test_someone_who_hit_their_partner_finds_the_line_for_people_who_harm(seed_index: SearchIndex) -> None:
    assert top_ids(seed_index, "I hit my wife last night and I hate myself")[:1] == ["respect-phoneline"]


def test_harm_to_an_older_relative_finds_the_elder_abuse_line(seed_index: SearchIndex) -> None:
    """"Taking advantage of my nan" found nothing; Hourglass answers abuse and neglect of older people."""
    assert top_ids(seed_index, "someone is taking advantage of my nan")[:1] == ["hourglass-helpline"]
    assert "hourglass-helpline" in top_ids(seed_index, "the carers are rough with my nan")[:2]


def test_voices_work_bullying_and_not_eating_find_the_help_they_need(seed_index: SearchIndex) -> None:
    """Each led elsewhere before: voices to a deaf association and a parents' forum, bullying at work to job-search
    services, and "not eating and losing loads of weight" to a weight-loss programme."""
    voices = top_ids(seed_index, "hearing voices")
    bullied = top_ids(seed_index, "i'm being bullied at work")
    not_eating = top_ids(seed_index, "I'm not eating and I'm losing loads of weight")

    assert {"first-response-111-option-2", "rethink-advice"} <= set(voices[:3]), voices
    assert bullied[:1] == ["citizens-advice-adviceline"], bullied
    assert "nhs-diabetes-prevention" not in not_eating, not_eating
    assert {"mind-infoline", "wellbeing-norfolk-waveney"} & set(not_eating[:3]), not_eating


def test_dementia_with_wandering_and_prescription_costs_find_their_help(seed_index: SearchIndex) -> None:
    """"My husband with dementia keeps wandering off" found nothing ("wandering" was unknown and sank the page's
    confidence); "I can't afford my prescriptions" led with Arts on Prescription."""
    wandering = top_ids(seed_index, "my husband with dementia keeps wandering off")
    prescriptions = top_ids(seed_index, "I can't afford my prescriptions")

    assert wandering[:1] == ["alzheimers-dementia-connect"], wandering
    assert "arts-on-prescription-norwich" not in prescriptions, prescriptions


@pytest.mark.parametrize("query", ["my mum can't get about anymore", "I can't go to the shops on my own",
                                   "my nan can't get out anymore"])
def test_words_a_despair_phrase_shares_with_everyday_talk_are_not_read_as_despair(
    seed_index: SearchIndex, query: str
) -> None:
    """"can't ... anymore" and "can't go" are what is left of "I can't do this anymore" and "I can't go on" without
    their small words; alone they are everyday talk. A mother who can't get about is not shown suicide lines first,
    or told her words "mean suicidal thoughts"."""
    hits = seed_index.search(query, limit=5)

    assert hits and hits[0].service_id not in SUICIDE_LINES, [hit.service_id for hit in hits]
    assert not any("suicidal" in reason for hit in hits for reason in hit.why), [hit.why for hit in hits]


@pytest.mark.parametrize("query", ["I don't want to be here anymore", "I don't want to wake up"])
def test_despair_that_starts_with_dont_want_is_not_read_as_refusing_something(
    seed_index: SearchIndex, query: str
) -> None:
    """"don't want" usually says what a person does not want ("I don't want a food bank"); at the start of a despair
    phrase it is the despair. These found nothing at all (and were recorded as unmet need)."""
    found = top_ids(seed_index, query)

    assert len(found) >= 2 and set(found[:2]) <= SUICIDE_LINES, found


def test_everyday_idioms_of_the_tenth_query_set_find_their_help(seed_index: SearchIndex) -> None:
    """Idiom and slang from tests/search_queries_round10.csv, each of which found nothing before round 11."""
    soul = top_ids(seed_index, "some weeks I go days without speaking to a soul")
    bottle = top_ids(seed_index, "my brother has a problem with the bottle")
    flutter = top_ids(seed_index, "can't stop having a flutter, blew my wages at the bookies again")
    meter = top_ids(seed_index, "the meter's run out and we're sat in the dark with the kids")

    assert {"age-uk-norfolk-befriending", "silver-line"} <= set(soul), soul
    assert {"alcoholics-anonymous", "drinkline"} & set(bottle[:2]), bottle
    assert flutter[0] == "national-gambling-helpline", flutter
    assert "norfolk-assistance-scheme" in meter and {"simple-energy-advice", "warm-homes-norfolk"} & set(meter), meter


def test_not_wanting_more_tablets_is_not_a_request_for_a_tablet_computer(seed_index: SearchIndex) -> None:
    """"I don't want more tablets": what follows "don't want" after "more" (as after "a" or "any") is refused."""
    found = top_ids(seed_index, "my anxiety is so bad I get panic attacks in shops. I don't want more tablets, "
                                "I'd like to talk it through properly")

    assert found and not {"tech-pals-age-uk-norfolk", "library-digital-help-norwich", "abilitynet",
                          "get-online-norfolk-device-loan", "learn-my-way"} & set(found), found


def test_a_teenager_shut_in_his_room_and_waiting_for_camhs_finds_help_for_young_people(seed_index: SearchIndex) -> None:
    """A parent's long message about a withdrawn teenager (his room, school, a CAMHS wait) found nothing at all."""
    found = top_ids(seed_index, "My son is 15 and hardly leaves his bedroom, he's stopped going to school. CAMHS "
                                "said the waiting list is months. Is there anything for teenagers in the meantime?")

    assert found and found[0] == "kooth", found


@pytest.mark.parametrize("query", ["he's going to hit me", "he threatened to hit me", "if I say it he'll hit me"])
def test_a_threat_to_hit_is_still_read_as_abuse(seed_index: SearchIndex, query: str) -> None:
    found = top_ids(seed_index, query)

    assert {"national-domestic-abuse-helpline", "leeway-norfolk-helpline"} & set(found[:2]), found


def test_grief_that_is_going_to_hit_is_not_read_as_abuse(seed_index: SearchIndex) -> None:
    """"I think it's all going to hit me" after a death is grief: bereavement help, not the abuse lines first."""
    found = top_ids(seed_index, "My dad died suddenly three weeks ago and I've had to sort everything, the funeral, "
                                "the bank. I haven't cried yet and I think it's all going to hit me.")

    assert found and found[0] in {"cruse-helpline", "cruse-norfolk"}, found
    assert not {"leeway-norfolk-helpline", "norfolk-idva-service", "norfolk-sanctuary-scheme"} & set(found), found


def test_a_small_hour_in_a_story_does_not_make_the_message_a_night_time_one() -> None:
    """"He went out at 3am on Tuesday" tells what happened; "it's 3am" says when the person is writing."""
    assert night_hour("he went out at 3am on Tuesday and the police brought him back") is None
    assert night_hour("I woke at 4am again") is None
    assert night_hour("it's 3am and I can't stop crying") == 3
    assert night_hour("awake at 2am, feel awful") == 2
    assert night_hour("He went to bed. It's 3am and I can't sleep") == 3  # the story ended with its sentence
    assert night_hour("I was crying, it's 3am and nobody is awake") == 3


@pytest.mark.parametrize("query", ["food bank near me", "where can I get a food parcel?"])
def test_with_no_place_named_the_helpline_that_finds_the_nearest_food_bank_leads(
    seed_index: SearchIndex, query: str
) -> None:
    """Five food banks for five different towns mostly show help for somewhere else: the national helpline, which
    answers the same words and finds the nearest one, leads; the local food banks follow. With a place named, that
    place's food bank leads as before."""
    found = top_ids(seed_index, query)
    placed = top_ids(seed_index, query + " in Great Yarmouth")

    assert found[0] == "trussell-help-through-hardship" and "norwich-foodbank" in found, found
    assert placed[0] == "great-yarmouth-foodbank", placed


def test_services_for_different_places_stay_first_when_nothing_wider_answers_as_well(seed_index: SearchIndex) -> None:
    """"lift to hospital": the community transport schemes lead; the travel-costs refund, which covers everyone but
    answers only "hospital", does not jump ahead of them."""
    found = top_ids(seed_index, "lift to hospital")

    assert found[0] != "healthcare-travel-costs" and "norwich-door-to-door" in found, found


def test_a_racing_heart_in_a_panic_and_walking_out_of_class_find_mental_health_help(seed_index: SearchIndex) -> None:
    """"My heart goes mad and I have to walk out" is panic, not a heart condition or a wellbeing walk."""
    found = top_ids(seed_index, "I keep getting panic attacks on the bus and in class, my heart goes mad and I have "
                                "to walk out.")  # fmt: skip
    first = seed_index.get(found[0]) if found else None

    assert first is not None and "mental_wellbeing" in first.categories, found
    assert not {"bhf-heart-helpline", "wellbeing-walks-norwich", "parkrun-norwich"} & set(found[:3]), found


def test_having_stopped_going_out_finds_help_with_mood_and_with_company(seed_index: SearchIndex) -> None:
    """"I've basically stopped going out" after losing a job is low mood (and isolation), not only the job."""
    found = top_ids(seed_index, "since I lost my job I've basically stopped going out")
    categories = [set(record.categories) for record in map(seed_index.get, found[:5]) if record is not None]

    assert any("mental_wellbeing" in held for held in categories), found
    assert any("loneliness" in held for held in categories), found


def test_going_back_to_work_after_a_death_is_the_setting_not_a_need_for_a_job(seed_index: SearchIndex) -> None:
    """"I've gone back to work but I keep breaking down at my desk": the help is for grief, not employment."""
    message = ("My mum passed away at the hospice in Norwich in October. Ive gone back to work but I keep breaking "
               "down at my desk and my manager has suggested I get some support.")  # fmt: skip
    found = top_ids(seed_index, message)
    first = seed_index.get(found[0]) if found else None

    assert first is not None and "bereavement" in first.categories, found


def test_struggling_with_a_task_asks_for_help_with_the_task_not_for_a_crisis_line(seed_index: SearchIndex) -> None:
    """"Struggling with the shopping" at 80 is practical help; "struggling with life" is still low mood."""
    shopping = top_ids(seed_index, "i'm 80 and struggling with the shopping")
    life = [seed_index.get(service_id) for service_id in top_ids(seed_index, "struggling with life")[:2]]

    assert shopping[:1] == ["community-action-norfolk-good-neighbours"], shopping
    assert not {"calm-helpline", "andys-man-club-norwich"} & set(shopping[:3]), shopping
    assert life and all(record is not None and "mental_wellbeing" in record.categories for record in life), life


def test_everyday_words_of_a_lay_phrase_do_not_make_a_service_answer_its_need(seed_index: SearchIndex) -> None:
    """The services that share out the first page must answer each need: holding an everyday word of its phrase
    ("anyone" in "I don't see anyone") is not help with it, so both home-from-hospital services keep a place."""
    found = top_ids(seed_index, "just out of hospital, can't cook for myself and can't get to the shops")

    assert {"age-uk-norfolk-home-from-hospital", "red-cross-home-from-hospital", "norfolk-meals-at-home"} <= set(
        found[:5]
    ), found


def test_words_run_together_with_a_slip_are_read_apart(seed_index: SearchIndex) -> None:
    """"helpwith councultax arrears norwhich" (a small word run on, a slip inside a run-together pair) found nothing
    and was taken for off-topic; it is help with council tax arrears in Norwich."""
    found = top_ids(seed_index, "helpwith councultax arrears norwhich")

    assert found[:2] == ["norwich-council-tax-support", "citizens-advice-norwich"], found


def test_a_home_piled_with_papers_beside_a_smoker_finds_the_fire_safety_visit(seed_index: SearchIndex) -> None:
    """Hoarding told in lay words ("piled floor to ceiling", "smokes in bed") is a fire risk: the free home fire
    safety visit leads, not a night shelter or heating grants."""
    found = top_ids(seed_index, "My uncle's flat in Norwich is piled floor to ceiling with old newspapers and boxes, "
                                "and he smokes in bed. Honestly we're more worried about a fire.")  # fmt: skip

    assert found[:1] == ["norfolk-fire-safe-and-well"], found


def test_every_citizens_advice_office_is_found_for_council_tax_in_its_own_area(seed_index: SearchIndex) -> None:
    """Every local Citizens Advice advises on council tax arrears; only two offices' listings said so, and
    "council tax arrears Dereham" put Breckland's office seventh, behind a talking café."""
    dereham = top_ids(seed_index, "council tax arrears dereham")
    beccles = top_ids(seed_index, "council tax arrears beccles")

    assert "citizens-advice-breckland" in dereham[:2], dereham
    assert beccles[:1] == ["citizens-advice-east-suffolk"], beccles


def test_not_doing_computers_keeps_online_help_off_the_first_page(seed_index: SearchIndex) -> None:
    """"We don't do computers" says how not to be helped: it was read as a need for digital help and put three
    computer courses beside benefits advice for pensioners."""
    found = top_ids(seed_index, "pensioner on a low income, we don't do computers, can someone check what we can claim")
    digital = in_category(seed_index, found, "digital_inclusion")

    assert found[:1] == ["pension-credit-claim-line"] and not digital, found


def test_the_size_of_someones_flat_is_not_a_need_for_a_bed(seed_index: SearchIndex) -> None:
    """"A two bed flat" says where a family lives: it was read as a need for a bed and put the night shelter and
    the furniture grant beside housing advice for a family the landlord wants out."""
    found = top_ids(seed_index, "we rent a two bed flat in Mile Cross and the landlord wants us out")

    assert "norwich-housing-options" in found[:5], found
    assert not {"norfolk-assistance-scheme", "norwich-winter-night-shelter"} & set(found[:5]), found


def test_sight_loss_is_not_a_bereavement(seed_index: SearchIndex) -> None:
    """"Since the wife went I don't see anyone" is grief and loneliness: the sight-loss charity held "loss" (from
    "sight loss") and took the page's place for grief, ahead of the befriending service."""
    found = top_ids(seed_index, "since the wife went i don't see anyone")

    assert "age-uk-norfolk-befriending" in found[:3] and "vision-norfolk" not in found, found
    assert top_ids(seed_index, "sight loss")[:2] == ["vision-norfolk", "rnib-helpline"]


def test_tablets_from_the_doctor_are_medicine_not_a_tablet_computer(seed_index: SearchIndex) -> None:
    """"I've tried tablets from the doctor" in a message about anxiety put an online-skills course first; a person
    asking to borrow a tablet still finds the device schemes."""
    message = ("My anxiety has got so bad I haven't been to the shops in months. I've tried tablets from the doctor "
               "and they helped a bit. I'd like to try a group or a course.")  # fmt: skip
    found = top_ids(seed_index, message)
    digital = in_category(seed_index, found, "digital_inclusion")

    assert found[:1] == ["wellbeing-norfolk-waveney"] and not digital, found
    assert "get-online-norfolk-device-loan" in top_ids(seed_index, "does anyone lend tablets to older people")


def test_how_a_message_was_sent_and_where_someone_gambles_are_not_digital_needs(seed_index: SearchIndex) -> None:
    """"Sent him photos on WhatsApp" and "lost £6k on online slots" put digital-skills sessions on the first page
    of a family's mould problem and a gambler's debts; "a two bed in Mile Cross" put the night shelter there."""
    mould = top_ids(seed_index, "We rent a two bed in Mile Cross off a private landlord. There's black mould all up "
                                "the bedroom wall and my baby keeps getting chesty. I've sent him photos on WhatsApp "
                                "loads of times and he just says open a window.")  # fmt: skip
    slots = top_ids(seed_index, "I've lost about £6k on online slots this year, mostly on credit cards. We live in "
                                "Lowestoft and every card is maxed. I want to stop for good.")  # fmt: skip

    for found in (mould, slots):
        digital = in_category(seed_index, found, "digital_inclusion")
        assert not digital, found
    assert "shelter-helpline" in mould and "norwich-winter-night-shelter" not in mould, mould
    assert "national-gambling-helpline" in slots[:2], slots
    assert "learn-my-way" in top_ids(seed_index, "how do I get on whatsapp")


def test_pay_docked_and_hours_cut_find_advice_on_rights_at_work(seed_index: SearchIndex) -> None:
    """"My employer keeps docking my pay and they cut my hours" found nothing; it is a question of rights at work."""
    assert top_ids(seed_index, "my employer keeps docking my pay and they cut my hours")[:1] == [
        "citizens-advice-adviceline"
    ]


def test_nothing_in_the_fridge_after_a_stay_in_hospital_finds_meals_at_home(seed_index: SearchIndex) -> None:
    """"Nothing in the fridge" is food, not a grant for a new fridge: the meals service belongs beside the
    home-from-hospital help for someone going home alone."""
    found = top_ids(seed_index, "I've been in hospital for six weeks after my operation and I'm being discharged on "
                                "Friday. I live alone in a first floor flat in King's Lynn and there's nothing in the "
                                "fridge, and I won't be able to go shopping for a while.")  # fmt: skip

    assert "norfolk-meals-at-home" in found and "red-cross-home-from-hospital" in found, found


def test_moving_for_a_partners_job_is_the_story_not_a_need_for_work(seed_index: SearchIndex) -> None:
    """"We moved to Thetford for my partner's job" says why the family is there: job clubs took a place on the first
    page of a mother who can't afford the food shop and knows no one."""
    message = ("We moved to Thetford for my partner's job but he's gone now and it's just me and the two kids. I can't "
               "afford the food shop this week and I don't know a soul round here.")  # fmt: skip
    found = top_ids(seed_index, message)
    jobs = in_category(seed_index, found, "employment_learning")

    assert "thetford-community-pantry" in found and not jobs, found


def test_something_to_get_me_out_of_the_house_finds_groups_to_go_to(seed_index: SearchIndex) -> None:
    """Waiting for counselling, "something to get me out of the house" asks for a group to go to: the page led with
    a bereavement service (for "counselling") and offered nothing to go out to."""
    found = top_ids(seed_index, "I've been on the waiting list for counselling through my GP for four months. In the "
                                "meantime I'm feeling really low and would like something to get me out of the house "
                                "a couple of times a week. Not a group where you sit in a circle and talk about "
                                "feelings. I'm in north Norwich.")  # fmt: skip

    groups = {"arts-on-prescription-norwich", "wellbeing-walks-norwich", "nature-wellbeing-group"}
    assert groups & set(found) and found[:1] != ["cruse-norfolk"], found


def test_up_to_my_eyes_in_debt_is_not_about_eyesight(seed_index: SearchIndex) -> None:
    """"In debt up to my eyes" put the sight-loss helpline second."""
    found = top_ids(seed_index, "in debt up to my eyes")

    assert "rnib-helpline" not in found and found[:1] == ["stepchange-debt-charity"], found


def test_an_idioms_words_are_not_searched_on_their_own(seed_index: SearchIndex) -> None:
    """"Can't make ends meet" is money worries: "ends" put the end-of-life support line on the first page."""
    found = top_ids(seed_index, "can't make ends meet")
    end_of_life = [sid for sid in found if sid not in in_category(seed_index, found, "money")]

    assert found[:1] == ["stepchange-debt-charity"] and not end_of_life, found


def test_the_local_drug_and_alcohol_service_is_found_for_staying_off_the_gear(seed_index: SearchIndex) -> None:
    """Change Grow Live runs Norfolk's drug and alcohol recovery service, but its listing never said "recovery":
    "trying to stay off the gear" after prison left it off the first page, and "drink problem" found it fifth."""
    found = top_ids(seed_index, "Got out of prison in August and I'm trying to stay off the gear. Probation are "
                                "alright but I've got too much time on my hands. I'm in King's Lynn.")  # fmt: skip

    assert "cgl-norfolk" in found, found
    assert "cgl-norfolk" in top_ids(seed_index, "drink problem")[:3]


def test_an_age_given_as_my_sons_14_keeps_adult_only_services_off_the_page(seed_index: SearchIndex) -> None:
    """"My son's 14" is an age: adults-only drug services (18+) were offered for a 14-year-old smoking weed."""
    found = top_ids(seed_index, "my son's 14 and I think he's smoking weed, who can I talk to?")
    adults_only = [sid for sid in found if (record := seed_index.get(sid)) and (record.min_age or 0) >= 18]

    assert "matthew-project-young-people" in found and not adults_only, found


def test_citizens_advice_is_offered_for_a_benefits_check(seed_index: SearchIndex) -> None:
    """Citizens Advice checks benefits for anyone, but its listing never said "benefits check": "need help with my
    benifits" put it ninth, behind lines for one benefit each."""
    assert "citizens-advice-adviceline" in top_ids(seed_index, "need help with my benifits")
    assert "citizens-advice-adviceline" in top_ids(seed_index, "benefits check")[:3]
