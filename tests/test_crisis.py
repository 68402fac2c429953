"""The crisis detector on the labelled sets, on the examples people really write, and the words it answers with.

The floor, over `tests/crisis_messages.csv` (written before the detector), `tests/crisis_holdout.csv` and
`tests/crisis_unseen.csv` (each written after a version of the rules, to see how they generalised: first runs
0.67 and 0.80 recall): at least 95% of crisis messages caught, and at most MAX_FALSE_ALARMS ordinary ones, only at
the gentle level (a false CLEAR would block a search outright, so none is allowed). A false POSSIBLE costs a
person one tap ("I'm safe, carry on"); a miss can cost a life, so the floor on misses is the stricter one.
The old regex list caught about 1 in 5 of these.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from casework.crisis import (
    MISPLACED_RISK,
    RULE_NAMES,
    Assessment,
    Concern,
    Level,
    assess,
    assess_risks,
    emergency_reply,
    referral_guidance,
    risk_flag_note,
    safety_question,
    staff_search_note,
)
from core.settings import DEFAULT_SEED_CSV

HERE = Path(__file__).parent
SETS = (HERE / "crisis_messages.csv", HERE / "crisis_holdout.csv", HERE / "crisis_unseen.csv")
CRISIS_KINDS = {"direct", "indirect", "misspelled", "text_speak", "third_person", "danger_from_others", "overdose",
                "self_harm"}  # fmt: skip
MIN_RECALL = 0.95
MIN_RECALL_PER_KIND = 0.90
MAX_FALSE_ALARMS = 3  # of 351 ordinary messages (under 1%), and only POSSIBLE
MIN_CLEAR_AS_CLEAR = 0.90  # clear danger answered at once, not with a question first


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ALL_ROWS = [row for path in SETS for row in rows(path)]
CRISIS = [row for row in ALL_ROWS if row["label"] == "crisis"]
ORDINARY = [row for row in ALL_ROWS if row["label"] == "ordinary"]


def test_the_labelled_set_is_large_varied_and_consistent() -> None:
    main = rows(SETS[0])
    assert sum(row["label"] == "crisis" for row in main) >= 300
    assert sum(row["label"] == "ordinary" for row in main) >= 150
    assert {row["kind"] for row in main if row["label"] == "crisis"} == CRISIS_KINDS
    assert {row["kind"] for row in main if row["label"] == "ordinary"} >= {
        "tablet", "figurative", "bereavement", "end_of_life", "training", "service_name"}  # fmt: skip
    texts = [row["text"].lower() for row in ALL_ROWS]
    assert len(texts) == len(set(texts)), "no message twice"
    for row in ALL_ROWS:
        assert (row["label"], row["level"] == "none") in {("crisis", False), ("ordinary", True)}, row


def test_recall_and_false_alarms_stay_above_the_floor() -> None:
    missed = [row["text"] for row in CRISIS if not assess(row["text"]).is_crisis]
    alarms = [(row["text"], assess(row["text"])) for row in ORDINARY if assess(row["text"]).is_crisis]
    assert 1 - len(missed) / len(CRISIS) >= MIN_RECALL, missed
    assert len(alarms) <= MAX_FALSE_ALARMS, alarms
    assert all(found.level is Level.POSSIBLE for _, found in alarms), alarms


@pytest.mark.parametrize("kind", sorted(CRISIS_KINDS))
def test_every_kind_of_crisis_is_caught(kind: str) -> None:
    of_kind = [row["text"] for row in CRISIS if row["kind"] == kind]
    missed = [text for text in of_kind if not assess(text).is_crisis]
    assert 1 - len(missed) / len(of_kind) >= MIN_RECALL_PER_KIND, missed


def test_clear_danger_is_answered_at_once_not_asked_about() -> None:
    clear = [row["text"] for row in CRISIS if row["level"] == "clear"]
    asked = [text for text in clear if assess(text).level is not Level.CLEAR]
    assert 1 - len(asked) / len(clear) >= MIN_CLEAR_AS_CLEAR, asked


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("im going to take all my tablets", Level.CLEAR),
        ("i've taken all my tablets", Level.CLEAR),
        ("i dont see the point anymore", Level.POSSIBLE),
        ("everyone would be better off without me", Level.POSSIBLE),
        ("i've been saving up my pills", Level.CLEAR),
        ("there's no way out", Level.POSSIBLE),
        ("i can't go on", Level.POSSIBLE),
        ("sucidal", Level.CLEAR),
        ("i want to kil myself", Level.CLEAR),
        ("kms", Level.CLEAR),
        ("wanna die", Level.CLEAR),
        ("my son says he wants to die", Level.POSSIBLE),
        ("my daughter is cutting herself", Level.POSSIBLE),
        ("he said he'll kill me when he gets home", Level.CLEAR),
        ("not safe at home tonight", Level.POSSIBLE),
        ("I WANT TO DIE", Level.CLEAR),
        ("i want to d\u200bie", Level.CLEAR),  # a zero-width space hidden inside
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", Level.CLEAR),  # full-width letters
        ("I don’t want to live anymore", Level.CLEAR),  # a curly apostrophe
        ("since my brother's suicide i want to die too", Level.CLEAR),  # bereavement does not hide present danger
        ("i'm not suicidal, i just want to die", Level.CLEAR),  # one negation does not hide another sentence
    ],
)
def test_what_people_really_write_is_caught(text: str, level: Level) -> None:
    assert assess(text).level is level


@pytest.mark.parametrize(
    "text",
    [
        "help using my tablet",
        "dying for a cuppa",
        "killing time",
        "this form is killing me",
        "support after my brother's suicide",
        "end of life care for my dad",
        "palliative care support at home",
        "my wife is terminally ill and wants to die at home",
        "suicide prevention training for volunteers",
        "Samaritans",
        "Survivors of Bereavement by Suicide",
        "not safe at home since my fall, need grab rails",
        "i fell and hurt myself last week",
        "i'm not suicidal, i just need help with my rent",
        "i can't go on the bus on my own",
        "no point ringing the council",
        "lonely since my wife died",
        "debt advice",
    ],
)
def test_ordinary_messages_are_not_crisis(text: str) -> None:
    assert assess(text).level is Level.NONE


def test_a_death_by_suicide_is_recognised_as_bereavement() -> None:
    found = assess("support after my brother's suicide")
    assert found.bereavement and not found.is_crisis


@pytest.mark.parametrize(
    "text",
    ["support for families after suicide", "grief after suicide", "my son's death was a suicide",
     "we lost dad and it was suicide", "funeral costs, it was a suicide"],
)  # fmt: skip
def test_a_bereaved_family_is_never_blocked(text: str) -> None:
    """Grief around a suicide may be asked about, never answered with the emergency reply instead of support."""
    assert assess(text).level is not Level.CLEAR


@pytest.mark.parametrize(
    ("text", "someone_else"),
    [("my son says he wants to die", True), ("i want to die", False), ("how do i help my friend who is suicidal", True),
     ("my mum has taken an overdose", True), ("i took an overdose", False)],
)  # fmt: skip
def test_who_it_is_about(text: str, someone_else: bool) -> None:
    assert assess(text).about_someone_else is someone_else


def test_history_is_not_danger_now() -> None:
    assert assess("i used to self harm years ago and want to talk to someone").level is Level.POSSIBLE
    assert assess("i took an overdose in 2019 and i want counselling").level is Level.POSSIBLE
    assert assess("i took an overdose last night").level is Level.CLEAR
    assert assess("my ex used to hit me years ago, i want counselling now").level is Level.NONE


def test_no_service_in_the_directory_is_named_like_a_crisis() -> None:
    """People type services' names to find them: a name must never set off a crisis reply."""
    names = [row[field] for row in rows(DEFAULT_SEED_CSV) for field in ("name", "organisation")]
    assert [name for name in names if assess(name).is_crisis] == []


