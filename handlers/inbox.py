"""Link-worker inbox: /inbox, /case and the case buttons (claim, contact, signpost, check-in code, close)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.models import CHOSEN_CLOSURES, URGENCY_LABELS, ClosureReason, Referral, ReferralSource, Role
from casework.referrals import (
    BREAK_GLASS_REASONS,
    CaseOutcome,
    change_problem,
    claim_case,
    close_case,
    close_problem,
    get_referral,
    open_cases,
    record_contact_attempt,
    record_first_contact,
)
from casework.safeguarding import RED_MARK, change_rating, is_red, parse_rating
from core.clock import local_time, utcnow
from handlers.cases import ask_break_glass_reason, ask_safeguarding, checked_case, show_case
from handlers.followup import send_checkin_code
from handlers.kit import STALE_BUTTON, Turn, callback_parts, on_update, staff_only
from handlers.outcomes import wellbeing_button
from handlers.signposting import start_signposting
from handlers.support import contact_button, equity_button, start_plan
from handlers.team import team_text, tell_referrer


@on_update(staff_only("casework"))
def inbox(turn: Turn) -> None:
    """/inbox: unclaimed referrals and my open cases, most urgent first, with how many more there are."""
    found = open_cases(turn.session, turn.user_id)
    if not found.unclaimed_total and not found.mine_total:
        turn.say("Your inbox is clear: no unclaimed referrals and no open cases.")
        return
    new_rows = [[(_label(r, URGENCY_LABELS[r.urgency]), f"c:view:{r.reference}")] for r in found.unclaimed]
    my_rows = [[(_label(r, r.status.value), f"c:view:{r.reference}")] for r in found.mine]
    unclaimed = f"Unclaimed referrals: {found.unclaimed_total}" + ("" if new_rows else " — all picked up.")
    turn.say(unclaimed + _more(found.unclaimed_not_shown), new_rows)
    turn.say(f"Your open cases: {found.mine_total}" + _more(found.mine_not_shown), my_rows)


def _label(referral: Referral, state: str) -> str:
    discharge = f" · discharge {referral.expected_discharge:%d/%m}" if referral.expected_discharge else ""
    red = f"{RED_MARK} safeguarding · " if is_red(referral) else ""
    source = " · self-referral" if referral.source == ReferralSource.SELF else ""
    return f"{red}{referral.reference} · {state}{source}{discharge}"


def _more(not_shown: int) -> str:
    if not not_shown:
        return ""
    return (f"\nShowing the most urgent first; {not_shown} more (less urgent) not shown here. "
            "Claim or close some to see them, or open one with /case SP-…")


@on_update(staff_only("casework"))
def case_command(turn: Turn) -> None:
    """/case <reference>."""
    reference = turn.args.strip()
    if not reference:
        turn.say("Which case? Send /case followed by the reference, for example /case SP-7K3Q9X.")
        return
    show_case(turn, reference)


@on_update(staff_only("casework"))
def on_case_button(turn: Turn) -> None:
    """`c:<action>:<reference>[:arg]` — every action re-checks role, ownership and state."""
    parts = callback_parts(turn, "c", 2)
    if parts is None:
        turn.say(STALE_BUTTON)
        return
    action, reference = parts[0], parts[1]
    if action in {"view", "card"}:  # view: a new card (from a list); card: this message becomes the card
        show_case(turn, reference, in_place=action == "card")
    elif action in {"bg", "bgr"}:
        _break_glass(turn, reference, parts[2] if len(parts) > 2 else "")
    elif action in {"claim", "try", "first", "cl"}:
        _update_case(turn, action, reference, parts[2] if len(parts) > 2 else "")
    elif action == "close":
        _ask_closure_reason(turn, reference)
    elif action == "eq":
        equity_button(turn, reference, parts[2:])
    elif action == "sc":
        contact_button(turn, reference, parts[2:])
    elif action == "plan":
        start_plan(turn, reference)
    elif action == "wb":
        wellbeing_button(turn, reference, parts[2:])
    elif action == "rag":
        _safeguarding(turn, reference, parts[2] if len(parts) > 2 else "")
    elif action == "sp":
        start_signposting(turn, reference)
    elif action == "code":
        send_checkin_code(turn, reference)
    else:
        turn.say(STALE_BUTTON)


def _apply_action(turn: Turn, referral: Referral, action: str, arg: str) -> CaseOutcome | None:
    """Run one case action; None when the action or its argument is not one we know (forged button)."""
    session, actor, role, hooks = turn.session, turn.user_id, turn.role, turn.services.followups
    if action == "claim":
        return claim_case(session, referral, actor)
    if action == "try":
        return record_contact_attempt(session, referral, actor, role)
    if action == "first":
        return record_first_contact(session, referral, actor, role)
    if action == "cl" and arg in {reason.value for reason in CHOSEN_CLOSURES}:
        return close_case(session, referral, ClosureReason(arg), actor, role, hooks)
    return None


def _update_case(turn: Turn, action: str, reference: str, arg: str) -> None:
    referral = get_referral(turn.session, reference)
    outcome = _apply_action(turn, referral, action, arg) if referral else None
    if outcome is None:
        turn.say(STALE_BUTTON)
        return
    if not outcome.ok:
        turn.say(outcome.message)
        return
    if action == "claim" and not turn.is_private:
        _claimed_from_team_chat(turn, outcome, reference)
    else:
        turn.toast(outcome.message)
        show_case(turn, reference, in_place=True, note=outcome.message)
    tell_referrer(turn, outcome)


def _claimed_from_team_chat(turn: Turn, outcome: CaseOutcome, reference: str) -> None:
    """Mark the team post as claimed and open the case for the worker in their private chat."""
    assert outcome.referral is not None
    claimed_at = local_time(outcome.referral.claimed_at or utcnow(), turn.settings.tz)
    who = turn.display_name or "a link worker"
    turn.edit(team_text(outcome.referral, "Referral")
              + f"\n✅ {reference} claimed by {who} at {claimed_at:%H:%M} on {claimed_at:%d/%m}.")
    # best effort: a worker who has never opened a private chat with the bot cannot be messaged there
    turn.send(turn.user_id, outcome.message + " Open it here:", [[("Open case", f"c:card:{reference}")]],
              best_effort=True)


def _ask_closure_reason(turn: Turn, reference: str) -> None:
    """The card itself asks why the case is closing (with a way back), so no second copy of the case appears."""
    case = checked_case(turn, reference, close_problem)
    if case is None:
        return
    rows = [[(label, f"c:cl:{case.reference}:{reason.value}")] for reason, label in CHOSEN_CLOSURES.items()]
    rows.append([("◀ Back to the case", f"c:card:{case.reference}")])
    turn.edit(f"Why is {case.reference} closing?", rows)


def _safeguarding(turn: Turn, reference: str, value: str) -> None:
    """Ask for the case's safeguarding rating, or record the one tapped (kept in the case's history)."""
    case = checked_case(turn, reference, change_problem)
    if case is None:
        return
    if not value:
        ask_safeguarding(turn, case)
        return
    rating = parse_rating(value)
    if rating is None:
        turn.say(STALE_BUTTON)
        return
    outcome = change_rating(turn.session, case, rating, turn.user_id, turn.role)
    turn.toast(outcome.message)
    show_case(turn, reference, in_place=True, note=outcome.message)


def _break_glass(turn: Turn, reference: str, reason: str) -> None:
    """Admins only: ask why, then show the identifiers once, recorded in the case's audit trail."""
    if turn.role != Role.ADMIN:
        turn.say("Only an admin can open a case's identifiers without claiming it.")
        return
    referral = get_referral(turn.session, reference)
    if referral is None or (reason and reason not in BREAK_GLASS_REASONS):
        turn.say(STALE_BUTTON)
        return
    if not reason:
        ask_break_glass_reason(turn, referral)
        return
    note = f"🔓 Break glass ({BREAK_GLASS_REASONS[reason]}): recorded in the audit trail. Identifiers shown this once."
    show_case(turn, reference, in_place=True, note=note, break_glass=reason)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("inbox", inbox))
    application.add_handler(CommandHandler("case", case_command))
    application.add_handler(CallbackQueryHandler(on_case_button, pattern=r"^c:"))
