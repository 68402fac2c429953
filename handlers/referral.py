"""Ward referral conversation (/refer): consent first, minimal fields, confirm, reference back.

Each answer is saved as a dialog step in the database, so a restart or crash resumes where the user was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.clock import utcnow
from casework import validation
from casework.dialogs import Dialog, StaleDialog, advance_dialog, end_dialog, load_dialog, start_dialog
from casework.models import REASON_LABELS, ContactRoute, ReferralReason, StaffUser, Urgency
from casework.referrals import ReferralDraft, create_referral, reason_labels
from handlers.common import (
    DIALOG_TEXT_HANDLERS,
    STALE_BUTTON,
    Buttons,
    Context,
    chunk,
    db,
    dialog_button,
    edit_or_reply,
    ids,
    is_private,
    message_text,
    reply,
    require,
    runtime,
    user_role,
)

log = logging.getLogger(__name__)
REFER = "refer"
YES_NO = (("Yes", "yes"), ("No", "no"))
URGENCY_LABELS = {
    Urgency.ROUTINE: "Routine",
    Urgency.SOON: "Before discharge",
    Urgency.URGENT: "Urgent (1 working day)",
}
ROUTE_LABELS = {
    ContactRoute.WARD_VISIT: "Visit on the ward",
    ContactRoute.PHONE: "Phone call",
    ContactRoute.TEXT: "Text message",
    ContactRoute.CARER: "Via carer / family",
    ContactRoute.POST_DISCHARGE_HOME: "Home visit after discharge",
}


@dataclass(frozen=True)
class Step:
    """One question. Buttons give `choices`; typed answers (and button values) go through `parse` if set."""

    key: str
    prompt: str
    choices: tuple[tuple[str, str], ...] = ()
    parse: Callable[[str, date], Any] | None = None
    secret: bool = False  # stored encrypted while the conversation is open


STEPS: tuple[Step, ...] = (
    Step(
        "consent",
        "Has the patient agreed to this referral, and to their details being shared with the social "
        "prescribing service?",
        (("Yes, they agree", "yes"), ("No", "no")),
    ),
    Step("consent_gp", "May the service share updates with the patient's GP?", YES_NO),
    Step("initials", "Patient's initials only (for example JS):", parse=lambda text, _: validation.initials(text)),
    Step(
        "hospital_ref",
        "Hospital number or ward reference:",
        parse=lambda text, _: validation.hospital_reference(text),
        secret=True,
    ),
    Step(
        "nhs_number",
        "NHS number (optional) — type it or tap Skip:",
        (("Skip", "skip"),),
        parse=lambda text, _: "" if text.strip().lower() == "skip" else validation.nhs_number(text),
        secret=True,
    ),
    Step(
        "ward",
        "Which ward or area are you referring from?",
        parse=lambda text, _: validation.short_text(text, "The ward name"),
    ),
    Step("reasons", "Reasons for referral — tap all that apply, then Done:"),
    Step(
        "urgency",
        "How soon should the link worker make contact?",
        tuple((label, value.value) for value, label in URGENCY_LABELS.items()),
    ),
    Step(
        "risks",
        "Any risks the link worker should know about (to the patient or others)? Type them, or tap None known.",
        (("None known", "None known"),),
        parse=lambda text, _: validation.free_text(text, "That"),
        secret=True,
    ),
    Step(
        "contact_route",
        "Best way for the link worker to make contact?",
        tuple((label, value.value) for value, label in ROUTE_LABELS.items()),
    ),
    Step(
        "discharge",
        "Expected discharge date? Type it (for example 28/11) or tap a button:",
        (("Today", "today"), ("Tomorrow", "tomorrow"), ("Not known", "not known")),
        parse=lambda text, today: _iso(validation.discharge_date(text, today)),
    ),
    Step("confirm", ""),
)
STEP_BY_KEY = {step.key: step for step in STEPS}
NO_CONSENT = (
    "Thank you. No referral has been made and nothing about the patient has been recorded. "
    "If they change their mind, start again with /refer."
)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _next_key(key: str) -> str:
    keys = [step.key for step in STEPS]
    return keys[keys.index(key) + 1]


def _today(context: Context) -> date:
    return utcnow().astimezone(runtime(context).settings.tz).date()


async def refer(update: Update, context: Context) -> None:
    """/refer: start, or offer to resume, a referral."""
    if not is_private(update):
        await reply(update, "Please send /refer to me in a private chat, so patient details stay private.")
        return
    if await require(update, context, "refer") is None:
        return
    chat_id, user_id = ids(update)
    with db(context) as session:
        existing = load_dialog(session, chat_id, user_id, REFER)
        if existing is None:
            dialog = start_dialog(session, chat_id, user_id, REFER, STEPS[0].key, {})
    if existing is not None:
        await reply(
            update,
            "You have a referral in progress. Carry on where you left off, or start again?",
            [[("Carry on", f"r:{existing.version}:!resume"), ("Start again", f"r:{existing.version}:!restart")]],
        )
        return
    await reply(update, "New social prescribing referral. It takes about a minute. Send /cancel at any time.")
    await ask(update, context, dialog)


async def ask(update: Update, context: Context, dialog: Dialog, edit: bool = False) -> None:
    """Show the question for the dialog's current step."""
    text, rows = _question(context, dialog)
    if edit:
        await edit_or_reply(update, text, rows)
    else:
        await reply(update, text, rows)


