"""Safeguarding RAG: rated at referral (optional), changed by the owning link worker with its history kept, red
flagged where the team looks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from casework import referral_form as form
from casework.models import CaseEvent, Role, Safeguarding
from casework.referrals import claim_case, get_referral, view_case
from casework.safeguarding import change_rating, rating_history, ratings_at_referral
from core.clock import local_today
from core.db import session_scope
from handlers.cases import case_text
from handlers.inbox import _label
from handlers.team import team_text
from reports.figures import compute_report
from reports.period import Period
from reports.tables import report_tables
from reports.text import summary_text
from tests.factories import LINK_WORKER, OTHER_LINK_WORKER, cipher, make_referral

LONDON = ZoneInfo("Europe/London")


def test_the_referrer_rates_on_the_summary_with_one_tap_and_can_untap() -> None:
    data = form.rate_safeguarding({}, "amber")
    assert data["safeguarding"] == "amber"
    assert form.rate_safeguarding(data, "amber")["safeguarding"] == ""  # the same tap again clears it
    with pytest.raises(form.NotAChoice):
        form.rate_safeguarding({}, "purple")


def test_a_red_referral_is_flagged_in_the_team_post_the_inbox_and_the_card(engine) -> None:
    red = make_referral(engine, safeguarding="red")
    plain = make_referral(engine)
    with session_scope(engine) as session:
        red_case, plain_case = get_referral(session, red.reference), get_referral(session, plain.reference)
        assert "🔴 Safeguarding: red" in team_text(red_case)
        assert "Safeguarding" not in team_text(plain_case)
        assert _label(red_case, "routine").startswith("🔴 safeguarding")
        assert "🔴" not in _label(plain_case, "routine")
        card = case_text(view_case(session, red_case, LINK_WORKER, cipher()), {}, ZoneInfo("Europe/London"))
    assert card.splitlines()[0].endswith("🔴") and "Safeguarding: 🔴 Red" in card


def test_the_owner_changes_the_rating_and_every_change_is_kept(engine) -> None:
    made = make_referral(engine, safeguarding="green")
    with session_scope(engine) as session:
        case = get_referral(session, made.reference)
        assert not change_rating(session, case, Safeguarding.RED, LINK_WORKER, Role.LINK_WORKER).ok  # unclaimed
        claim_case(session, case, LINK_WORKER)
        refused = change_rating(session, case, Safeguarding.RED, OTHER_LINK_WORKER, Role.LINK_WORKER)
        assert not refused.ok and "another link worker" in refused.message
        assert change_rating(session, case, Safeguarding.AMBER, LINK_WORKER, Role.LINK_WORKER).ok
        assert change_rating(session, case, Safeguarding.RED, LINK_WORKER, Role.LINK_WORKER).ok
        again = change_rating(session, case, Safeguarding.RED, LINK_WORKER, Role.LINK_WORKER)
        assert again.ok and "stays" in again.message
    with session_scope(engine) as session:
        case = get_referral(session, made.reference)
        assert case.safeguarding == "red"
        history = rating_history(session, case.id)
        assert [(c.old, c.new, c.actor_user_id) for c in history] == [("green", "amber", LINK_WORKER),
                                                                       ("amber", "red", LINK_WORKER)]
        assert ratings_at_referral(session, [case.id], {case.id: "red"}) == {case.id: "green"}
        details = session.exec(select(CaseEvent.detail).where(CaseEvent.kind == "safeguarding")).all()
    assert all(set(d) <= set("greenambrd>") for d in details)  # fixed words only, never patient text


def test_reports_show_ratings_at_referral_now_and_by_month(engine) -> None:
    made = [make_referral(engine, safeguarding=rating) for rating in ("green", "amber", "", "")]
    with session_scope(engine) as session:
        case = get_referral(session, made[0].reference)
        claim_case(session, case, LINK_WORKER)
        change_rating(session, case, Safeguarding.RED, LINK_WORKER, Role.LINK_WORKER)
    today = local_today(LONDON)
    with session_scope(engine) as session:
        data = compute_report(session, Period(today, today), LONDON, today=today)
    figures = data.safeguarding
    assert {c.label: c.n for c in figures.at_referral} == {"🟢 Green": 1, "🟠 Amber": 1, "🔴 Red": 0,
                                                           "Not assessed": 2}
    assert {c.label: c.n for c in figures.now} == {"🟢 Green": 0, "🟠 Amber": 1, "🔴 Red": 1, "Not assessed": 2}
    assert figures.changes == 1 and figures.by_month[0].counts["🔴 Red"] == 1
    expected = "Safeguarding now: 🟢 Green 0 · 🟠 Amber 1 · 🔴 Red 1 · Not assessed 2 (1 rating changes"
    assert expected in summary_text(data)
    shared = {t.title: t for t in report_tables(data, shareable=True)}
    assert shared["Safeguarding RAG"].rows[2] == ("🔴 Red", 0, "<5")  # small cells suppressed when shared
