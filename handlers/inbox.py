"""Link-worker inbox: new-referral posts with claim buttons, /inbox, /case, contact, signposting and closure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.dialogs import Dialog, StaleDialog, advance_dialog, end_dialog, start_dialog
from casework.models import CLOSURE_LABELS, CaseStatus, ClosureReason, Referral, Role
from casework.referrals import (
    CaseOutcome,
    CaseView,
    FollowUpHooks,
    change_problem,
    claim_case,
    close_case,
    close_problem,
    get_referral,
    open_cases,
    reason_labels,
    record_contact_attempt,
    record_first_contact,
    signpost_case,
    view_case,
)
from casework.validation import InputProblem, clean_text
from directory.search import SearchFilters, SearchHit
from directory.taxonomy import REASON_TO_CATEGORIES, category_label
from handlers.common import (
    DIALOG_TEXT_HANDLERS,
    STALE_BUTTON,
    Buttons,
    Context,
    answer_callback,
    callback_parts,
    command_args,
    db,
    dialog_button,
    display_name,
    edit_or_reply,
    ids,
    is_private,
    keyboard,
    message_text,
    reply,
    require,
    runtime,
    search_index,
    small_number,
)
from handlers.referral import ROUTE_LABELS, URGENCY_LABELS

log = logging.getLogger(__name__)
SIGNPOST = "signpost"
PRIVATE_ONLY = "For privacy, cases can only be opened in a private chat with me."
NOT_FOUND = "I couldn't find that case. References look like SP-7K3Q9X."
CaseCheck = Callable[[Referral, int, Role | None], str | None]
SUGGESTIONS_PER_CATEGORY = 2
MAX_CHOICES = 6


def _team_text(referral: Referral) -> str:
    """What the whole team sees: no patient details, just enough to triage."""
    discharge = referral.expected_discharge.strftime("%d/%m") if referral.expected_discharge else "not known"
    return (
        f"New referral {referral.reference}\n"
        f"Ward: {referral.source_ward}\n"
        f"Reasons: {reason_labels(referral.reasons)}\n"
        f"Urgency: {URGENCY_LABELS[referral.urgency]} · Discharge: {discharge}"
    )


async def announce_new_referral(context: Context, reference: str) -> None:
    """Post a new referral to the link-worker team chat with a Claim button."""
    chat_id = runtime(context).settings.link_worker_chat_id
    if chat_id is None:
        return
    with db(context) as session:
        referral = get_referral(session, reference)
        text = _team_text(referral)
    try:
        message = await context.bot.send_message(
            chat_id, text, reply_markup=keyboard([[("Claim", f"c:claim:{reference}")]])
        )
    except TelegramError as problem:
        log.warning("could not post referral %s to the team chat: %s", reference, type(problem).__name__)
        return
    with db(context) as session:
        referral = get_referral(session, reference)
        referral.team_message_id = message.message_id
        session.add(referral)


async def _tell_referrer(context: Context, outcome: CaseOutcome) -> None:
    if not (outcome.ok and outcome.referrer_notice and outcome.referral):
        return
    try:
        await context.bot.send_message(outcome.referral.referrer_chat_id, outcome.referrer_notice)
    except TelegramError as problem:
        log.warning("could not update referrer of %s: %s", outcome.referral.reference, type(problem).__name__)


def _case_buttons(referral: Referral) -> Buttons:
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


def _case_text(view: CaseView, service_names: dict[str, str]) -> str:
    discharge = view.expected_discharge.strftime("%d/%m/%Y") if view.expected_discharge else "not known"
    signposted = (
        "\n".join(
            f"   – {service_names.get(sid, sid)}: {state.replace('_', ' ')}" for sid, state in view.signposted_services
        )
        or "   none yet"
    )
    lines = [
        f"Case {view.reference} — {view.status.value}",
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


async def show_case(update: Update, context: Context, reference: str, edit: bool = False) -> None:
    """The full case for a link worker, in private chat only; the view is audited."""
    if not is_private(update):
        await reply(update, PRIVATE_ONLY)
        return
    _, user_id = ids(update)
    index = search_index(context)
    with db(context) as session:
        referral = get_referral(session, reference)
        if referral is None:
            await reply(update, NOT_FOUND)
            return
        view = view_case(session, referral, user_id, runtime(context).cipher)
        rows = _case_buttons(referral)
    names = {sid: getattr(index.get(sid), "name", sid) for sid, _ in view.signposted_services}
    text = _case_text(view, names)
    await (edit_or_reply(update, text, rows) if edit else reply(update, text, rows))


async def inbox(update: Update, context: Context) -> None:
    """/inbox: unclaimed referrals (urgent first) and my open cases."""
    if await require(update, context, "casework") is None:
        return
    _, user_id = ids(update)
    with db(context) as session:
        unclaimed, mine = open_cases(session, user_id)
        new_rows = [[(f"{r.reference} · {URGENCY_LABELS[r.urgency]}", f"c:view:{r.reference}")] for r in unclaimed]
        my_rows = [[(f"{r.reference} · {r.status.value}", f"c:view:{r.reference}")] for r in mine]
    if not new_rows and not my_rows:
        await reply(update, "Your inbox is clear: no unclaimed referrals and no open cases.")
        return
    await reply(update, f"Unclaimed referrals: {len(new_rows)}" + ("" if new_rows else " — all picked up."), new_rows)
    await reply(update, f"Your open cases: {len(my_rows)}", my_rows)


async def case_command(update: Update, context: Context) -> None:
    """/case <reference>."""
    if await require(update, context, "casework") is None:
        return
    reference = command_args(context).strip()
    if not reference:
        await reply(update, "Which case? Send /case followed by the reference, for example /case SP-7K3Q9X.")
        return
    await show_case(update, context, reference)


async def on_case_button(update: Update, context: Context) -> None:
    """`c:<action>:<reference>[:arg]` — every action re-checks role, ownership and state."""
    assert update.callback_query is not None
    parts = callback_parts(update, "c", 2)
    role = await require(update, context, "casework")
    if role is None:
        return
    await answer_callback(update.callback_query)
    if parts is None:
        await reply(update, STALE_BUTTON)
        return
    action, reference = parts[0], parts[1]
    if action == "view":
        await show_case(update, context, reference)
    elif action in {"claim", "try", "first", "cl"}:
        await _update_case(update, context, role, action, reference, parts[2] if len(parts) > 2 else "")
    elif action == "close":
        await _ask_closure_reason(update, context, role, reference)
    elif action == "sp":
        await _start_signposting(update, context, role, reference)
    elif action == "code":
        from handlers.followup import send_checkin_code

        await send_checkin_code(update, context, reference)
    else:
        await reply(update, STALE_BUTTON)


def _apply_action(
    session: Session, referral: Referral, action: str, arg: str, user_id: int, role: Role, hooks: FollowUpHooks | None
) -> CaseOutcome | None:
    """Run one case action; None when the action or its argument is not one we know (forged button)."""
    if action == "claim":
        return claim_case(session, referral, user_id)
    if action == "try":
        return record_contact_attempt(session, referral, user_id, role)
    if action == "first":
        return record_first_contact(session, referral, user_id, role)
    if action == "cl" and arg in {reason.value for reason in ClosureReason}:
        return close_case(session, referral, ClosureReason(arg), user_id, role, hooks)
    return None


async def _update_case(update: Update, context: Context, role: Role, action: str, reference: str, arg: str) -> None:
    _, user_id = ids(update)
    hooks = runtime(context).extras.get("followup_hooks")
    with db(context) as session:
        referral = get_referral(session, reference)
        outcome = _apply_action(session, referral, action, arg, user_id, role, hooks) if referral else None
    if outcome is None:
        await reply(update, STALE_BUTTON)
        return
    if not outcome.ok:
        await reply(update, outcome.message)
        return
    if action == "claim" and not is_private(update):
        await _claimed_from_team_chat(update, context, outcome, reference)
    else:
        await reply(update, outcome.message)
        await show_case(update, context, reference)
    await _tell_referrer(context, outcome)


async def _claimed_from_team_chat(update: Update, context: Context, outcome: CaseOutcome, reference: str) -> None:
    """Mark the team post as claimed and open the case for the worker in their private chat."""
    _, user_id = ids(update)
    await edit_or_reply(update, f"{reference} claimed by {display_name(update) or 'a link worker'}.")
    try:
        await context.bot.send_message(
            user_id, outcome.message + " Open it here:", reply_markup=keyboard([[("Open case", f"c:view:{reference}")]])
        )
    except TelegramError:
        log.info("link worker has not started a private chat yet")


async def _checked_case(
    update: Update, context: Context, role: Role, reference: str, check: CaseCheck
) -> Referral | None:
    """The case if it exists and `check` finds no problem for this user; otherwise says why."""
    _, user_id = ids(update)
    with db(context) as session:
        referral = get_referral(session, reference)
        problem = NOT_FOUND if referral is None else check(referral, user_id, role)
    if problem:
        await reply(update, problem)
        return None
    return referral


async def _ask_closure_reason(update: Update, context: Context, role: Role, reference: str) -> None:
    case = await _checked_case(update, context, role, reference, close_problem)
    if case:
        rows = [[(label, f"c:cl:{case.reference}:{reason.value}")] for reason, label in CLOSURE_LABELS.items()]
        await reply(update, f"Why is {case.reference} closing?", rows)


def _suggestions(index: Any, reasons: list[str]) -> list[SearchHit]:
    """A few services from the categories that match the case's reasons for referral."""
    found: dict[str, SearchHit] = {}
    for reason in reasons:
        for category in REASON_TO_CATEGORIES.get(reason, []):
            hits = index.search(category_label(category), SearchFilters(category=category), SUGGESTIONS_PER_CATEGORY)
            for hit in hits:
                found.setdefault(hit.service_id, hit)
    return list(found.values())[:MAX_CHOICES]


