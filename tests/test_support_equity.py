"""Support given and equity: one tap per answer (the district typed, only the district kept); reports by group are
suppressed below 5 in every export; sessions, time, first contact by urgency, not appropriate and bounced."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from casework.models import ClosureReason, Role, SupportContact, SupportPlan, Urgency
from casework.referrals import close_case, get_referral, record_first_contact
from casework.support import district, log_contact, plan_lines, plan_of, record_equity, save_plan
from casework.validation import InputProblem
from core.clock import local_today
from core.db import session_scope
from reports.figures import compute_report
from reports.period import Period
from reports.tables import report_tables
from reports.text import summary_text
from scheduler.privacy import anonymise
from tests.factories import LINK_WORKER, OTHER_LINK_WORKER, cipher, make_claimed_referral

LONDON = ZoneInfo("Europe/London")


def test_only_the_postcode_district_is_kept() -> None:
    assert district(" nr2 ") == "NR2"
    assert district("NR2 4AB") == "NR2"
    assert district("nr30 2ab") == "NR30"
    for bad in ("Norwich", "12345", "NR"):
        with pytest.raises(InputProblem):
            district(bad)


def test_equity_and_sessions_are_recorded_by_the_caseworker_only(engine) -> None:
    reference = make_claimed_referral(engine)
    with session_scope(engine) as session:
        case = get_referral(session, reference)
        assert not record_equity(session, case, "gender", "woman", OTHER_LINK_WORKER, Role.LINK_WORKER).ok
        assert record_equity(session, case, "gender", "woman", LINK_WORKER, Role.LINK_WORKER).ok
        assert record_equity(session, case, "ethnicity", "prefer_not", LINK_WORKER, Role.LINK_WORKER).ok
        for forged in (("gender", "robot"), ("postcode_district", "NR2 4AB"), ("nhs_number_enc", "x")):
            with pytest.raises(ValueError):
                record_equity(session, case, *forged, LINK_WORKER, Role.LINK_WORKER)
        assert log_contact(session, case, "phone", 30, LINK_WORKER, Role.LINK_WORKER).ok
        with pytest.raises(ValueError):
            log_contact(session, case, "phone", 7, LINK_WORKER, Role.LINK_WORKER)
        with pytest.raises(ValueError):
            log_contact(session, case, "telepathy", 30, LINK_WORKER, Role.LINK_WORKER)
    with session_scope(engine) as session:
        case = get_referral(session, reference)
        assert (case.gender, case.ethnicity) == ("woman", "prefer_not")
        assert [(c.mode, c.minutes) for c in session.exec(select(SupportContact))] == [("phone", 30)]


def test_reports_show_support_and_reach_with_small_groups_suppressed(engine) -> None:
    references = [make_claimed_referral(engine, urgency=Urgency.URGENT if n < 2 else Urgency.ROUTINE,
                           hospital_ref="NNUH999" if n == 0 else f"NNUH10{n}") for n in range(6)]
    with session_scope(engine) as session:
        for number, reference in enumerate(references):
            case = get_referral(session, reference)
            record_first_contact(session, case, LINK_WORKER, Role.LINK_WORKER)
            record_equity(session, case, "gender", "woman" if number < 5 else "man", LINK_WORKER, Role.LINK_WORKER)
            log_contact(session, case, "visit" if number else "phone", 60, LINK_WORKER, Role.LINK_WORKER)
        close_case(session, get_referral(session, references[1]), ClosureReason.NOT_APPROPRIATE, LINK_WORKER,
                   Role.LINK_WORKER)
        close_case(session, get_referral(session, references[0]), ClosureReason.ENGAGED, LINK_WORKER, Role.LINK_WORKER)
    make_claimed_referral(engine, hospital_ref="NNUH999")  # the first client, referred again after their case closed
    today = local_today(LONDON)
    with session_scope(engine) as session:
        data = compute_report(session, Period(today, today), LONDON, today=today)
    support = data.support
    assert (support.sessions, support.cases_with_sessions, support.minutes, support.bounced) == (6, 6, 360, 1)
    assert {label: w.n for label, w in support.first_contact_by_urgency}["Urgent (1 working day)"] == 2
    assert [(c.label, c.n) for c in support.not_appropriate_by_reason] == [("Loneliness / isolation", 1),
                                                                           ("Money, debt, benefits", 1)]
    tables = {t.title: t for t in report_tables(data)}
    equity = {(r[0], r[1]): r[2:] for r in tables["Referrals and engagement by equity group"].rows}
    assert equity[("Gender", "Woman")][0] == 5 and equity[("Gender", "Man")] == ("<5", 0, 0, "n/a")
    assert equity[("Gender", "Not recorded")][0] == "<5"  # even in the internal export
    support_rows = dict(tables["Support given"].rows)
    assert support_rows["Time spent (hours)"] == 6.0 and support_rows["Sessions by visit"] == 5
    text = summary_text(data)
    assert "Support: 6 sessions logged for 6 cases, 6.0 hours; bounced (referred again after closing): 1" in text
    assert "Gender: Woman 5 · Man <5 · Not recorded <5" in text


def test_a_support_plan_is_encrypted_shown_to_the_caseworker_only_and_erased_on_anonymisation(engine) -> None:
    reference = make_claimed_referral(engine)
    review = date(2027, 1, 5)
    with session_scope(engine) as session:
        case = get_referral(session, reference)
        assert not save_plan(session, case, "x", [], None, OTHER_LINK_WORKER, Role.LINK_WORKER, cipher()).ok
        with pytest.raises(ValueError):
            save_plan(session, case, "x", ["a", "b", "c", "d"], None, LINK_WORKER, Role.LINK_WORKER, cipher())
        assert save_plan(session, case, "Getting back to the allotment", ["Walk to the shop", "Call my sister"],
                         review, LINK_WORKER, Role.LINK_WORKER, cipher()).ok
    with session_scope(engine) as session:
        stored = session.get(SupportPlan, get_referral(session, reference).id)
        assert "allotment" not in stored.what_matters_enc and "sister" not in str(stored.goals_enc)
        lines = plan_lines(plan_of(session, stored.referral_id, cipher()))
        assert lines == ["Support plan — what matters: Getting back to the allotment", "   1. Walk to the shop",
                         "   2. Call my sister", "   Review: 05/01/2027"]
        today = local_today(LONDON)
        data = compute_report(session, Period(today, today), LONDON, today=today)
        assert (data.support.plans, data.support.plan_goals) == (1, 2)  # counted, never the words
        anonymise(session, [get_referral(session, reference)], "test")
    with session_scope(engine) as session:
        assert session.exec(select(SupportPlan)).all() == []
