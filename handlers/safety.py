"""Crisis checks on everything people type: the emergency reply, the gentle "Are you safe right now?", and the
referrer's guidance. The detector and the words are `casework.crisis`; this module only replies and remembers.

Who gets what, and why:
- Anyone searching or answering a client question (clients, and staff using the client search — a member of
  staff can be in crisis too): CLEAR -> the emergency reply and nothing else; POSSIBLE -> "Are you safe right now?"
  with the contacts and two buttons; "I'm safe, carry on" then does what they asked (runs the search).
- A referrer writing the risks: the nurse is not the one in crisis, so no client reply; the case is flagged (by
  the form) and the nurse is told what to do instead. Crisis words typed into another question are not saved there.
- A link worker searching from inside a case types about a client ("suicide prevention", "self-harm support"):
  the search always runs; clear danger adds a reminder of the crisis pathway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from casework.crisis import (
    MISPLACED_RISK,
    Assessment,
    Concern,
    Level,
    assess,
    emergency_reply,
    referral_guidance,
    safety_question,
)
from casework.referral_form import RISKS
from core.i18n import N_
from handlers.kit import STALE_BUTTON, Buttons, Conversation, Turn

CarryOn = Callable[[Turn, str], None]  # what the person was doing, run with the text they typed
ASKED = "asked"
SAFE, HELP = "ok", "help"
SAFE_THANKS = N_(
    "Thank you for letting me know. If that changes, call 999, or Samaritans free on 116 123 at any time."
)
SAFETY = Conversation("safety", "sf", gone=STALE_BUTTON)


def screened(turn: Turn, text: str, carry_on: str) -> bool:
    """Answer `text` as a crisis when it suggests one; True when it did (the caller does nothing more).

    `carry_on` names what to do with the text if the person taps "I'm safe, carry on" (see `answer_check`).
    """
    found = assess(text)
    if found.level is Level.CLEAR:
        turn.say(emergency_reply(found, turn.t))
        return True
    if found.level is Level.NONE:
        return False
    data = {
        "carry_on": carry_on,
        "text": turn.runtime.cipher.encrypt(text),  # what they wrote may be a disclosure: never kept in clear
        "concern": found.concern.value if found.concern else "",
        "someone_else": found.about_someone_else,
    }
    dialog = SAFETY.start(turn, ASKED, data)
    turn.say(safety_question(found, turn.t), _check_buttons(turn, dialog.version, found))
    return True


def _check_buttons(turn: Turn, version: int, found: Assessment) -> Buttons:
    if found.about_someone_else:
        safe, help_now = N_("We're safe, carry on"), N_("Someone needs help now")
    else:
        safe, help_now = N_("I'm safe, carry on"), N_("I need help now")
    return [[(turn.t(safe), f"sf:{version}:{SAFE}")], [(turn.t(help_now), f"sf:{version}:{HELP}")]]


def answer_check(turn: Turn, carry_on: Mapping[str, CarryOn]) -> None:
    """A tap on "I'm safe, carry on" (do what they asked) or "I need help now" (the emergency reply)."""
    tapped = SAFETY.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    if parts[0] not in (SAFE, HELP) or not SAFETY.end(turn):
        turn.say(STALE_BUTTON)
        return
    text = turn.runtime.cipher.decrypt(dialog.data.get("text", ""))
    if parts[0] == HELP:
        turn.edit(emergency_reply(_assessment(text, dialog.data), turn.t))
        return
    action = carry_on.get(dialog.data.get("carry_on", ""))
    if action is None or not text:
        turn.say(STALE_BUTTON)
        return
    turn.edit(turn.t(SAFE_THANKS), or_send=False)
    action(turn, text)


def _assessment(text: str, data: dict[str, Any]) -> Assessment:
    """What the waiting message (`text`, decrypted) suggested, read again, so the emergency reply has the same
    specialist lines (Rape Crisis, Childline) without anything more about the disclosure kept in clear; the stored
    concern when the text is gone."""
    found = assess(text) if text else Assessment()
    if found.is_crisis:
        return found
    concern = data.get("concern") or None
    return Assessment(
        Level.POSSIBLE, Concern(concern) if concern else None, about_someone_else=bool(data.get("someone_else"))
    )


# --- staff ---------------------------------------------------------------------------------------------------


def misplaced_in_referral(turn: Turn, step: str, text: str) -> bool:
    """Crisis words typed into a referral question that isn't the risks: not saved; True when answered so."""
    if step == RISKS or not assess(text).is_crisis:
        return False
    turn.say(MISPLACED_RISK)
    return True


def guide_referrer(turn: Turn, data: dict[str, Any]) -> None:
    """After the risks answer: when the form flagged it, tell the referrer what this means and what to do now."""
    level = data.get("risk_flag")
    if level:
        concern = data.get("risk_concern") or None
        turn.say(referral_guidance(Assessment(Level(level), Concern(concern) if concern else None)))


def caption_in_crisis(turn: Turn) -> bool:
    """A photo or file whose caption suggests crisis gets the emergency reply (the bot reads no pictures)."""
    message = turn.update.effective_message
    caption = message.caption if message is not None and isinstance(message.caption, str) else ""
    found = assess(caption) if caption else Assessment()
    if not found.is_crisis:
        return False
    turn.say(emergency_reply(found, turn.t))
    return True
