"""What the referrer hears back: /status for their own referral, and one line at closure — no clinical detail."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from casework.feedback import NOT_YOURS, referrer_status
from casework.models import ClosureReason, Role
from casework.referrals import claim_case, close_case, get_referral, record_first_contact, signpost_case
from core.db import session_scope
from directory.models import Organisation, Service
from tests.factories import LINK_WORKER, WARD_NURSE, make_referral

LONDON = ZoneInfo("Europe/London")


def _services(engine, *ids: str) -> None:
    with session_scope(engine) as session:
        session.add(Organisation(id="org", name="VCSE"))
        session.add_all([Service(id=sid, organisation_id="org", name=sid) for sid in ids])


def test_status_follows_the_case_for_its_referrer_only(engine) -> None:
    referral = make_referral(engine)
    ref = referral.reference
    with session_scope(engine) as session:
        assert "waiting for a link worker" in referrer_status(session, ref.lower(), WARD_NURSE, LONDON)
        assert referrer_status(session, ref, WARD_NURSE + 1, LONDON) == NOT_YOURS  # someone else's referral
        assert referrer_status(session, "SP-ZZZZZZ", WARD_NURSE, LONDON) == NOT_YOURS
        assert referrer_status(session, "hello", WARD_NURSE, LONDON) == NOT_YOURS
        claim_case(session, get_referral(session, ref), LINK_WORKER)
        assert "picked it up" in referrer_status(session, ref, WARD_NURSE, LONDON)
        record_first_contact(session, get_referral(session, ref), LINK_WORKER, Role.LINK_WORKER)
        line = referrer_status(session, ref, WARD_NURSE, LONDON)
    assert "in contact with the patient" in line
    assert "JS" not in line.replace(ref, "") and "\n" not in line


def test_closure_tells_the_referrer_how_many_services_and_whether_they_engaged(engine) -> None:
    _services(engine, "ca", "walk")
    engaged_case, declined_case = make_referral(engine), make_referral(engine)
    with session_scope(engine) as session:
        for made in (engaged_case, declined_case):
            case = get_referral(session, made.reference)
            claim_case(session, case, LINK_WORKER)
            record_first_contact(session, case, LINK_WORKER, Role.LINK_WORKER)
        case = get_referral(session, engaged_case.reference)
        for service_id in ("ca", "walk"):
            signpost_case(session, case, service_id, LINK_WORKER, Role.LINK_WORKER)
        engaged = close_case(session, case, ClosureReason.ENGAGED, LINK_WORKER, Role.LINK_WORKER)
        declined = close_case(session, get_referral(session, declined_case.reference), ClosureReason.DECLINED,
                              LINK_WORKER, Role.LINK_WORKER)
        status = referrer_status(session, declined_case.reference, WARD_NURSE, LONDON)
    assert engaged.referrer_notice.endswith("connected to 2 services, engaged with support.")
    assert declined.referrer_notice.endswith("(declined); connected to 0 services, did not engage.")
    assert "closed on" in status and "connected to 0 services, did not engage" in status
