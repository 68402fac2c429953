"""The case card a link worker works from: the case's details and the buttons for what can be done next."""

from __future__ import annotations

from collections.abc import Callable

from casework.crisis import risk_flag_note
from casework.models import CLOSURE_LABELS, ROUTE_LABELS, URGENCY_LABELS, CaseStatus, Referral, Role
from casework.referrals import CaseView, get_referral, reason_labels, view_case
from handlers.kit import Buttons, Turn

PRIVATE_ONLY = "For privacy, cases can only be opened in a private chat with me."
NOT_FOUND = "I couldn't find that case. References look like SP-7K3Q9X."
CaseCheck = Callable[[Referral, int, Role | None], str | None]  # why this person may not act on the case, or None


def checked_case(turn: Turn, reference: str, check: CaseCheck) -> Referral | None:
    """The case if it exists and `check` finds no problem for this person; otherwise says why and returns None."""
    referral = get_referral(turn.session, reference)
    problem = NOT_FOUND if referral is None else check(referral, turn.user_id, turn.role)
    if problem:
        turn.say(problem)
        return None
    return referral


def case_buttons(referral: Referral) -> Buttons:
    ref = referral.reference
    if referral.status == CaseStatus.CLOSED:
        return []
    if referral.status == CaseStatus.NEW:
        return [[("Claim", f"c:claim:{ref}")]]
    rows: list[list[tuple[str, str]]] = [[("📞 Tried, no answer", f"c:try:{ref}")]]
    if referral.first_contact_at is None:
        rows[0].append(("✅ First contact made", f"c:first:{ref}"))
    rows.append([("➡ Signpost to a service", f"c:sp:{ref}"), ("📲 Client check-in code", f"c:code:{ref}")])
    rows.append([("Close case", f"c:close:{ref}")])
    return rows


def case_text(view: CaseView, service_names: dict[str, str]) -> str:
    discharge = view.expected_discharge.strftime("%d/%m/%Y") if view.expected_discharge else "not known"
    signposted = (
        "\n".join(
            f"   – {service_names.get(sid, sid)}: {state.replace('_', ' ')}" for sid, state in view.signposted_services
        )
        or "   none yet"
    )
    lines = [
        f"Case {view.reference} — {view.status.value}",
        *filter(None, [risk_flag_note(view.risk_flag, view.risk_concern)]),
        f"Referred: {view.created_at:%d/%m/%Y %H:%M} UTC from {view.ward}",
        f"Patient: {view.client_initials} · Hospital ref: {view.hospital_ref}"
        + (f" · NHS: {view.nhs_number}" if view.nhs_number else ""),
        f"Reasons: {reason_labels(view.reasons)}",
        f"Urgency: {URGENCY_LABELS[view.urgency]} · Contact by: {ROUTE_LABELS[view.contact_route]}",
        f"Expected discharge: {discharge}",
        f"Risks: {view.risks}",
        f"Contact attempts: {view.contact_attempts}"
        + (f" · First contact: {view.first_contact_at:%d/%m/%Y}" if view.first_contact_at else ""),
        f"Signposted to:\n{signposted}",
    ]
    if view.closure_reason:
        lines.append(f"Closed: {CLOSURE_LABELS[view.closure_reason]}")
    return "\n".join(lines)


def show_case(turn: Turn, reference: str) -> None:
    """The full case for a link worker, in private chat only; the view is audited."""
    if not turn.is_private:
        turn.say(PRIVATE_ONLY)
        return
    referral = get_referral(turn.session, reference)
    if referral is None:
        turn.say(NOT_FOUND)
        return
    view = view_case(turn.session, referral, turn.user_id, turn.runtime.cipher)
    names = {
        sid: record.name if (record := turn.index.get(sid)) else sid for sid, _ in view.signposted_services
    }
    turn.say(case_text(view, names), case_buttons(referral))