@pytest.mark.parametrize(
    ("risks", "level", "concern"),
    [
        ("Lives alone, recent fall", Level.NONE, None),
        ("None known", Level.NONE, None),
        ("frail, falls risk, hard of hearing", Level.NONE, None),
        ("Self-harm: cut her arms last week", Level.POSSIBLE, Concern.SELF_HARM),
        ("said he wants to kill himself tonight", Level.CLEAR, Concern.SUICIDE),
        ("denies suicidal ideation", Level.POSSIBLE, Concern.SUICIDE),  # a mention: the worker reads it first
        ("low mood, SI, no plan", Level.POSSIBLE, Concern.SUICIDE),
        ("hx of OD 2019", Level.POSSIBLE, Concern.OVERDOSE),
        ("previous DSH", Level.POSSIBLE, Concern.SELF_HARM),
        ("partner is violent, DV history", Level.POSSIBLE, Concern.HARM_FROM_OTHERS),
    ],
)
def test_referral_risks_are_flagged_when_they_mention_crisis(risks: str, level: Level, concern: Concern | None) -> None:
    found = assess_risks(risks)
    assert (found.level, found.concern) == (level, concern)


EVERY_REPLY = [
    emergency_reply(Assessment(Level.CLEAR, Concern.SUICIDE)),
    emergency_reply(Assessment(Level.CLEAR, Concern.OVERDOSE, about_someone_else=True)),
    emergency_reply(Assessment(Level.CLEAR, Concern.HARM_FROM_OTHERS)),
    safety_question(Assessment(Level.POSSIBLE, Concern.SUICIDE)),
    safety_question(Assessment(Level.POSSIBLE, Concern.SELF_HARM, about_someone_else=True)),
    safety_question(Assessment(Level.POSSIBLE, Concern.HARM_FROM_OTHERS)),
]