def _question(context: Context, dialog: Dialog) -> tuple[str, Buttons]:
    step, v = STEP_BY_KEY[dialog.step], dialog.version
    if step.key == "reasons":
        chosen = set(dialog.data.get("reasons", []))
        toggles = [
            (("✅ " if r.value in chosen else "") + label, f"r:{v}:t:{r.value}") for r, label in REASON_LABELS.items()
        ]
        return step.prompt, [*chunk(toggles, 2), [("Done", f"r:{v}:done")]]
    if step.key == "confirm":
        return _summary(context, dialog.data), [
            [("✅ Send referral", f"r:{v}:submit")],
            [("Start again", f"r:{v}:!restart"), ("Cancel", f"r:{v}:!cancel")],
        ]
    choices = list(step.choices)
    if step.key == "ward":
        with db(context) as session:
            staff = session.exec(select(StaffUser).where(StaffUser.telegram_user_id == dialog.user_id)).first()
        if staff and staff.ward:
            choices.insert(0, (staff.ward[:40], staff.ward[:40]))
    return step.prompt, chunk([(label, f"r:{v}:{value}") for label, value in choices], 2)


def _summary(context: Context, data: dict[str, Any]) -> str:
    cipher = runtime(context).cipher
    discharge = date.fromisoformat(data["discharge"]).strftime("%d/%m/%Y") if data.get("discharge") else "Not known"
    lines = [
        "Please check the referral:",
        f"• Consent to share with GP: {'Yes' if data['consent_gp'] == 'yes' else 'No'}",
        f"• Patient initials: {data['initials']}",
        f"• Hospital / ward ref: {cipher.decrypt(data['hospital_ref'])}",
        f"• NHS number: {cipher.decrypt(data['nhs_number']) or 'Not given'}",
        f"• Ward / area: {data['ward']}",
        f"• Reasons: {reason_labels(data['reasons'])}",
        f"• Urgency: {URGENCY_LABELS[Urgency(data['urgency'])]}",
        f"• Risks: {cipher.decrypt(data['risks'])}",
        f"• Contact by: {ROUTE_LABELS[ContactRoute(data['contact_route'])]}",
        f"• Expected discharge: {discharge}",
    ]
    return "\n".join(lines)


async def on_typed(update: Update, context: Context, dialog: Dialog) -> bool:
    """A typed answer for the current step."""
    step = STEP_BY_KEY[dialog.step]
    if step.parse is None:
        await reply(update, "Please use the buttons for this one.")
        await ask(update, context, dialog)
        return True
    await _answer(update, context, dialog, step, message_text(update) or "")
    return True


async def _answer(update: Update, context: Context, dialog: Dialog, step: Step, raw: str) -> None:
    try:
        value = step.parse(raw, _today(context)) if step.parse else raw
    except validation.InputProblem as problem:
        await reply(update, str(problem))
        return
    if step.parse is None and raw not in {choice_value for _, choice_value in step.choices}:
        await reply(update, STALE_BUTTON)
        return
    if step.key == "consent" and value == "no":
        with db(context) as session:
            end_dialog(session, dialog.chat_id, dialog.user_id, REFER)
        await reply(update, NO_CONSENT)
        return
    stored = runtime(context).cipher.encrypt(value) if step.secret else value
    await _move(update, context, dialog, _next_key(step.key), {**dialog.data, step.key: stored})


async def _move(
    update: Update, context: Context, dialog: Dialog, step: str, data: dict[str, Any], edit: bool = False
) -> None:
    try:
        with db(context) as session:
            dialog = advance_dialog(session, dialog, step, data)
    except StaleDialog:
        await reply(update, "That answer was already taken. Carrying on from where you are.")
        with db(context) as session:
            dialog = load_dialog(session, dialog.chat_id, dialog.user_id, REFER) or dialog
    await ask(update, context, dialog, edit=edit)


