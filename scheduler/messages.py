"""What follow-up messages say, their answer buttons and compact callback data. Pure text, no database.

Staff messages name a case by its reference only, never by patient details.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from casework.models import ENGAGEMENT_LABELS, Engagement
from core.i18n import N_, Translate, english
from scheduler.models import FollowUpKind

Keyboard = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)

CALLBACK_PREFIX = "fu"
_CALLBACK = re.compile(r"^fu:([0-9]{1,9}):([a-z0-9]{1,8})$")  # ids fit the INTEGER column

SNOOZE = "later"
ENGAGEMENT_ANSWERS: dict[str, tuple[str, Engagement | None]] = {
    "eng": (ENGAGEMENT_LABELS[Engagement.ENGAGED], Engagement.ENGAGED),
    "wait": (ENGAGEMENT_LABELS[Engagement.WAITING], Engagement.WAITING),
    "cgt": (ENGAGEMENT_LABELS[Engagement.COULDNT_GET_THROUGH], Engagement.COULDNT_GET_THROUGH),
    "dec": (ENGAGEMENT_LABELS[Engagement.DECLINED], Engagement.DECLINED),
    SNOOZE: ("Not yet", None),
}
CLIENT_ANSWERS: dict[str, str] = {"yes": N_("Yes"), "notyet": N_("Not yet"), "help": N_("I need help")}
CLIENT_THANKS: dict[str, str] = {
    "yes": "That's great to hear. Thank you for letting us know!",
    "notyet": "Thanks for letting us know. There's no rush, and your link worker is there if you'd like a hand.",
    "help": "Thank you. We've told your link worker you'd like some help, and they'll be in touch soon.",
}
KIND_LABELS: dict[FollowUpKind, str] = {
    FollowUpKind.ENGAGEMENT_CHECK: "engagement check",
    FollowUpKind.CLIENT_CHECK: "client check-in",
    FollowUpKind.FIRST_CONTACT_REMINDER: "first-contact reminder",
    FollowUpKind.FIRST_CONTACT_ESCALATION: "first-contact escalation",
    FollowUpKind.UNANSWERED_ESCALATION: "unanswered-prompt escalation",
    FollowUpKind.CLIENT_REPLY: "client reply",
    FollowUpKind.FAILURE_NOTICE: "failure notice",
    FollowUpKind.INACTIVITY_WARNING: "inactivity warning",
    FollowUpKind.OUTCOME_REMINDER: "wellbeing follow-up reminder",
    FollowUpKind.OUTCOME_CHECK: "client wellbeing question",
    FollowUpKind.FAILURE_DIGEST: "failure digest",
    FollowUpKind.TEAM_POST: "team chat post",
    FollowUpKind.REFERRER_NOTICE: "referrer notice",
    FollowUpKind.PROVIDER_REFERRAL: "referral on to a provider",
    FollowUpKind.PROVIDER_ANSWER: "provider's answer",
    FollowUpKind.PROVIDER_CHASE: "provider chase",
    FollowUpKind.LISTING_CHECK: "listing check",
    FollowUpKind.LISTING_OVERDUE: "unanswered listing checks",
    FollowUpKind.LISTING_PROBLEM: "listing problem report",
}
LISTING_PREFIX = "lc"
DIGEST_MAX_LINES = 40  # a digest names at most this many follow-ups; the rest are in /failedfollowups
BLOCKED = "recipient blocked the bot"
INTERRUPTED = "interrupted; may not have been delivered"
EXPIRED_BUTTON = "That button has expired. Nothing has been changed."


def listing_check_buttons(followup_id: int) -> Keyboard:
    """'Yes, still right' and one button per field that can be fixed from chat (`lc:<id>:<code>`)."""
    fields = [("📞 Phone", "phone"), ("✉ Email", "email"), ("🌐 Website", "url"), ("🕘 Times", "opening_hours")]
    return [[("✅ Yes, still right", f"{LISTING_PREFIX}:{followup_id}:ok")],
            [(label, f"{LISTING_PREFIX}:{followup_id}:{code}") for label, code in fields]]


def callback_data(followup_id: int, answer: str) -> str:
    return f"{CALLBACK_PREFIX}:{followup_id}:{answer}"


def parse_callback(data: object) -> tuple[int, str] | None:
    """(follow-up id, answer code) from `fu:<id>:<code>`; None for anything malformed or forged."""
    match = _CALLBACK.match(data) if isinstance(data, str) else None
    return (int(match.group(1)), match.group(2)) if match else None


def day_label(moment: datetime, tz: tzinfo) -> str:
    """'Tue 4 Mar' in local time."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


