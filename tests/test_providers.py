"""The provider loop without Telegram, on SQLite and PostgreSQL: provider invites, referring on (consent and the
minimum shared), the provider's answers, the follow-up engine listening to them, capacity and listing checks, and
the responsiveness report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.invites import create_invite, redeem_invite
from casework.models import (
    CantHelpReason,
    CaseEvent,
    ContactRoute,
    Engagement,
    ProviderStatus,
    Referral,
    ReferralOn,
    Role,
    Signposting,
    StaffUser,
)
from casework.providers import (
    answer_buttons,
    may_answer,
    open_contact_details,
    organisation_for,
    provider_organisation,
    providers_of,
    record_provider_answer,
    refer_on,
    referral_on_text,
)
from casework.staff import remove_staff
from core.clock import FrozenClock
from core.db import session_scope
from directory.cards import details_card
from directory.listing import CapacityChoice, fix_field, set_capacity
from directory.models import CapacityChange, Organisation, Service
from directory.record_source import load_records
from directory.revision import current_revision
from directory.rows import RowProblem
from directory.search import SearchFilters, SearchIndex
from directory.vocabulary import Capacity
from reports.export import write_xlsx
from reports.figures import compute_report
from reports.period import Period
from reports.tables import report_tables
from scheduler.compose import Skip, compose, load_contexts
from scheduler.hooks import FollowUpPlanner
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.privacy import anonymise
from scheduler.providers import (
    close_listing_checks,
    owe_answer_to_worker,
    owe_listing_problem,
    owe_referral_on,
    plan_listing_checks,
)
from tests.factories import cipher
from tests.test_followup_support import ADMIN, TUESDAY_10AM, WORKER, make_case, policy

PROVIDER, OTHER_PROVIDER = 5001, 5002
NUMBER = "07700 900123"


def add_provider_world(engine: Engine) -> None:
    """Two organisations, each with a service and a provider, and one with neither; the case's is org-test's."""
    with session_scope(engine) as session:
        session.add_all([Organisation(id="org-test", name="Test Org"), Organisation(id="org-other", name="Other Org"),
                         Organisation(id="org-none", name="Nobody on Signpost")])
        session.flush()
        session.add_all([
            Service(id="svc-ca", organisation_id="org-test", name="Citizens Advice Norwich"),
            Service(id="svc-other", organisation_id="org-other", name="Other Service", last_verified=date(2024, 1, 5)),
            Service(id="svc-nobody", organisation_id="org-none", name="Nobody's service"),
            StaffUser(telegram_user_id=PROVIDER, role=Role.PROVIDER, organisation_id="org-test"),
            StaffUser(telegram_user_id=OTHER_PROVIDER, role=Role.PROVIDER, organisation_id="org-other"),
        ])


def refer(session: Session, referral: Referral, **overrides: object) -> object:
    values: dict[str, object] = {"route": ContactRoute.PHONE, "contact_number": NUMBER,
                                 "need": "help with a benefits form", "hooks": FollowUpPlanner(policy())}
    return refer_on(session, referral, str(overrides.pop("service_id", "svc-ca")), WORKER, Role.LINK_WORKER, cipher(),
                    **(values | overrides))  # type: ignore[arg-type]


def test_a_provider_invite_names_an_organisation_and_joining_scopes_them_to_it(engine: Engine) -> None:
    add_provider_world(engine)
    with session_scope(engine) as session:
        assert organisation_for(session, "svc-ca").id == "org-test"  # a service id names its organisation
        assert organisation_for(session, "org-other").id == "org-other"
        assert organisation_for(session, "nothing-like-it") is None
        with pytest.raises(ValueError):
            create_invite(session, Role.PROVIDER, ADMIN, 72)
        code = create_invite(session, Role.PROVIDER, ADMIN, 72, "org-test")
        joined = redeem_invite(session, code, 6001, "Coordinator")
        assert joined.ok and joined.role == Role.PROVIDER
        assert provider_organisation(session, 6001) == "org-test"
        assert provider_organisation(session, WORKER) is None


def test_refer_on_records_consent_and_shares_only_the_minimum(engine: Engine) -> None:
    add_provider_world(engine)
    case = make_case(engine, signposted=False)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        refused_nobody = refer(session, referral, service_id="svc-nobody")
        assert not refused_nobody.ok and "nobody on Signpost" in refused_nobody.message
        for need, words in [("NHS 943 476 5919, benefits", "leave out numbers"),
                            ("he wants to kill himself", "safeguarding")]:
            refused = refer(session, referral, need=need)
            assert not refused.ok and words in refused.message
        assert session.exec(select(ReferralOn)).all() == []  # refused: nothing recorded
        outcome = refer(session, referral)
        assert outcome.ok and outcome.providers == (PROVIDER,)
        again = refer(session, referral)
        assert not again.ok and "already been referred on" in again.message
        stored = session.exec(select(ReferralOn).where(ReferralOn.service_id == "svc-ca")).one()
        text = referral_on_text(stored, referral, "Citizens Advice Norwich")
        kinds = set(session.exec(select(CaseEvent.kind).where(CaseEvent.referral_id == referral.id)).all())
        signposting = session.exec(select(Signposting).where(Signposting.service_id == "svc-ca")).one()
        planned = {f.kind for f in session.exec(select(FollowUp).where(FollowUp.signposting_id == signposting.id))}
    assert NUMBER not in stored.contact_details_enc and cipher().decrypt(stored.contact_details_enc) == NUMBER
    assert "JS" in text and "help with a benefits form" in text and NUMBER not in text and "Ward 7" not in text
    assert {"referred_on", "consent_to_share", "signposted"} <= kinds
    assert FollowUpKind.ENGAGEMENT_CHECK in planned  # a referral on is a signposting too


def test_only_the_services_own_provider_may_answer_and_answers_follow_the_referral(engine: Engine) -> None:
    add_provider_world(engine)
    case = make_case(engine, signposted=False)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        referral_on = refer(session, referral).referral_on
        assert may_answer(referral_on, "org-test") and not may_answer(referral_on, "org-other")
        assert not may_answer(referral_on, None)
        labels = [label for label, _ in answer_buttons(referral_on)[0]]
        assert labels == ["✅ Accept", "⏳ Waiting list", "✖ Can't help"]
        assert all(len(data.encode()) <= 64 for row in answer_buttons(referral_on) for _, data in row)

        too_soon = record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.FINISHED)
        assert not too_soon.ok and not too_soon.changed
        assert record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.ACCEPTED).changed
        repeat = record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.ACCEPTED)
        assert repeat.ok and not repeat.changed and "Already recorded" in repeat.message
        record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.WAITING, waiting_weeks=4)
        assert record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.WAITING, waiting_weeks=8).changed
        signposting = session.get(Signposting, referral_on.signposting_id)
        assert signposting.engagement == Engagement.WAITING
        record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.CANT_HELP,
                               reason=CantHelpReason.NO_CAPACITY)
        assert answer_buttons(referral_on) == []  # nothing more to say once they can't help
        assert session.get(Signposting, referral_on.signposting_id).engagement == Engagement.NOT_APPROPRIATE
        assert open_contact_details(session, referral_on, PROVIDER, cipher()) == f"Phone call: {NUMBER}"
        viewed = session.exec(select(CaseEvent).where(CaseEvent.kind == "provider_viewed")).one()
    assert viewed.actor_user_id == PROVIDER and NUMBER not in viewed.detail


def test_the_follow_up_engine_hears_the_provider(engine: Engine) -> None:
    """Referral and one chase owed to the provider; no chase and no 'did they engage?' once they have answered."""
    add_provider_world(engine)
    case = make_case(engine, TUESDAY_10AM, signposted=False)
    rules = policy(provider_chase_working_days=3)
    with FrozenClock(TUESDAY_10AM), session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        outcome = refer(session, referral, hooks=FollowUpPlanner(rules))
        referral_on = outcome.referral_on
        owed = owe_referral_on(session, referral_on, referral, "text", outcome.providers, rules)
        again = owe_referral_on(session, referral_on, referral, "text", outcome.providers, rules)
        assert [row.id for row in again] == [row.id for row in owed]  # idempotent
        chase = next(row for row in owed if row.kind == FollowUpKind.PROVIDER_CHASE)
        assert chase.due_at == datetime(2026, 3, 13, 10, 0, tzinfo=UTC)  # three working days on (Friday)
        sent_referral = next(row for row in owed if row.kind == FollowUpKind.PROVIDER_REFERRAL)
        [message] = [compose(c, rules) for c in load_contexts(session, [sent_referral])]
        assert message.chat_id == PROVIDER and message.buttons[0][0][0] == "✅ Accept"

        answer = record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.ACCEPTED)
        notice = owe_answer_to_worker(session, referral, referral_on, answer.update, "Citizens Advice Norwich", rules)
        checks = session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.ENGAGEMENT_CHECK)).all()
        outcomes = [compose(c, rules) for c in load_contexts(session, checks)]
        session.refresh(chase)
    assert notice.recipient_chat_id == WORKER and "accepted" in notice.body
    assert chase.status == FollowUpStatus.CANCELLED
    assert outcomes and all(isinstance(o, Skip) and "provider has answered" in o.reason for o in outcomes)


def test_capacity_from_chat_moves_the_directory_and_reaches_search_and_cards(engine: Engine) -> None:
    add_provider_world(engine)
    before = current_revision(engine)
    with FrozenClock(datetime(2026, 3, 10, 10, tzinfo=UTC)), session_scope(engine) as session:
        service = session.get(Service, "svc-ca")
        assert set_capacity(session, service, CapacityChoice(Capacity.WAITING_LIST, waiting_weeks=6), PROVIDER) == \
            "waiting list, about 6 weeks"
        with pytest.raises(ValueError):
            set_capacity(session, service, CapacityChoice(Capacity.CLOSED, closed_until=date(2026, 3, 1)), PROVIDER)
    assert current_revision(engine).number == before.number + 1
    with FrozenClock(datetime(2026, 3, 13, 9, tzinfo=UTC)):
        [record] = [r for r in load_records(engine) if r.id == "svc-ca"]
        card = details_card(record)
    assert "There is a waiting list (about 6 weeks) — updated 2 days ago." in card
    with session_scope(engine) as session:
        set_capacity(session, session.get(Service, "svc-ca"), CapacityChoice(Capacity.CLOSED), PROVIDER)
        history = session.exec(select(CapacityChange.capacity_status).order_by(col(CapacityChange.id))).all()
    assert history == [Capacity.WAITING_LIST, Capacity.CLOSED]
    index = SearchIndex.from_services(load_records(engine))
    assert index.get("svc-ca").capacity_status == "closed" and index.find("citizens advice", SearchFilters())


def test_a_listing_field_is_fixed_only_with_a_value_an_import_would_accept(engine: Engine) -> None:
    add_provider_world(engine)
    with session_scope(engine) as session:
        service = session.get(Service, "svc-ca")
        with pytest.raises(RowProblem):
            fix_field(session, service, "phone", "not a number", date(2026, 3, 10))
        with pytest.raises(RowProblem):
            fix_field(session, service, "opening_hours", "whenever we feel like it", date(2026, 3, 10))
        assert service.phone == "" and service.last_verified is None  # a refused value changes nothing
        assert fix_field(session, service, "phone", "+44 1603 660146", date(2026, 3, 10)) == "01603 660146"
        assert service.last_verified == date(2026, 3, 10)


def test_listing_checks_ask_once_and_unanswered_ones_reach_the_admins(engine: Engine) -> None:
    add_provider_world(engine)
    rules = policy(listing_check_months=6, listing_check_answer_days=14)
    start = datetime(2026, 3, 10, 10, tzinfo=UTC)
    with FrozenClock(start), session_scope(engine) as session:
        first = plan_listing_checks(session, rules, start)
        assert first.asked == ["svc-ca", "svc-other"] and not first.overdue  # svc-nobody has nobody to ask
        assert plan_listing_checks(session, rules, start).asked == []
        for row in session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.LISTING_CHECK)).all():
            row.status, row.sent_at = FollowUpStatus.SENT, start
            session.add(row)
        session.flush()
        close_listing_checks(session, "svc-ca", "ok")
    later = start + timedelta(days=15)
    with FrozenClock(later), session_scope(engine) as session:
        done = plan_listing_checks(session, rules, later)
        notices = session.exec(select(FollowUp).where(FollowUp.kind == FollowUpKind.LISTING_OVERDUE)).all()
        assert plan_listing_checks(session, rules, later).overdue == []  # each check goes to the admins once
    assert done.overdue == ["svc-other"]
    assert [n.recipient_chat_id for n in notices] == [ADMIN] and "Other Service (svc-other)" in notices[0].body


def test_a_problem_report_goes_to_the_provider_or_else_the_admins(engine: Engine) -> None:
    add_provider_world(engine)
    with session_scope(engine) as session:
        session.add(Organisation(id="org-alone", name="No providers"))
        session.flush()
        session.add(Service(id="svc-alone", organisation_id="org-alone", name="Lonely listing"))
        session.flush()
        to_provider = owe_listing_problem(session, session.get(Service, "svc-ca"), "it has closed", "abc",
                                          date(2026, 3, 10), policy())
        twice = owe_listing_problem(session, session.get(Service, "svc-ca"), "it has closed", "abc",
                                    date(2026, 3, 10), policy())
        to_admins = owe_listing_problem(session, session.get(Service, "svc-alone"), "it has closed", "abc",
                                        date(2026, 3, 10), policy())
    assert [(r.kind, r.recipient_chat_id) for r in to_provider] == [(FollowUpKind.LISTING_CHECK, PROVIDER)]
    assert [r.id for r in twice] == [r.id for r in to_provider]  # the same person, the same day: once
    assert [(r.kind, r.recipient_chat_id) for r in to_admins] == [(FollowUpKind.LISTING_PROBLEM, ADMIN)]


def test_responsiveness_report_per_service_with_small_numbers_suppressed(engine: Engine) -> None:
    add_provider_world(engine)
    cases = [make_case(engine, TUESDAY_10AM, signposted=False) for _ in range(6)]
    with FrozenClock(TUESDAY_10AM) as clock, session_scope(engine) as session:
        referrals_on = [refer(session, session.get(Referral, case.referral_id)).referral_on for case in cases]
        clock.advance(hours=24)
        for referral_on in referrals_on[:5]:
            record_provider_answer(session, referral_on, PROVIDER, ProviderStatus.ACCEPTED)
        clock.advance(hours=24)
        record_provider_answer(session, referrals_on[5], PROVIDER, ProviderStatus.WAITING, waiting_weeks=6)
        record_provider_answer(session, referrals_on[0], PROVIDER, ProviderStatus.ATTENDED)
        data = compute_report(session, Period(date(2026, 3, 1), date(2026, 3, 31)), today=date(2026, 3, 31))
    [row] = data.responsiveness
    assert (row.service, row.referred_on, row.accepted, row.attended) == ("Citizens Advice Norwich", 6, 6, 1)
    assert row.median_hours_to_accept == 24.0
    assert [(p.month, p.median_weeks, p.n) for p in data.waiting_weeks] == [("2026-03", 6.0, 1)]
    internal = {t.title: t for t in report_tables(data)}["Provider responsiveness (referrals on)"]
    shared = {t.title: t for t in report_tables(data, shareable=True)}["Provider responsiveness (referrals on)"]
    assert internal.rows[0][1:6] == (6, 100.0, 100.0, 24.0, 16.7)
    assert shared.rows[0][1] == 5 and shared.rows[0][5] == "suppressed"  # 1 attended of 6: too small to show
    workbook = io.BytesIO()
    write_xlsx(report_tables(data, shareable=True), workbook)
    sheets = load_workbook(io.BytesIO(workbook.getvalue())).sheetnames
    assert any("responsiveness" in name.lower() for name in sheets), sheets


def test_anonymising_a_case_erases_what_was_shared_with_the_provider(engine: Engine) -> None:
    add_provider_world(engine)
    case = make_case(engine, signposted=False)
    with session_scope(engine) as session:
        referral = session.get(Referral, case.referral_id)
        outcome = refer(session, referral)
        owe_referral_on(session, outcome.referral_on, referral,
                        referral_on_text(outcome.referral_on, referral, "Citizens Advice Norwich"), outcome.providers,
                        policy())
        anonymise(session, [referral], "test")
    with session_scope(engine) as session:
        referral_on = session.exec(select(ReferralOn)).one()
        bodies = session.exec(select(FollowUp.body).where(col(FollowUp.kind).in_(
            [FollowUpKind.PROVIDER_REFERRAL, FollowUpKind.PROVIDER_CHASE]))).all()
    assert referral_on.contact_details_enc == "" and referral_on.need == ""
    assert bodies and not any("JS" in (body or "") or "benefits form" in (body or "") for body in bodies)


def test_a_provider_who_leaves_is_removed_like_other_staff(engine: Engine) -> None:
    add_provider_world(engine)
    case = make_case(engine, signposted=False)
    with session_scope(engine) as session:
        referral_on = refer(session, session.get(Referral, case.referral_id)).referral_on
        leaver = session.exec(select(StaffUser).where(StaffUser.telegram_user_id == PROVIDER)).one()
        assert remove_staff(session, leaver.id, ADMIN, (ADMIN,)).ok
        assert provider_organisation(session, PROVIDER) is None
        assert not may_answer(referral_on, provider_organisation(session, PROVIDER))
        assert providers_of(session, "org-test") == []  # new referrals on are no longer offered to the leaver