async def on_button(update: Update, context: Context) -> None:
    """Buttons of the referral conversation: `r:<dialog version>:<value>`."""
    dialog, parts = await dialog_button(update, context, "r", REFER)
    if dialog is None:
        await reply(update, STALE_BUTTON)
        return
    if parts is None:
        await reply(update, "That button is from an earlier question. Please answer the latest question below.")
        await ask(update, context, dialog)
        return
    value = ":".join(parts)
    if value.startswith("!"):
        await _control(update, context, dialog, value)
    elif dialog.step == "reasons":
        await _reasons_button(update, context, dialog, value)
    elif dialog.step == "confirm":
        await (_submit(update, context, dialog) if value == "submit" else reply(update, STALE_BUTTON))
    else:
        step = STEP_BY_KEY[dialog.step]
        if value not in {choice for _, choice in step.choices} and not (step.key == "ward" and step.parse):
            await reply(update, STALE_BUTTON)
            return
        await _answer(update, context, dialog, step, value)


async def _control(update: Update, context: Context, dialog: Dialog, value: str) -> None:
    if value == "!resume":
        await ask(update, context, dialog)
    elif value == "!restart":
        with db(context) as session:
            fresh = start_dialog(session, dialog.chat_id, dialog.user_id, REFER, STEPS[0].key, {})
        await ask(update, context, fresh)
    elif value == "!cancel":
        await cancel(update, context)
    else:
        await reply(update, STALE_BUTTON)


async def _reasons_button(update: Update, context: Context, dialog: Dialog, value: str) -> None:
    chosen = list(dialog.data.get("reasons", []))
    if value == "done":
        if not chosen:
            await reply(update, "Please choose at least one reason, then tap Done.")
            return
        await _move(update, context, dialog, _next_key("reasons"), dialog.data)
        return
    reason = value.removeprefix("t:")
    if not value.startswith("t:") or reason not in {r.value for r in ReferralReason}:
        await reply(update, STALE_BUTTON)
        return
    chosen = [r for r in chosen if r != reason] if reason in chosen else [*chosen, reason]
    await _move(update, context, dialog, "reasons", {**dialog.data, "reasons": chosen}, edit=True)


async def _submit(update: Update, context: Context, dialog: Dialog) -> None:
    rt, data = runtime(context), dialog.data
    draft = ReferralDraft(
        consent_share=True,
        consent_gp=data["consent_gp"] == "yes",
        client_initials=data["initials"],
        hospital_ref=rt.cipher.decrypt(data["hospital_ref"]),
        nhs_number=rt.cipher.decrypt(data["nhs_number"]),
        ward=data["ward"],
        reasons=tuple(data["reasons"]),
        urgency=Urgency(data["urgency"]),
        risks=rt.cipher.decrypt(data["risks"]),
        contact_route=ContactRoute(data["contact_route"]),
        expected_discharge=date.fromisoformat(data["discharge"]) if data.get("discharge") else None,
    )
    role = user_role(context, dialog.user_id)
    with db(context) as session:
        if not end_dialog(session, dialog.chat_id, dialog.user_id, REFER):
            await reply(update, "This referral was already sent.")
            return
        referral = create_referral(
            session, draft, dialog.user_id, dialog.chat_id, role or "", rt.cipher, rt.extras.get("followup_hooks")
        )
        staff = session.exec(select(StaffUser).where(StaffUser.telegram_user_id == dialog.user_id)).first()
        if staff is not None:
            staff.ward = draft.ward
            session.add(staff)
        reference = referral.reference
    log.info("referral %s created", reference)
    await edit_or_reply(
        update,
        f"Referral sent. Reference: {reference}\n\n"
        "Please note this reference. I'll message you when a link worker picks it up, and when the "
        "case closes.",
    )
    from handlers.inbox import announce_new_referral

    await announce_new_referral(context, reference)


async def cancel(update: Update, context: Context) -> None:
    """/cancel: leave whatever staff conversation is open. Nothing is saved."""
    chat_id, user_id = ids(update)
    with db(context) as session:
        ended = [name for name in (REFER, "signpost") if end_dialog(session, chat_id, user_id, name)]
    text = "Cancelled. Nothing was saved." if ended else "There's nothing to cancel."
    await edit_or_reply(update, text) if update.callback_query else await reply(update, text)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("refer", refer))
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^r:"))
    DIALOG_TEXT_HANDLERS[REFER] = on_typed
