"""/talk and "talk to a person": a call back from the social prescribing service (a self-referral), and carer mode.

consent → phone or a message here → best time → what it's about → a referral with source "self" in the link
workers' inbox, its team post owed through the outbox like any referral. The form is `casework.self_referral`; the
phone number is encrypted as soon as it is typed and the person's message is deleted from the chat, as the NHS
number is in a ward referral. Carer mode (`I'm looking for someone else`) words everything for the person being
helped and marks the request as third party.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework import self_referral as form
from casework.models import REASON_LABELS, ReferralReason
from casework.validation import InputProblem
from core.dialogs import Dialog
from core.i18n import N_
from core.preferences import remember
from handlers.kit import STALE_BUTTON, Buttons, Conversation, Turn, callback_parts, chunk, on_update
from handlers.safety import screened
from handlers.team import announce_new_referral

log = logging.getLogger(__name__)

OFFER = N_("Would you like someone from the social prescribing team to contact you? They can phone you, or "
           "message you here, at a time that suits you. It's free.")
OFFER_CARER = N_("Would you like someone from the social prescribing team to contact you about the person you're "
                 "helping? They can phone you, or message you here, at a time that suits you. It's free.")
OR_CALL = N_("Or call them yourself: {phone}. In an emergency call 999.")
CONSENT = N_("Before I pass this on: the social prescribing team will see what you tell me here, so they can "
             "contact you. Is that OK?")
CONSENT_CARER = N_("Before I pass this on: the social prescribing team will see what you tell me here. Does the "
                   "person you're helping know you're asking, and are they happy for you to?")
HOW = N_("How would you like them to get in touch?")
PHONE = N_("Please type the phone number to call (a UK number, for example 07911 123456). I'll remove your "
           "message from this chat once I've noted it.")
WHEN = N_("When is the best time to contact you?")
ABOUT = N_("What would you like help with? Tap the closest one.")
ABOUT_CARER = N_("What would the person you're helping like help with? Tap the closest one.")
SENT = N_("Thank you — your request has gone to the social prescribing team (reference {reference}). Someone "
          "will contact you, usually within 2 working days. If things get worse, call NHS 111, or 999 in an "
          "emergency.")
NO_CONSENT = N_("That's fine — nothing has been passed on. You can still search here, or call the team yourself: "
                "{phone}.")
NOTED_PHONE = N_("Thank you, I've noted the number and removed your message from this chat.")
CARER_ON = N_("Thank you for helping someone. I'll word things for the person you're helping. Type what they need "
              "help with, for example \"help with bills\", or ask for a call back.")
CARER_OFF = N_("OK — I'll talk about you again. Type what you need help with.")
ALREADY_ASKED = N_("Your request has already gone to the team (reference {reference}). Someone will be in touch.")
BEST_TIME_BUTTONS = ((N_("Morning"), "morning"), (N_("Afternoon"), "afternoon"), (N_("Early evening"), "evening"),
                     (N_("Any time"), "any"))
CLIENT_REASONS = {  # the referral reasons in a client's words
    ReferralReason.LONELINESS: N_("Feeling lonely"), ReferralReason.MONEY: N_("Money, debt, benefits"),
    ReferralReason.HOUSING: N_("Housing"), ReferralReason.CARER: N_("Caring for someone"),
    ReferralReason.MENTAL_WELLBEING: N_("Feeling low or anxious"),
    ReferralReason.PHYSICAL_ACTIVITY: N_("Getting active"), ReferralReason.HOME_SAFETY: N_("Safety at home"),
    ReferralReason.LONG_TERM_CONDITION: N_("Living with a health condition"),
    ReferralReason.FOOD_FUEL: N_("Food or heating"), ReferralReason.EMPLOYMENT_LEARNING: N_("Work or learning"),
    ReferralReason.SUBSTANCE_USE: N_("Alcohol or drugs"), ReferralReason.OTHER: N_("Something else / not sure"),
}  # fmt: skip
assert set(CLIENT_REASONS) == set(REASON_LABELS)
CALL_BACK_BUTTON = (N_("📞 Ask for a call back"), "tk:offer:start")
CARER_BUTTON = (N_("👥 I'm looking for someone else"), "menu:carer")
RATHER_TALK = N_("If you'd rather talk to a person, ask for a call back:")
OR_CANCEL = N_("(Or send /cancel to stop.)")
DONE = "done"
MIN_DIGITS_TO_HIDE = 6  # a typed answer with this many digits may be most of a phone number: removed from the chat


def _resume(turn: Turn, dialog: Dialog) -> None:
    if dialog.step == DONE:
        turn.say(turn.t(ALREADY_ASKED).format(reference=dialog.data["reference"]))
        return
    text, rows = _question(turn, dialog)
    turn.say(text, rows)


TALK = Conversation("talk", "tk", resume=_resume)


def offer_call_back(turn: Turn) -> None:
    """/talk, the Talk button, or typed "talk to a person": the call-back offer, and the number to call."""
    carer = turn.preferences.for_someone_else
    # the deployment's own words on reaching a person (TALK_TO_PERSON_TEXT) are English; other languages get the
    # team's number in a translated sentence
    how_to_call = (turn.settings.talk_to_person_text if turn.language == "en"
                   else turn.t(OR_CALL).format(phone=turn.settings.talk_phone))
    text = turn.t(OFFER_CARER if carer else OFFER) + "\n\n" + how_to_call
    turn.say(text, [[(turn.t(CALL_BACK_BUTTON[0]), CALL_BACK_BUTTON[1])], [(turn.t(N_("No, thanks")), "tk:offer:no")]])


def set_carer_mode(turn: Turn, on: bool) -> None:
    """Carer mode on or off (kept until changed or /forgetme)."""
    remember(turn.session, turn.user_id, for_someone_else=on)
    turn.say(turn.t(CARER_ON if on else CARER_OFF),
             [[(turn.t(CALL_BACK_BUTTON[0]), CALL_BACK_BUTTON[1])]] if on else [])


def _question(turn: Turn, dialog: Dialog) -> tuple[str, Buttons]:
    t, v, carer = turn.t, dialog.version, bool(dialog.data.get("carer"))
    if dialog.step == form.CONSENT:
        yes = t(N_("Yes, they agree")) if carer else t(N_("Yes, that's OK"))
        return t(CONSENT_CARER if carer else CONSENT), [[(yes, f"tk:{v}:yes"), (t(N_("No")), f"tk:{v}:no")]]
    if dialog.step == form.HOW:
        return t(HOW), [[(t(N_("📞 Phone me")), f"tk:{v}:{form.BY_PHONE}")],
                        [(t(N_("💬 Message me here")), f"tk:{v}:{form.BY_CHAT}")]]
    if dialog.step == form.PHONE:
        return t(PHONE), []
    if dialog.step == form.WHEN:
        return t(WHEN), chunk([(t(label), f"tk:{v}:{value}") for label, value in BEST_TIME_BUTTONS], 2)
    rows = chunk([(t(label), f"tk:{v}:{reason.value}") for reason, label in CLIENT_REASONS.items()], 2)
    return t(ABOUT_CARER if carer else ABOUT), rows


@on_update()
def talk_command(turn: Turn) -> None:
    offer_call_back(turn)


@on_update()
def on_button(turn: Turn) -> None:
    """`tk:<version>:<value>`; `tk:offer:start` / `tk:offer:no` come from the offer, before any dialog."""
    parts = callback_parts(turn, "tk", 2)
    if parts is not None and parts[0] == "offer":
        if parts[1] == "start" and (earlier := form.open_request(turn.session, turn.user_id)) is not None:
            turn.edit(turn.t(ALREADY_ASKED).format(reference=earlier.reference))
        elif parts[1] == "start":
            carer = turn.preferences.for_someone_else
            dialog = TALK.start(turn, form.CONSENT, {"carer": carer})
            turn.edit(*_question(turn, dialog))
        else:
            turn.edit(turn.t(NO_CONSENT).format(phone=turn.settings.talk_phone))
        return
    tapped = TALK.tapped(turn)
    if tapped is None:
        return
    dialog, values = tapped
    if dialog.step in {DONE, form.PHONE}:
        _resume(turn, dialog)
        return
    _answer(turn, dialog, values[0])


def _answer(turn: Turn, dialog: Dialog, value: str, *, typed: bool = False) -> None:
    try:
        step, data = form.answer(dialog.step, value, dialog.data, turn.runtime.cipher)
    except InputProblem as problem:
        if typed and sum(char.isdigit() for char in value) >= MIN_DIGITS_TO_HIDE:
            turn.delete()  # a mistyped phone number is still most of one
        turn.say(turn.t(str(problem)) + "\n" + turn.t(OR_CANCEL))
        return
    except form.NotAChoice:
        turn.say(turn.t(STALE_BUTTON))
        return
    except form.NoConsent:
        TALK.end(turn)
        turn.edit(turn.t(NO_CONSENT).format(phone=turn.settings.talk_phone))
        return
    if typed:
        turn.delete()  # stored encrypted now; their copy in the chat would outlive the request
        turn.say(turn.t(NOTED_PHONE))
    if dialog.step == form.ABOUT:
        _submit(turn, dialog, data)
        return
    moved = TALK.advance(turn, dialog, step, data)
    turn.edit(*_question(turn, moved)) if not typed else turn.say(*_question(turn, moved))


def _submit(turn: Turn, dialog: Dialog, data: dict) -> None:
    """The referral, its team post (outbox) and the dialog left at DONE with the reference: one transaction."""
    referral = form.submit(turn.session, data, dialog.user_id, dialog.chat_id, turn.runtime.cipher,
                           turn.services.followups)
    TALK.advance(turn, dialog, DONE, {"reference": referral.reference})  # the phone number leaves the dialog store
    log.info("self-referral %s created", referral.reference)
    turn.edit(turn.t(SENT).format(reference=referral.reference))
    announce_new_referral(turn, referral)


def on_typed(turn: Turn, dialog: Dialog) -> bool:
    """The phone number, typed at the phone step (checked for crisis first); other typed text is a search."""
    if dialog.step != form.PHONE:
        return False
    text = turn.text or ""
    if screened(turn, text, "talk"):
        return True
    _answer(turn, dialog, text, typed=True)
    return True


def ask_again(turn: Turn, _text: str) -> None:
    """After "I'm safe, carry on" at the phone step: the question again."""
    dialog = TALK.load(turn)
    if dialog is not None:
        _resume(turn, dialog)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("talk", talk_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^tk:"))
