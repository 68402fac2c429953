"""Languages (issue 17): complete catalogues that keep placeholders and UK numbers, the crisis reply in every
language, crisis phrases in each, and a need vocabulary that finds the right services."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from casework.crisis import CRISIS_LANGUAGES, UK_NUMBERS, Concern, Level, assess, emergency_reply, safety_question
from core.i18n import LOCALE_DIR, choose_language, translator
from core.settings import PROJECT_ROOT, Settings
from directory.multilingual import need_category

SHIPPED = [lang for lang in Settings().languages if lang != "en"]
PLACEHOLDER = re.compile(r"\{\w+\}")


def catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "signpost.po").open("rb") as po:
        return read_po(po)


def template_ids() -> set[str]:
    with (LOCALE_DIR / "signpost.pot").open("rb") as pot:
        return {message.id for message in read_po(pot) if message.id}


def test_every_string_the_code_marks_for_translation_is_in_the_template() -> None:
    """Four marked strings (a listing's capacity words, the report-a-problem button, the /cancel hint) were never
    added to the template, so every language showed them in English."""
    marked = set()
    for package in ("bot", "handlers", "casework", "scheduler", "reports", "directory", "core"):
        found = extract_from_dir(PROJECT_ROOT / package, [("**.py", "python")], keywords={"N_": None, "t": None})
        marked |= {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}

    assert sorted(marked - template_ids()) == []


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_string_is_translated_keeping_placeholders_and_uk_numbers(lang: str) -> None:
    messages = {message.id: message.string for message in catalogue(lang) if message.id}
    assert template_ids() <= set(messages), "run pybabel update and translate the new strings"
    for english, translated in messages.items():
        assert translated, english
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(english)), english
        for number in (*UK_NUMBERS, "07911 123456"):
            assert (number in english) <= (number in translated), (english, translated)


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_crisis_reply_is_in_every_language_with_the_uk_numbers_unchanged(lang: str) -> None:
    for found in (assess("I can't go on"), assess("he hits me and I'm scared to go home"), assess("I was raped")):
        english, translated = emergency_reply(found), emergency_reply(found, translator(lang))
        assert translated != english
        for number in UK_NUMBERS:
            assert (number in english) <= (number in translated), number
        question = safety_question(found, translator(lang))
        assert "116 123" in question and "85258" in question and question != safety_question(found)


@pytest.mark.parametrize(
    ("typed", "concern"),
    [
        ("Chcę umrzeć", Concern.SUICIDE), ("nie chcę już żyć", Concern.SUICIDE),
        ("wzięłam wszystkie tabletki", Concern.OVERDOSE),
        ("Quero morrer", Concern.SUICIDE), ("não quero mais viver", Concern.SUICIDE),
        ("tomei todos os comprimidos", Concern.OVERDOSE),
        ("Noriu mirti", Concern.SUICIDE), ("nenoriu gyventi", Concern.SUICIDE),
        ("Vreau să mor", Concern.SUICIDE), ("nu mai vreau să trăiesc", Concern.SUICIDE),
        ("am luat toate pastilele", Concern.OVERDOSE), ("quiero morir", Concern.SUICIDE),
    ],
)  # fmt: skip
def test_plain_crisis_statements_in_each_language_are_caught(typed: str, concern: Concern) -> None:
    found = assess(typed)
    assert found.level is Level.CLEAR and found.concern is concern


def test_every_shipped_language_has_crisis_phrases_and_english_still_counts() -> None:
    assert set(SHIPPED) <= set(CRISIS_LANGUAGES)
    assert assess("I want to die").level is Level.CLEAR
    for ordinary in ("pomoc z długami", "ajuda com dívidas", "pagalba dėl skolų", "ajutor cu datoriile",
                     "bank żywności w Norwich", "aulas de inglês"):
        assert not assess(ordinary).is_crisis, ordinary


@pytest.mark.parametrize(
    "typed", ["pomoc z długami", "ajuda com dívidas", "pagalba dėl skolų", "ajutor cu datoriile", "ayuda con deudas"]
)
def test_debt_help_in_each_language_means_the_money_services(typed: str) -> None:
    assert need_category(typed) == "money"


def test_the_language_is_the_persons_choice_then_telegrams_then_english() -> None:
    offered = ["en", "pl", "pt", "lt", "ro"]
    assert choose_language("pl", "pt-BR", offered) == "pl"
    assert choose_language("", "pt-BR", offered) == "pt"
    assert choose_language("", "de", offered) == "en"
    assert choose_language("ro", None, ["en", "pl"]) == "en"  # a language no longer offered
    assert translator("xx")("Free") == "Free"  # unknown: English