def engagement_prompt(reference: str, service: str, *, final: bool, reminder: bool, signposted_on: str) -> str:
    heading = "Reminder: no answer yet." if reminder else "Follow-up"
    when = f"Signposted on {signposted_on}." + (" This is the final check before the case ends." if final else "")
    return f"{heading}\nDid {reference} engage with {service}?\n{when}"


def engagement_buttons(followup_id: int, snooze_days: int) -> Keyboard:
    def button(code: str, label: str | None = None) -> tuple[str, str]:
        return (label or ENGAGEMENT_ANSWERS[code][0], callback_data(followup_id, code))

    return [
        [button("eng"), button("wait")],
        [button("cgt"), button("dec")],
        [button(SNOOZE, f"Not yet – remind me in {snooze_days} days")],
    ]


CLIENT_PROMPT = N_("Did you manage to contact {service}?\nJust tap an answer below. If you'd like to talk to "
                   "someone, call the social prescribing team on {phone}. You can stop these messages at any time "
                   "with /stopcheckins.")


def client_prompt(service: str, *, reminder: bool, phone: str = "", t: Translate = english) -> str:
    """The client's check-in, in their language (`t`), with the team's number to call; the service's name is as
    the provider wrote it."""
    opening = t(N_("Hello again!")) if reminder else t(N_("Hello!"))
    return f"{opening} " + t(CLIENT_PROMPT).format(service=service, phone=phone)


def client_buttons(followup_id: int, t: Translate = english) -> Keyboard:
    return [[(t(label), callback_data(followup_id, code))] for code, label in CLIENT_ANSWERS.items()]


def first_contact_reminder(reference: str, received_on: str, *, claimed: bool, urgent: bool = False) -> str:
    if claimed:
        what = f"urgent referral {reference}" if urgent else reference
        return f"Reminder: no first contact has been recorded yet for {what} (received {received_on})."
    what = "urgent referral" if urgent else "referral"
    return f"Reminder: {what} {reference} (received {received_on}) has not been claimed yet."


def first_contact_escalation(
    reference: str, received_on: str, *, claimed: bool, working_days: int, urgent: bool = False,
    discharge_on: str | None = None,
) -> str:
    """The team's alert; urgent referrals and a coming discharge say so first, since they cannot wait."""
    state = "claimed but with no first contact recorded" if claimed else "still unclaimed"
    if urgent or discharge_on:
        kind = "URGENT referral" if urgent else "Referral"
        deadline = " It needed contact within 1 working day." if urgent else ""
        leaving = f" The patient is expected to be discharged on {discharge_on}." if discharge_on else ""
        return (f"Escalation: {kind} {reference} (received {received_on}) is {state}.{deadline}{leaving} "
                "Please check it.")
    return (
        f"Escalation: referral {reference} (received {received_on}) is {state} "
        f"after {working_days} working days. Please check it."
    )


def unanswered_escalation(reference: str, service: str, *, about_client: bool) -> str:
    if about_client:
        return (
            f"The client for {reference} hasn't answered the check-in about {service} (asked twice). "
            "You may want to contact them another way."
        )
    return f"No answer yet, asked twice: did {reference} engage with {service}? Please could someone follow this up."


def client_reply(reference: str, service: str, answer: str) -> str:
    text = f"Client for {reference} says: {CLIENT_ANSWERS.get(answer, answer)} (about {service})."
    return text + (" Please get in touch with them." if answer == "help" else "")