async def _start_signposting(update: Update, context: Context, role: Role, reference: str) -> None:
    """Open signposting for a case with suggestions from its reasons; the worker can also type a search."""
    if not is_private(update):
        await reply(update, PRIVATE_ONLY)
        return
    case = await _checked_case(update, context, role, reference, change_problem)
    if not case:
        return
    hits = _suggestions(search_index(context), case.reasons)
    chat_id, user_id = ids(update)
    with db(context) as session:
        dialog = start_dialog(
            session, chat_id, user_id, SIGNPOST, "pick", {"ref": case.reference, "ids": [h.service_id for h in hits]}
        )
    await _offer_choices(
        update,
        dialog,
        hits,
        f"Signposting {case.reference}. Suggestions for its reasons are below — or type what "
        "the client needs, e.g. 'debt advice'. Send /cancel to stop.",
    )


async def _offer_choices(update: Update, dialog: Dialog, hits: list[SearchHit], intro: str) -> None:
    rows = [[(f"{i + 1}. {hit.name}"[:60], f"p:{dialog.version}:{i}")] for i, hit in enumerate(hits)]
    rows.append([("Done", f"p:{dialog.version}:done")])
    await reply(update, intro, rows)


async def on_signpost_typed(update: Update, context: Context, dialog: Dialog) -> bool:
    """A search typed from inside a case: show the top services as buttons to pick."""
    try:
        query = clean_text(message_text(update), 200, "That search")
    except InputProblem as problem:
        await reply(update, str(problem))
        return True
    hits = search_index(context).search(query, SearchFilters(), limit=MAX_CHOICES)
    with db(context) as session:
        try:
            dialog = advance_dialog(session, dialog, "pick", {**dialog.data, "ids": [h.service_id for h in hits]})
        except StaleDialog:
            await reply(update, STALE_BUTTON)
            return True
    if not hits:
        await reply(update, "Nothing found for that. Try other words, or /cancel.")
        return True
    await _offer_choices(update, dialog, hits, f"Pick a service for {dialog.data['ref']} (or type another search):")
    return True