@pytest.mark.parametrize("reply", EVERY_REPLY)
def test_every_crisis_reply_gives_the_contacts_and_says_nobody_is_watching(reply: str) -> None:
    for needed in ("call 999", "111", "mental health option", "116 123", "SHOUT to 85258", "not watched by a person"):
        assert needed in reply
    assert len(reply) < 4096


def test_danger_from_someone_else_adds_the_silent_999_and_the_abuse_helpline() -> None:
    reply = emergency_reply(assess("he said he'll kill me when he gets home"))
    assert "press 55" in reply and "0808 2000 247" in reply


def test_the_gentle_check_asks_whether_they_are_safe() -> None:
    assert "are you safe right now?" in safety_question(assess("i dont see the point anymore"))
    assert "is everyone safe right now?" in safety_question(assess("my son says he wants to die"))


def test_staff_guidance_points_to_the_crisis_pathway() -> None:
    guidance = referral_guidance(assess_risks("said he wants to kill himself tonight"))
    assert "not a crisis service" in guidance and "999" in guidance and "flagged" in guidance
    assert "999" in MISPLACED_RISK
    assert staff_search_note("suicide prevention") == ""
    assert staff_search_note("self harm support") == ""
    assert "999" in staff_search_note("client says he will kill himself tonight")
    assert risk_flag_note("", "") == ""
    assert "suicide" in risk_flag_note("clear", "suicide") and "current danger" in risk_flag_note("clear", "suicide")


def test_no_rule_is_dead_weight() -> None:
    """Every rule catches at least one labelled message: a rule nobody exercises is untested."""
    used = Counter(assess(row["text"]).rule for row in CRISIS)
    assert [name for name in RULE_NAMES if name not in used] == []


@pytest.mark.parametrize("text", ["I was raped", "I've been sexually assaulted", "someone spiked me last night",
                                  "i got beaten up outside the pub"])  # fmt: skip
def test_a_disclosure_of_sexual_violence_or_assault_with_no_one_named_asks_if_they_are_safe(text: str) -> None:
    """"I was raped" found nothing: the rules for harm from others needed a person named before the act."""
    found = assess(text)

    assert (found.level, found.concern) == (Level.POSSIBLE, Concern.HARM_FROM_OTHERS)


def test_sexual_violence_long_past_asks_for_support_not_for_safety() -> None:
    assert assess("I was raped years ago and want counselling").level is Level.NONE


@pytest.mark.parametrize("text", ["I was raped", "my uncle raped me", "I've been sexually assaulted",
                                  "my mum's boyfriend touches me",
                                  "he is raping me and I'm locked in the bedroom"])  # fmt: skip
def test_a_disclosure_of_rape_or_sexual_abuse_gets_the_rape_crisis_line_and_childline(text: str) -> None:
    """It got only the domestic abuse helpline: someone who was raped by a stranger, or a child, needs more."""
    found = assess(text)
    reply = emergency_reply(found) if found.level is Level.CLEAR else safety_question(found)

    assert "Rape Crisis" in reply and "0808 500 2222" in reply
    assert "Childline" in reply and "0800 1111" in reply
    assert "0808 2000 247" in reply and len(reply) < 4096


@pytest.mark.parametrize("text", ["my partner hits me", "someone spiked me last night", "i dont see the point anymore",
                                  "my husband threatens to kill me"])  # fmt: skip
def test_other_disclosures_do_not_get_the_sexual_violence_lines(text: str) -> None:
    found = assess(text)

    assert found.is_crisis and "0808 500 2222" not in safety_question(found) + emergency_reply(found)


@pytest.mark.parametrize("text", ["I'm 15 and my stepdad hits me", "im 14 my dad hits me",
                                  "i am only 13 and my brother beats me up"])  # fmt: skip
def test_a_child_harmed_by_someone_gets_childline(text: str) -> None:
    """A 15-year-old hit by a stepfather got only the adult domestic abuse lines."""
    found = assess(text)

    assert "Childline" in safety_question(found) and "0800 1111" in emergency_reply(found)


@pytest.mark.parametrize("text", ["I'm 45 and my husband hits me", "my son is 15 and my husband hits me",
                                  "I am 30 weeks pregnant and he hits me"])  # fmt: skip
def test_an_adult_harmed_by_someone_does_not_get_childline(text: str) -> None:
    found = assess(text)

    assert found.is_crisis and "0800 1111" not in safety_question(found)
