"""Ward referral conversation (/refer): consent first, minimal fields, confirm, reference back.

The form itself (questions, checks, summary, submitting) is `casework.referral_form`; this module only reads taps
and typed answers, calls it and shows the next question. Each answer is a dialog step in the database, so a restart
or crash resumes where the nurse was.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework import referral_form as form
from casework.models import REASON_LABELS
from casework.validation import InputProblem
from core.dialogs import Dialog
from core.identifiers import identifier_in, mask
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


def ask(turn: Turn, dialog: Dialog, *, edit: bool = False, intro: str = "") -> None:
    """Show the question for the dialog's current step (after `intro`, e.g. what was just noted)."""
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
    if existing is not None:
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
    if step.key == form.REASONS:
        chosen = set(dialog.data.get(form.REASONS, []))
        toggles = [
            (("✅ " if r.value in chosen else "") + label, f"r:{v}:t:{r.value}") for r, label in REASON_LABELS.items()
        ]
        return step.prompt, [*chunk(toggles, 2), [("Done", f"r:{v}:done")]]
    if step.key == form.CONFIRM:
        return form.summary(dialog.data, turn.runtime.cipher), [
            [("✅ Send referral", f"r:{v}:submit")],
            [("Start again", f"r:{v}:!restart"), ("Cancel", f"r:{v}:!cancel")],
        ]
    choices = list(step.choices)
    if step.key == form.WARD and (ward := form.remembered_ward(turn.session, dialog.user_id)):
        choices.insert(0, (ward, ward))
    return step.prompt, chunk([(label, f"r:{v}:{value}") for label, value in choices], 2)


def on_typed(turn: Turn, dialog: Dialog) -> bool:
    """A typed answer for the current step."""
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
    ask(turn, REFER.advance(turn, dialog, form.next_step(dialog.step), data), intro=intro)


@on_update()
def on_button(turn: Turn) -> None:
    """Buttons of the referral conversation: `r:<dialog version>:<value>`."""
    tapped = REFER.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    value = ":".join(parts)
    if value.startswith("!"):
        _control(turn, dialog, value)
    elif dialog.step == form.REASONS:
        _reasons_button(turn, dialog, value)
    elif dialog.step == form.CONFIRM:
        _submit(turn, dialog) if value == "submit" else turn.say(STALE_BUTTON)
    else:
        _answer(turn, dialog, value, typed=False)


def _control(turn: Turn, dialog: Dialog, value: str) -> None:
    if value == "!resume":
        ask(turn, dialog)
    elif value == "!restart":  # in place: a summary holding identifiers must not stay behind
        ask(turn, REFER.start(turn, form.FIRST_STEP, {}), edit=True)
    elif value == "!cancel":
        REFER.end(turn)
        turn.edit(CANCELLED)
    else:
        turn.say(STALE_BUTTON)


def _reasons_button(turn: Turn, dialog: Dialog, value: str) -> None:
    if value == "done":
        try:
            form.check_reasons(dialog.data)
        except InputProblem as problem:
            turn.say(str(problem))
            return
        ask(turn, REFER.advance(turn, dialog, form.next_step(form.REASONS), dialog.data))
        return
    try:
        data = form.toggle_reason(dialog.data, value.removeprefix("t:")) if value.startswith("t:") else None
    except form.NotAChoice:
        data = None
    if data is None:
        turn.say(STALE_BUTTON)
        return
    ask(turn, REFER.advance(turn, dialog, form.REASONS, data), edit=True)


def _submit(turn: Turn, dialog: Dialog) -> None:
    if not REFER.end(turn):
        turn.say("This referral was already sent.")
        return
    referral = form.submit(
        turn.session, dialog.data, dialog.user_id, dialog.chat_id, turn.role or "", turn.runtime.cipher,
        turn.services.followups,
    )
    log.info("referral %s created", referral.reference)
    turn.edit(
        f"Referral sent. Reference: {referral.reference}\n\n"
        "Please note this reference. I'll message you when a link worker picks it up, and when the case closes."
    )
    announce_new_referral(turn, referral)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("refer", refer))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^r:"))