async def on_pick(update: Update, context: Context) -> None:
    """`p:<dialog version>:<index>|done` — record the chosen service against the case."""
    assert update.callback_query is not None
    role = await require(update, context, "casework")
    if role is None:
        return
    dialog, parts = await dialog_button(update, context, "p", SIGNPOST)
    if dialog is None or parts is None:
        await reply(update, STALE_BUTTON)
        return
    chat_id, user_id = ids(update)
    reference = dialog.data["ref"]
    if parts[0] == "done":
        with db(context) as session:
            end_dialog(session, chat_id, user_id, SIGNPOST)
        await show_case(update, context, reference)
        return
    choice = small_number(parts[0])
    if choice is None or choice >= len(dialog.data["ids"]):
        await reply(update, STALE_BUTTON)
        return
    service_id = dialog.data["ids"][choice]
    with db(context) as session:
        referral = get_referral(session, reference)
        outcome = signpost_case(
            session, referral, service_id, user_id, role, runtime(context).extras.get("followup_hooks")
        )
    await reply(update, outcome.message + " Pick another, type a new search, or tap Done.")


def register(application: Application) -> None:
    application.add_handler(CommandHandler("inbox", inbox))
    application.add_handler(CommandHandler("case", case_command))
    application.add_handler(CallbackQueryHandler(on_case_button, pattern=r"^c:"))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^p:"))
    DIALOG_TEXT_HANDLERS[SIGNPOST] = on_signpost_typed
