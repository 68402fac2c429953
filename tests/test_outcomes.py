"""Wellbeing outcomes: one tap per question, skip counts as answered-not-scored, a retap replaces; the report shows
each change with its n and response rate, and never a mean over fewer than 5 cases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from casework.models import CaseStatus, OutcomeAnswer, Referral, Role
from casework.outcomes import LINK_WORKER, NotAQuestion, answered, record_answer, recording_problem
from casework.referrals import get_referral
from core.db import session_scope
from reports.export import write_csv
from reports.figures import compute_report
from reports.period import Period
from reports.suppress import SUPPRESSED
from reports.tables import report_tables
from reports.text import summary_text
from tests.factories import LINK_WORKER as WORKER
from tests.factories import OTHER_LINK_WORKER, make_claimed_referral

LONDON = ZoneInfo("Europe/London")


def test_answers_are_one_per_question_skips_are_kept_and_a_retap_replaces(engine) -> None:
    reference = make_claimed_referral(engine)
    with session_scope(engine) as session:
        case = get_referral(session, reference)
        record_answer(session, case, "ons4", "first_contact", 0, 4, LINK_WORKER, WORKER)
        record_answer(session, case, "ons4", "first_contact", 0, 6, LINK_WORKER, WORKER)  # corrected
        record_answer(session, case, "ons4", "first_contact", 1, None, LINK_WORKER, WORKER)  # skipped
        with pytest.raises(NotAQuestion):
            record_answer(session, case, "ons4", "first_contact", 2, 11, LINK_WORKER, WORKER)
        with pytest.raises(NotAQuestion):
            record_answer(session, case, "ons4", "first_contact", 4, 1, LINK_WORKER, WORKER)
        with pytest.raises(NotAQuestion):
            record_answer(session, case, "swemwbs", "first_contact", 0, 0, LINK_WORKER, WORKER)  # 1-5 only
        assert answered(session, case.id, "ons4", "first_contact") == {"life_satisfaction": 6, "worthwhile": None}
        assert len(session.exec(select(OutcomeAnswer)).all()) == 2


def test_only_the_caseworker_records_and_after_closure_only_for_later_time_points(engine) -> None:
    reference = make_claimed_referral(engine)
    with session_scope(engine) as session:
        case = get_referral(session, reference)
        assert recording_problem(case, "first_contact", WORKER, Role.LINK_WORKER) is None
        assert "another link worker" in recording_problem(case, "closure", OTHER_LINK_WORKER, Role.LINK_WORKER)
        case.status = CaseStatus.CLOSED
        assert recording_problem(case, "6_months", WORKER, Role.LINK_WORKER) is None
        assert recording_problem(case, "first_contact", WORKER, Role.LINK_WORKER) is not None
        assert recording_problem(case, "3_months", OTHER_LINK_WORKER, Role.LINK_WORKER) is not None


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _cohort(engine, paired: int, closed_only: int) -> None:
    """`paired` closed cases answering at first contact (life satisfaction 4) and closure (7); `closed_only` more
    closed cases that answered nothing."""
    with session_scope(engine) as session:
        for number in range(paired + closed_only):
            referral = Referral(reference=f"SP-W{number:05d}", referrer_user_id=1, referrer_chat_id=1,
                                source_ward="W", client_initials="QX", reasons=["money"], consent_gp=True,
                                created_at=utc(2025, 3, 2), first_contact_at=utc(2025, 3, 3),
                                closed_at=utc(2025, 3, 20), status=CaseStatus.CLOSED, claimed_by=WORKER)
            session.add(referral)
            session.flush()
            if number < paired:
                record_answer(session, referral, "ons4", "first_contact", 0, 4, LINK_WORKER, WORKER)
                record_answer(session, referral, "ons4", "closure", 0, 7, LINK_WORKER, WORKER)
                record_answer(session, referral, "ons4", "closure", 3, None, LINK_WORKER, WORKER)


def _report(engine):
    with session_scope(engine) as session:
        return compute_report(session, Period(date(2025, 3, 1), date(2025, 3, 31)), LONDON, today=date(2025, 4, 2))


def test_the_report_shows_each_change_with_n_and_response_rate(engine) -> None:
    _cohort(engine, paired=6, closed_only=4)
    data = _report(engine)
    life = next(row for row in data.wellbeing if row.item == "life satisfaction" and row.end == "Closure")
    assert (life.eligible, life.paired, life.mean_before, life.mean_after, life.mean_change) == (10, 6, 4, 7, 3)
    anxiety = next(row for row in data.wellbeing if row.item == "anxiety" and row.end == "Closure")
    assert anxiety.paired == 0 and anxiety.mean_change is None  # skipped answers are no score
    three_months = next(r for r in data.wellbeing if r.item == "life satisfaction" and r.end.startswith("3 months"))
    assert three_months.eligible == 0  # closed 20 March: nobody has reached 3 months by 2 April
    text = summary_text(data)
    assert "life satisfaction 4.0 → 7.0 (n=6)" in text and "response rate 60% of 10 closed cases" in text
    [table] = [t for t in report_tables(data) if t.title.startswith("Wellbeing")]
    row = next(r for r in table.rows if r[1] == life.question and r[3] == "Closure")
    assert row[4:10] == (10, 6, 60.0, 4.0, 7.0, 3.0)


def test_a_mean_over_fewer_than_5_cases_is_never_shown(engine) -> None:
    _cohort(engine, paired=3, closed_only=4)
    data = _report(engine)
    for shareable in (False, True):
        [table] = [t for t in report_tables(data, shareable) if t.title.startswith("Wellbeing")]
        life = next(r for r in table.rows if r[1].startswith("Overall, how satisfied") and r[3] == "Closure")
        assert life[7:10] == (SUPPRESSED,) * 3
    assert "3 of 7 closed cases answered both (fewer than 5, so no averages are shown)" in summary_text(data)
    buffer = io.StringIO()
    write_csv(report_tables(data, True), buffer)
    cells = [cell for line in csv.reader(io.StringIO(buffer.getvalue())) for cell in line]
    assert "<5" in cells and "4.0" not in cells