def failure_notice(reference: str, about_id: int, kind: FollowUpKind, error: str) -> str:
    what = f"Follow-up #{about_id} ({KIND_LABELS[kind]} for {reference})"
    if error == INTERRUPTED:
        problem = f"{what} was interrupted by a restart and may not have been delivered."
    else:
        problem = f"{what} was not delivered: {error}."
    return f"{problem} To send it again: /retryfollowup {about_id}"


def inactivity_warning(reference: str, received_on: str, close_on: str) -> str:
    return (
        f"{reference} (received {received_on}) is still open, but nothing has been recorded on it for a long time. "
        f"Please close it, or record what is happening. If nothing is recorded by {close_on}, it will be closed as "
        "inactive and its identifiers anonymised."
    )


def outcome_reminder(reference: str, months: int, closed_on: str) -> str:
    return (
        f"{reference} closed {months} months ago (on {closed_on}). If the client is happy to, a short wellbeing "
        f"check (ONS4) now shows how they are doing: open it with /case {reference} and tap 📊 Wellbeing, "
        f"'{months} months after closure'. It's optional — skip it if it isn't right for them."
    )


OUTCOME_SKIP = "skip"


def outcome_code(score: int) -> str:
    """The answer code of a 0-10 score on a wellbeing question: 'n7'."""
    return f"n{score}"


def outcome_score(code: str) -> int | None:
    """The score an answer code carries; None for Skip. Raises ValueError for anything else."""
    if code == OUTCOME_SKIP:
        return None
    if not re.fullmatch(r"n(?:[0-9]|10)", code):
        raise ValueError(code)
    return int(code[1:])


def outcome_prompt(question: str, number: int, total: int, intro: str, when: str) -> str:
    opening = (f"Hello! {when}, we ask everyone we support four short questions about how they feel. {intro}\n"
               "You can skip any of them, and stop these messages at any time with /stopcheckins.\n\n"
               if number == 1 else "")
    return f"{opening}Question {number} of {total}: {question}"


def outcome_buttons(followup_id: int, scores: Sequence[int]) -> Keyboard:
    numbers = [(str(score), callback_data(followup_id, outcome_code(score))) for score in scores]
    return [numbers[:6], numbers[6:], [("Skip", callback_data(followup_id, OUTCOME_SKIP))]]


def outcome_answered_line(code: str, last: bool) -> str:
    said = "Skipped." if code == OUTCOME_SKIP else f"You said: {code[1:]}."
    return f"{said} " + ("That's all — thank you for telling us how you are." if last else "Thank you.")


def interrupted_digest(lines: Sequence[str], ids: Sequence[int]) -> str:
    """One message for every prompt a crash left mid-send (`lines` from `scheduler.admin.describe_failed`)."""
    shown = list(lines[:DIGEST_MAX_LINES])
    if len(lines) > len(shown):
        shown.append(f"… and {len(lines) - len(shown)} more: see /failedfollowups")
    retry = " ".join(str(followup_id) for followup_id in ids) if len(ids) <= 10 else "all"
    return (
        "A restart interrupted these follow-ups while they were being sent, so each may or may not have been "
        "delivered. Please check with the person if it matters:\n" + "\n".join(shown)
        + f"\n\nTo send them again: /retryfollowup {retry}"
    )


def client_blocked_notice(reference: str, service: str) -> str:
    return (
        f"The client for {reference} has blocked the bot, so the check-in about {service} was not delivered "
        "and their check-ins have been stopped. Please follow up another way."
    )


def answered_line(kind: FollowUpKind, answer: str, remind_on: str | None = None) -> str:
    """The line added to a prompt once it is answered."""
    if kind == FollowUpKind.CLIENT_CHECK:
        return f"You said: {CLIENT_ANSWERS[answer]}. {CLIENT_THANKS[answer]}"
    if answer == SNOOZE:
        return f"Not yet. I'll ask again on {remind_on}." if remind_on else "Not yet: you'll be asked again."
    return f"Recorded: {ENGAGEMENT_ANSWERS[answer][0]}."
