"""Ward referral conversation (/refer): consent first, minimal fields, confirm, reference back.

The form itself (questions, checks, summary, submitting) is `casework.referral_form`; this module only reads taps
and typed answers, calls it and shows the next question. Each answer is a dialog step in the database, so a restart
or crash resumes where the nurse was.

Submitting is idempotent: the dialog moves to a last step, `SENT`, holding only the new reference (in the same
transaction as the referral), so a retap of "Send", a redelivered tap or a crash before the reply is answered
truthfully with that reference instead of "nothing has been changed".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework import referral_form as form
from casework.feedback import referrer_status
from casework.models import REASON_LABELS, SERVICES_INVOLVED, Safeguarding
from casework.referrals import recent_referral_for
from casework.safeguarding import short_label
from casework.validation import InputProblem
from core.clock import local_time
from core.dialogs import Dialog
from core.identifiers import identifier_in, mask
from handlers.handout import handout_button
from handlers.kit import STALE_BUTTON, Buttons, Conversation, Turn, chunk, on_update, private_only, staff_only
from handlers.safety import guide_referrer, misplaced_in_referral
from handlers.team import announce_new_referral

log = logging.getLogger(__name__)
NO_CONSENT = (
    "Thank you. No referral has been made and nothing about the patient has been recorded. "
    "If they change their mind, start again with /refer."
)
USE_BUTTONS = "Please use the buttons for this one."
CANCELLED = "Cancelled. Nothing was saved."
REMOVED = "I've removed your message from this chat, so it doesn't stay on your phone."
ALREADY_SENT = "This referral was already sent, so nothing new was created."
SENT = "sent"  # the dialog's last step, after submitting: holds only the reference
LAST_WARD = "=ward"  # the remembered-ward button's value (the ward itself could be too long for button data)


def _sent_text(reference: str) -> str:
    return (
        f"Referral sent. Reference: {reference}\n\n"
        "Please note this reference. I'll message you when a link worker picks it up, and when the case closes.\n\n"
        "At discharge you can give the patient a large-print handout of services for their needs (button below)."
    )


def ask(turn: Turn, dialog: Dialog, *, edit: bool = False, intro: str = "") -> None:
    """Show the question for the dialog's current step (after `intro`, e.g. what was just noted), or, once sent,
    the reference."""
    if dialog.step == SENT:
        turn.say(f"{ALREADY_SENT}\n\n{_sent_text(dialog.data['reference'])}")
        return
    text, rows = _question(turn, dialog)
    text = f"{intro}\n\n{text}" if intro else text
    turn.edit(text, rows) if edit else turn.say(text, rows)


def _noted(key: str, value: str) -> str:
    """The masked echo of an identifier the nurse typed (her message itself is deleted)."""
    shown = "Risks noted." if key == "risks" else f"Noted: {mask(value)}."
    return f"{shown} {REMOVED}"


REFER = Conversation("refer", "r", resume=ask)


@on_update(
    private_only("Please send /refer to me in a private chat, so patient details stay private."),
    staff_only("refer"),
)
def refer(turn: Turn) -> None:
    """/refer: start, or offer to resume, a referral."""
    existing = REFER.load(turn)
    if existing is not None and existing.step != SENT:
        turn.say(
            "You have a referral in progress. Carry on where you left off, or start again?",
            [[("Carry on", f"r:{existing.version}:!resume"), ("Start again", f"r:{existing.version}:!restart")]],
        )
        return
    dialog = REFER.start(turn, form.FIRST_STEP, {})
    turn.say("New social prescribing referral. It takes about a minute. Send /cancel at any time.")
    ask(turn, dialog)


def _question(turn: Turn, dialog: Dialog) -> tuple[str, Buttons]:
    step, v = form.STEP_BY_KEY[dialog.step], dialog.version
    if step.key in (form.REASONS, form.SERVICES):
        chosen = set(dialog.data.get(step.key, []))
        options = REASON_LABELS if step.key == form.REASONS else SERVICES_INVOLVED
        toggles = [(("✅ " if key in chosen else "") + label, f"r:{v}:t:{key}") for key, label in options.items()]
        return step.prompt, [*chunk(toggles, 2), [("Done", f"r:{v}:done")]]
    if step.key == form.CONFIRM:
        rated = dialog.data.get(form.SAFEGUARDING, "")
        ratings = [(("✅ " if rating.value == rated else "") + short_label(rating.value), f"r:{v}:sg:{rating.value}")
                   for rating in Safeguarding]
        details = [(f"➕ {label}", f"r:{v}:!opt:{key}") for key, label in form.OPTIONAL_LABELS.items()]
        settings = turn.settings
        notes = form.eligibility_notes(dialog.data, settings.eligibility_min_age, settings.under_age_guidance)
        text = form.summary(dialog.data, turn.runtime.cipher) + "".join(f"\n\n{note}" for note in notes)
        return text + _repeat_warning(turn, dialog) + "\n\nOptional: rate safeguarding or add details below.", [
            ratings,
            *chunk(details, 3),
            [("✅ Send referral", f"r:{v}:submit")],
            [("✏ Change an answer", f"r:{v}:!change")],
            [("Start again", f"r:{v}:!restart"), ("Cancel", f"r:{v}:!cancel")],
        ]
    choices = list(step.choices)
    if step.key == form.WARD and (ward := form.remembered_ward(turn.session, dialog.user_id)):
        choices.insert(0, (ward, LAST_WARD))
    return step.prompt, chunk([(label, f"r:{v}:{value}") for label, value in choices], 2)


def _repeat_warning(turn: Turn, dialog: Dialog) -> str:
    """A note when this hospital ref was referred in the last 14 days (matched by keyed hash, never in clear)."""
    cipher = turn.runtime.cipher
    earlier = recent_referral_for(turn.session, cipher.decrypt(dialog.data.get("hospital_ref", "")), cipher)
    if earlier is None:
        return ""
    when = local_time(earlier.created_at, turn.settings.tz)
    return (
        f"\n\n⚠ This hospital number was already referred on {when:%a} {when.day} {when:%b} ({earlier.reference}). "
        "If this is the same referral, there's no need to send it again — tap Cancel."
    )


def on_typed(turn: Turn, dialog: Dialog) -> bool:
    """A typed answer for the current step (none is expected once the referral was sent: that's a search)."""
    if dialog.step == SENT:
        return False
    if misplaced_in_referral(turn, dialog.step, turn.text or ""):
        ask(turn, dialog)
        return True
    if not form.STEP_BY_KEY[dialog.step].takes_typing:
        turn.say(USE_BUTTONS)
        ask(turn, dialog)
        return True
    _answer(turn, dialog, turn.text or "", typed=True)
    return True


def _answer(turn: Turn, dialog: Dialog, raw: str, *, typed: bool) -> None:
    secret = typed and form.STEP_BY_KEY[dialog.step].secret
    try:
        data = form.answer(dialog.step, raw, dialog.data, turn.today(), turn.runtime.cipher, typed=typed)
    except InputProblem as problem:
        if secret and identifier_in(raw):  # a mistyped NHS number is still most of one
            turn.delete()
            turn.say(f"{problem} {REMOVED}")
        else:
            turn.say(str(problem))
        return
    except form.NotAChoice:
        turn.say(STALE_BUTTON)
        return
    except form.NoConsent:
        REFER.end(turn)
        turn.say(NO_CONSENT)
        return
    if dialog.step == form.RISKS:  # the flag stays in the form's data: guide once, when the risks are answered
        guide_referrer(turn, data)
    intro = ""
    if secret and (value := turn.runtime.cipher.decrypt(data[dialog.step])):
        turn.delete()  # stored encrypted now; the nurse's copy in Telegram would outlive the referral
        intro = _noted(dialog.step, value)
    optional_tap = not typed and form.is_optional(dialog.step)  # the question becomes the summary again
    ask(turn, REFER.advance(turn, dialog, *form.step_after(dialog.step, data)), intro=intro, edit=optional_tap)


@on_update()
def on_button(turn: Turn) -> None:
    """Buttons of the referral conversation: `r:<dialog version>:<value>`."""
    current = REFER.load(turn)
    if current is not None and current.step == SENT:  # a retap of Send (or an older button) after sending
        ask(turn, current)
        return
    tapped = REFER.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    value = ":".join(parts)
    if dialog.step == form.WARD and value == LAST_WARD:
        value = form.remembered_ward(turn.session, dialog.user_id) or value
    if value.startswith("!"):
        _control(turn, dialog, value)
    elif dialog.step in (form.REASONS, form.SERVICES):
        _toggle_button(turn, dialog, value)
    elif dialog.step == form.CONFIRM:
        _confirm_button(turn, dialog, value)
    else:
        _answer(turn, dialog, value, typed=False)


def _control(turn: Turn, dialog: Dialog, value: str) -> None:
    if value == "!resume":
        ask(turn, dialog, edit=True)
    elif value == "!restart":  # in place: a summary holding identifiers must not stay behind
        ask(turn, REFER.start(turn, form.FIRST_STEP, {}), edit=True)
    elif value.startswith("!opt:") and form.is_optional(key := value.removeprefix("!opt:")) \
            and dialog.step == form.CONFIRM:
        ask(turn, REFER.advance(turn, dialog, key, dialog.data), edit=True)
    elif value == "!cancel":
        REFER.end(turn)
        turn.edit(CANCELLED)
    elif value == "!change" and dialog.step == form.CONFIRM:  # in place: the summary's identifiers leave the chat
        v = dialog.version
        rows = chunk([(step.label, f"r:{v}:!edit:{step.key}") for step in form.CHANGEABLE], 2)
        turn.edit("Which answer would you like to change?", [*rows, [("◀ Back to the summary", f"r:{v}:!resume")]])
    elif value.startswith("!edit:") and dialog.step == form.CONFIRM:
        _change_answer(turn, dialog, value.removeprefix("!edit:"))
    else:
        turn.say(STALE_BUTTON)


def _change_answer(turn: Turn, dialog: Dialog, key: str) -> None:
    """Ask one question again; answering it returns to the summary with every other answer kept."""
    try:
        data = form.change(key, dialog.data)
    except form.NotAChoice:
        turn.say(STALE_BUTTON)
        return
    ask(turn, REFER.advance(turn, dialog, key, data), edit=True)


def _toggle_button(turn: Turn, dialog: Dialog, value: str) -> None:
    """Reasons for referral (at least one), or services already involved (optional): tick, untick, Done."""
    if value == "done":
        try:
            if dialog.step == form.REASONS:
                form.check_reasons(dialog.data)
        except InputProblem as problem:
            turn.say(str(problem))
            return
        moved = REFER.advance(turn, dialog, *form.step_after(dialog.step, dialog.data))
        ask(turn, moved, edit=dialog.step != form.REASONS)  # services: back to the summary, in place
        return
    toggle = form.toggle_reason if dialog.step == form.REASONS else form.toggle_service
    _change_in_place(turn, dialog, value, "t:", toggle)


def _confirm_button(turn: Turn, dialog: Dialog, value: str) -> None:
    """On the summary: send, or rate safeguarding (the summary is shown again, in place)."""
    if value == "submit":
        _submit(turn, dialog)
        return
    _change_in_place(turn, dialog, value, "sg:", form.rate_safeguarding)


def _change_in_place(turn: Turn, dialog: Dialog, value: str, prefix: str,
                     change: Callable[[form.FormData, str], form.FormData]) -> None:
    """A button that changes the form without moving on (`<prefix><choice>`): the same step is shown again in place;
    a value it doesn't offer (forged, or from another step) changes nothing."""
    try:
        data = change(dialog.data, value.removeprefix(prefix)) if value.startswith(prefix) else None
    except form.NotAChoice:
        data = None
    if data is None:
        turn.say(STALE_BUTTON)
        return
    ask(turn, REFER.advance(turn, dialog, dialog.step, data), edit=True)


def _submit(turn: Turn, dialog: Dialog) -> None:
    """Create the referral, owe the team its post, and leave the dialog at SENT with the reference — one
    transaction, so a crash before the reply loses nothing and a retap creates nothing twice."""
    referral = form.submit(
        turn.session, dialog.data, dialog.user_id, dialog.chat_id, turn.role or "", turn.runtime.cipher,
        turn.services.followups,
    )
    REFER.advance(turn, dialog, SENT, {"reference": referral.reference})  # the identifiers leave the dialog store
    log.info("referral %s created", referral.reference)
    turn.edit(_sent_text(referral.reference), [[handout_button(referral.reference)]])
    announce_new_referral(turn, referral)


def end_unfinished(turn: Turn) -> bool:
    """End a referral in progress (/cancel); False when there is none. A sent one's reference is just forgotten."""
    dialog = REFER.load(turn)
    return REFER.end(turn) and dialog is not None and dialog.step != SENT


@on_update(
    private_only("Please send /status to me in a private chat."),
    staff_only("refer"),
)
def status(turn: Turn) -> None:
    """/status SP-…: where the referrer's own referral is now (no clinical detail)."""
    turn.say(referrer_status(turn.session, turn.args, turn.user_id, turn.settings.tz))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("refer", refer))
    application.add_handler(CommandHandler("status", status))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^r:"))
