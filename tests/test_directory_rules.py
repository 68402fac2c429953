"""The value rules every directory import shares: real UK postcodes, phone numbers and monthly opening hours."""

from __future__ import annotations

from datetime import datetime

import pytest

from directory.opening_hours import is_open, parse_monthly, parse_opening_hours
from directory.oruk.languages import language_code, language_name
from directory.rows import RowProblem, check_opening_hours, normalise_phone, normalise_postcode


@pytest.mark.parametrize(("typed", "written"), [
    ("nr2 1tf", "NR2 1TF"), ("GIR 0AA", "GIR 0AA"), ("gir0aa", "GIR 0AA"), ("EC1A 1BB", "EC1A 1BB"),
    ("W1A 0AX", "W1A 0AX"), ("m1 1ae", "M1 1AE"), ("DN55 1PT", "DN55 1PT"), ("CR2 6XH", "CR2 6XH"), ("", ""),
])
def test_real_postcodes_are_written_the_royal_mail_way(typed: str, written: str) -> None:
    assert normalise_postcode(typed) == written


@pytest.mark.parametrize("typed", ["QQ1 1QQ", "V1 1AA", "AA1 1AA", "NR1 1CI", "NR2", "12345", "EC1I 1BB",
                                   "NR2 1TFF"])
def test_things_that_look_like_postcodes_but_are_not(typed: str) -> None:
    with pytest.raises(RowProblem, match="not a UK postcode"):
        normalise_postcode(typed)


@pytest.mark.parametrize(("typed", "written"), [
    ('"+44 1234 234567"', "01234 234567"), ("+441632960001", "01632 960001"), ("01234234567", "01234 234567"),
    ("0808 2000 247", "0808 2000 247"), ("116 123", "116 123"), ("116123", "116 123"), ("111", "111"),
    ("999", "999"), ("85258", "85258"), ("07700 900123", "07700 900123"), ("(01632) 960123", "01632 960123"),
    ("+1 212 736 5000", "+1 212-736-5000"), ("", ""),
])
def test_phone_numbers_are_read_and_written_as_people_dial_them(typed: str, written: str) -> None:
    assert normalise_phone(typed) == written


@pytest.mark.parametrize("typed", ["ring reception", "(555) 010 0199", "12345", "0123 456", "+44 1234"])
def test_junk_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(RowProblem, match="phone number"):
        normalise_phone(typed)


def test_monthly_opening_hours_are_understood_and_checked() -> None:
    text = "Tue,Thu 10:00-12:00; 2nd Mon 14:00-16:00; 1st,3rd Wed 10:00-12:00; last Fri 10:00-12:00"
    assert check_opening_hours(text) == text
    assert [str(slot) for slot in parse_monthly(text)] == [
        "last Fri 10:00-12:00", "1st Wed 10:00-12:00", "2nd Mon 14:00-16:00", "3rd Wed 10:00-12:00"]
    assert len(parse_opening_hours(text)) == 2  # only the weekly groups are weekly slots
    with pytest.raises(RowProblem):
        check_opening_hours("6th Mon 10:00-12:00")


@pytest.mark.parametrize(("when", "open_"), [
    (datetime(2026, 12, 14, 15, 0), True),  # the 2nd Monday of December 2026
    (datetime(2026, 12, 7, 15, 0), False),  # the 1st Monday
    (datetime(2026, 12, 14, 16, 0), False),  # closed at 16:00
    (datetime(2026, 12, 25, 11, 0), True),  # the last Friday
    (datetime(2026, 12, 18, 11, 0), False),
])
def test_a_monthly_group_is_open_only_on_its_day(when: datetime, open_: bool) -> None:
    assert is_open("2nd Mon 14:00-16:00; last Fri 10:00-12:00", when) is open_


def test_languages_get_iso_codes_and_codes_get_names() -> None:
    assert [language_code(name) for name in ("Polish", "BSL", "English", "Easy Read")] == ["pl", "bfi", "en", None]
    assert (language_name("pl"), language_name("bfi"), language_name("zz")) == ("Polish", "British Sign Language",
                                                                                None)
