"""Issue 17 without Telegram: cards in plain words, services told apart, and the rough edges smoothed."""

from __future__ import annotations

from casework.signposting import service_label
from directory.cards import details_card, readable_hours, short_card, summary_of
from directory.records import ServiceRecord

LONG = (
    "Free, confidential advice on debt, benefits, housing, employment and consumer problems, including "
    "counselling and carers' support groups across the whole county of Norfolk. Call us."
)


def test_a_long_description_is_cut_at_a_word_with_an_ellipsis_and_a_short_one_kept_whole() -> None:
    cut = summary_of(LONG)
    assert cut.endswith("…") and len(cut) <= 140
    assert LONG.startswith(cut[:-1]) and LONG[len(cut) - 1] == " "  # ends where a word ended
    assert summary_of("Weekly café. Run by volunteers.") == "Weekly café."
    assert summary_of("A lunch club for over 60s") == "A lunch club for over 60s."


def test_waiting_times_and_opening_times_read_naturally() -> None:
    one = ServiceRecord(id="a", name="Talking therapies", capacity_status="waiting_list", waiting_weeks=1,
                        opening_hours="Mon-Fri 09:00-17:00; Sat 10:00-12:30")
    card = details_card(one)
    assert "(about 1 week)" in card and "weeks" not in card
    assert "Opening times: Mon–Fri 9am–5pm; Sat 10am–12:30pm" in card
    assert "about 3 weeks" in short_card(1, ServiceRecord(id="b", name="B", capacity_status="waiting_list",
                                                          waiting_weeks=3))
    assert readable_hours("Tue,Thu 12:00-23:59") == "Tue, Thu noon–midnight"


def test_services_with_the_same_name_are_told_apart_by_organisation_and_town() -> None:
    diss = ServiceRecord(id="a", name="Men's Shed", organisation_name="Diss Community Trust", town="Diss")
    yarmouth = ServiceRecord(id="b", name="Men's Shed", organisation_name="Age UK", town="Great Yarmouth")
    assert service_label(diss) == "Men's Shed — Diss Community Trust, Diss"
    assert service_label(diss) != service_label(yarmouth)
    assert len(service_label(ServiceRecord(id="c", name="N" * 50, organisation_name="O" * 50))) <= 64


def test_the_client_check_in_gives_the_team_number_to_call_in_their_language() -> None:
    from core.i18n import translator
    from scheduler.messages import client_buttons, client_prompt

    text = client_prompt("Citizens Advice", reminder=False, phone="01632 960 010")
    assert "Citizens Advice" in text and "01632 960 010" in text and "/stopcheckins" in text
    polish = client_prompt("Citizens Advice", reminder=False, phone="01632 960 010", t=translator("pl"))
    assert polish != text and "01632 960 010" in polish and "Citizens Advice" in polish
    assert client_buttons(7, translator("pl"))[0][0][0] == "Tak"


def seed_records(count: int) -> list[ServiceRecord]:
    """The longest-described services of the seed directory (the hardest to fit on one page)."""
    import csv

    from core.settings import DEFAULT_SEED_CSV

    with open(DEFAULT_SEED_CSV, encoding="utf-8") as seed:
        rows = sorted(csv.DictReader(seed), key=lambda row: -len(row["description"]))
    return [ServiceRecord(id=row["id"], name=row["name"], organisation_name=row["organisation"],
                          description=row["description"], phone=row["phone"], url=row["url"],
                          opening_hours=row["opening_hours"], categories=tuple(row["categories"].split("|")),
                          access_methods=tuple(row["access_methods"].split("|")), referral_route=row["referral_route"])
            for row in rows[:count]]


def test_the_handout_is_one_large_print_page_for_five_services_with_what_to_say() -> None:
    import io

    from pypdf import PdfReader

    from directory.handout import BODY_PT, handout_pdf

    services = seed_records(5)
    reader = PdfReader(io.BytesIO(handout_pdf(services, "01632 960 010")))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert BODY_PT >= 14
    for record in services:
        assert record.name in text
        assert not record.phone or record.phone in text
    flat = " ".join(text.split())
    for record in services:
        assert " ".join(record.description.split()[:4]) in flat  # what it does
    assert flat.count("When you call, you could say") == 5 and flat.count("How to get help") == 5
    assert "Open: Mon–Fri 9am–5pm" in flat  # times as people read them
    assert "01632 960 010" in flat and "999" in flat


def test_count_axes_have_whole_number_ticks() -> None:
    from dataclasses import replace

    from matplotlib.figure import Figure

    from reports.chart import _months, _reasons
    from reports.data import Count
    from tests.test_reports_output import sample_report

    data = replace(sample_report(), by_reason=[Count("Housing", 2), Count("Money", 1)], referrals=3,
                   by_month=[Count("2025-03", 3)])
    reasons, months = Figure().subplots(2, 1)
    _reasons(reasons, data)
    _months(months, data)
    for ticks in (reasons.get_xticks(), months.get_yticks()):
        assert len(ticks) > 1 and all(float(tick).is_integer() for tick in ticks), ticks
