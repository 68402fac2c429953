"""Small builders for test data that go through the real domain functions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine

from casework.models import ContactRoute, Referral, Role, Urgency
from casework.referrals import ReferralDraft, claim_case, create_referral, get_referral
from core.crypto import FieldCipher
from core.db import session_scope
from directory.records import ServiceRecord
from directory.search import SearchIndex

TEST_KEY = "q2pC0mFhV3mI8Yt0uX6VJm3gQeQb7mXk0L2p1jZ6s9E="
WARD_NURSE = 2001
LINK_WORKER = 3001
OTHER_LINK_WORKER = 3002


def cipher() -> FieldCipher:
    return FieldCipher(TEST_KEY)


def draft(**overrides: object) -> ReferralDraft:
    values: dict[str, object] = {
        "consent_share": True,
        "consent_gp": True,
        "client_initials": "JS",
        "hospital_ref": "NNUH1234567",
        "ward": "Ward 7 (Elderly care)",
        "reasons": ("money", "loneliness"),
        "urgency": Urgency.ROUTINE,
        "risks": "None known",
        "contact_route": ContactRoute.PHONE,
        "expected_discharge": date(2026, 11, 30),
    }
    values.update(overrides)
    return ReferralDraft(**values)  # type: ignore[arg-type]


def make_referral(engine: Engine, **overrides: object) -> Referral:
    with session_scope(engine) as session:
        return create_referral(session, draft(**overrides), WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher())


def make_claimed_referral(engine: Engine, worker: int = LINK_WORKER, **overrides: object) -> str:
    """A referral claimed by `worker`; its reference."""
    made = make_referral(engine, **overrides)
    with session_scope(engine) as session:
        claim_case(session, get_referral(session, made.reference), worker)
    return made.reference


SATURDAY_11AM = datetime(2025, 6, 7, 11, 0)  # the Saturday pantry is open, the Friday one is not


def friday_and_saturday_pantries() -> SearchIndex:
    """Two pantries alike but for their opening hours: which comes first says whether "open now" counted."""
    return SearchIndex.from_services([
        ServiceRecord(id=day, name=f"{day.title()} Pantry", description="Cheap groceries.", opening_hours=hours)
        for day, hours in (("friday", "Fri 10:00-12:00"), ("saturday", "Sat 10:00-12:00"))
    ])  # fmt: skip
