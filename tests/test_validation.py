"""What ward staff type is checked kindly and cleaned."""

from datetime import date

import pytest

from casework import validation as v
from casework.crisis import suggests_crisis


@pytest.mark.parametrize(("raw", "expected"), [("js", "JS"), ("J.S.", "JS"), (" a b ", "AB"), ("Zoë", "ZOË")])
def test_initials_are_cleaned(raw: str, expected: str) -> None:
    assert v.initials(raw) == expected


@pytest.mark.parametrize("raw", ["John Smith", "J5", "", "   ", None, "ABCDE", "\u202eJS"[0:1] + "12"])
def test_bad_initials_get_a_kind_reason(raw) -> None:
    with pytest.raises(v.InputProblem) as problem:
        v.initials(raw)
    assert str(problem.value)


def test_valid_nhs_number_with_spaces() -> None:
    assert v.nhs_number("943 476 5919") == "9434765919"


@pytest.mark.parametrize("raw", ["9434765918", "12345", "abcdefghij"])
def test_invalid_nhs_numbers_are_refused(raw: str) -> None:
    with pytest.raises(v.InputProblem):
        v.nhs_number(raw)


def test_invisible_and_control_characters_are_removed() -> None:
    assert v.short_text("Ward\u200b 7\u0000\u202e", "Ward") == "Ward 7"


def test_overlong_text_is_refused_with_the_limit() -> None:
    with pytest.raises(v.InputProblem, match="500"):
        v.free_text("x" * 501, "That")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("today", date(2026, 11, 23)), ("tomorrow", date(2026, 11, 24)), ("28/11", date(2026, 11, 28)),
     ("3/1", date(2027, 1, 3)), ("28/11/2026", date(2026, 11, 28)), ("not known", None)],
)
def test_discharge_dates(raw: str, expected) -> None:
    assert v.discharge_date(raw, date(2026, 11, 23)) == expected


@pytest.mark.parametrize("raw", ["31/02/2026", "01/01/2030", "next week-ish", "💊"])
def test_bad_discharge_dates(raw: str) -> None:
    with pytest.raises(v.InputProblem):
        v.discharge_date(raw, date(2026, 11, 23))


@pytest.mark.parametrize(
    "text", ["I want to kill myself", "thinking about suicide", "I've been self-harming", "I want to die",
             "I don’t want to live anymore", "took an overdose"],
)
def test_crisis_messages_are_spotted(text: str) -> None:
    assert suggests_crisis(text)


@pytest.mark.parametrize("text", ["debt advice", "lonely since my wife died", "help with PIP form", "killing time"])
def test_ordinary_needs_are_not_crisis(text: str) -> None:
    assert not suggests_crisis(text)


def test_crisis_words_are_spotted_through_invisible_characters() -> None:
    assert suggests_crisis("i want to d\u200bie")


@pytest.mark.parametrize("raw", ["?!...", "---///", "👨‍👩‍👧", "*_[`"])
def test_answers_without_letters_or_digits_are_asked_again(raw: str) -> None:
    with pytest.raises(v.InputProblem, match="letters or numbers"):
        v.short_text(raw, "The ward name")
    with pytest.raises(v.InputProblem):
        v.hospital_reference(raw)


@pytest.mark.parametrize("raw", ["28/11", "30/11/2026", "24/11", "1/7/2026"])
def test_past_discharge_dates_are_refused(raw: str) -> None:
    with pytest.raises(v.InputProblem, match="already passed"):
        v.discharge_date(raw, date(2026, 12, 1))


def test_leap_day_that_rolls_into_a_non_leap_year_is_asked_again() -> None:
    with pytest.raises(v.InputProblem):
        v.discharge_date("29/02", date(2028, 6, 1))
