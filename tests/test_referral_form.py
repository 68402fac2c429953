"""The referral form engine without Telegram: answers checked, identifiers encrypted at once, the form submitted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from casework import referral_form as form
from casework.models import Referral, Role, StaffUser
from casework.validation import InputProblem
from core.db import session_scope
from tests.factories import WARD_NURSE, cipher

TODAY = date(2026, 12, 1)
COMPLETE = {
    "consent": "yes", "consent_gp": "no", "initials": "JS", "ward": "Ward 7", "reasons": ["money"],
    "urgency": "urgent", "contact_route": "phone", "discharge": "2026-12-03",
}  # fmt: skip


def filled(**secrets: str) -> dict:
    key = cipher()
    plain = {"hospital_ref": "NNUH123", "nhs_number": "", "risks": "None known"} | secrets
    return COMPLETE | {name: key.encrypt(value) for name, value in plain.items()}


def test_the_questions_run_consent_first_and_end_with_the_summary() -> None:
    keys = [step.key for step in form.STEPS]
    assert keys[0] == "consent" and keys[-1] == "confirm"
    assert form.next_step("consent") == "consent_gp"
    assert [form.next_step(key) for key in keys[:-1]] == keys[1:]


def test_identifiers_are_stored_encrypted_as_soon_as_they_are_answered() -> None:
    data = form.answer("hospital_ref", " nnuh 123 ", {}, TODAY, cipher(), typed=True)
    assert "NNUH123" not in str(data)
    assert cipher().decrypt(data["hospital_ref"]) == "NNUH123"


def test_a_typed_answer_we_cannot_use_is_refused_kindly_and_changes_nothing() -> None:
    before = {"consent": "yes"}
    with pytest.raises(InputProblem, match="valid NHS number"):
        form.answer("nhs_number", "1234567890", before, TODAY, cipher(), typed=True)
    assert before == {"consent": "yes"}


def test_a_button_the_step_does_not_offer_is_not_a_choice() -> None:
    with pytest.raises(form.NotAChoice):
        form.answer("urgency", "critical", {}, TODAY, cipher(), typed=False)
    with pytest.raises(form.NotAChoice):
        form.answer("initials", "JS", {}, TODAY, cipher(), typed=False)  # a typed step has no buttons
    assert form.answer("ward", "Ward 7", {}, TODAY, cipher(), typed=False)["ward"] == "Ward 7"  # remembered ward


def test_no_consent_records_nothing() -> None:
    with pytest.raises(form.NoConsent):
        form.answer("consent", "no", {}, TODAY, cipher(), typed=False)


def test_reasons_are_ticked_and_unticked_and_at_least_one_is_needed() -> None:
    data = form.toggle_reason({}, "money")
    data = form.toggle_reason(data, "housing")
    assert form.toggle_reason(data, "money")["reasons"] == ["housing"]
    with pytest.raises(form.NotAChoice):
        form.toggle_reason(data, "../../etc/passwd")
    with pytest.raises(InputProblem, match="at least one reason"):
        form.check_reasons({"reasons": []})


def test_the_summary_shows_the_nurse_what_she_entered() -> None:
    text = form.summary(filled(nhs_number="9434765919"), cipher())
    assert "NNUH123" in text and "9434765919" in text and "Urgent (1 working day)" in text
    assert "03/12/2026" in text


def test_submitting_creates_the_referral_and_remembers_the_ward(engine) -> None:
    with session_scope(engine) as session:
        session.add(StaffUser(telegram_user_id=WARD_NURSE, role=Role.WARD_STAFF))
    with session_scope(engine) as session:
        referral = form.submit(session, filled(), WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher(), None)
        reference = referral.reference
    with session_scope(engine) as session:
        stored = session.exec(select(Referral)).one()
        assert (stored.reference, stored.source_ward, stored.reasons) == (reference, "Ward 7", ["money"])
        assert cipher().decrypt(stored.hospital_ref_enc) == "NNUH123"
        assert form.remembered_ward(session, WARD_NURSE) == "Ward 7"


# --- the fuller referral: optional details, each opened from the summary --------------------------------------


def test_optional_details_go_back_to_the_summary_and_are_checked() -> None:
    assert form.next_step("gp_practice") == "confirm" and form.next_step("age_band") == "confirm"
    assert "gp_practice" not in [step.key for step in form.STEPS]  # never asked unless tapped
    assert form.answer("gp_practice", " d82044 ", {}, TODAY, cipher(), typed=True)["gp_practice"] == "D82044"
    with pytest.raises(InputProblem, match="letter and five digits"):
        form.answer("gp_practice", "NR2 4AB", {}, TODAY, cipher(), typed=True)
    assert form.answer("age_band", "none", {"age_band": "18-24"}, TODAY, cipher(), typed=False)["age_band"] == ""
    assert form.answer("admission_date", "28/11", {}, TODAY, cipher(), typed=True)["admission_date"] == "2026-11-28"
    assert form.answer("admission_date", "3/12", {}, TODAY, cipher(), typed=True)["admission_date"] == "2025-12-03"
    with pytest.raises(InputProblem):
        form.answer("admission_date", "1/1/2020", {}, TODAY, cipher(), typed=True)
    with pytest.raises(form.NotAChoice):
        form.answer("third_party", "neighbour", {}, TODAY, cipher(), typed=False)
    data = form.toggle_service(form.toggle_service({}, "cmht"), "drug_alcohol")
    assert form.toggle_service(data, "cmht")["services_involved"] == ["drug_alcohol"]


def test_the_summary_shows_details_and_eligibility_guidance_without_blocking(engine) -> None:
    data = filled() | {"age_band": "under_18", "gp_practice": "D82044", "services_involved": ["cmht"],
                       "third_party": "parent"}
    text = form.summary(data, cipher())
    assert "• GP practice: D82044" in text and "• Age band: Under 18" in text and "CMHT / CAMHS" in text
    notes = form.eligibility_notes(data, 18, "Refer to early help.")
    assert notes[0] == "⚠ This service is for adults aged 18 and over. Refer to early help."
    assert "specialist support" in notes[1]
    assert form.eligibility_notes(filled() | {"age_band": "65-74"}, 18, "") == []
    with session_scope(engine) as session:
        referral = form.submit(session, data, WARD_NURSE, WARD_NURSE, Role.WARD_STAFF, cipher(), None)
        assert (referral.gp_practice, referral.age_band, referral.services_involved, referral.third_party) == (
            "D82044", "under_18", ["cmht"], "parent")


def test_changing_one_answer_from_the_summary_keeps_the_others_and_returns_to_the_summary() -> None:
    data = filled(hospital_ref="NNUH123")
    editing = form.change("ward", data)
    changed = form.answer("ward", "Ward 9 Stroke", editing, TODAY, cipher(), typed=True)
    step, after = form.step_after("ward", changed)
    assert step == "confirm"
    assert after == {**data, "ward": "Ward 9 Stroke"}  # nothing else touched, no editing mark left behind
    assert form.step_after("ward", data) == ("reasons", data)  # filling the form in order still goes on
    with pytest.raises(form.NotAChoice):
        form.change("consent", data)  # consent is not changed here: without it there is no referral
    assert "Ward 9 Stroke" in form.summary(after, cipher())
