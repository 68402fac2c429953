"""The provider's side, in chat: answering referrals on (Accept / Waiting list / Can't help, then attended, did not
attend, finished), /referrals, /capacity, and "Is this still right?" listing checks with a field to fix; admins'
/listings of listings nobody has checked. A provider acts only for their own organisation (casework.providers)."""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.models import CantHelpReason, ProviderStatus, Referral, ReferralOn
from casework.providers import (
    ANSWER_CODES,
    CALLBACK_PREFIX,
    REASON_CODES,
    WAITING_WEEK_CHOICES,
    answer_buttons,
    may_answer,
    open_contact_details,
    provider_inbox,
    provider_organisation,
    reason_buttons,
    record_provider_answer,
    referral_on_text,
    services_of,
    shown_to_provider,
    weeks_buttons,
)
from casework.validation import InputProblem, discharge_date
from core.dialogs import Dialog
from directory.listing import FIXABLE_FIELDS, CapacityChoice, due_for_check, fix_field, mark_verified, set_capacity
from directory.models import Service
from directory.rows import RowProblem
from directory.vocabulary import Capacity
from handlers.kit import (
    STALE_BUTTON,
    Conversation,
    Turn,
    callback_parts,
    on_update,
    private_only,
    small_number,
    staff_only,
)
from scheduler.messages import LISTING_PREFIX
from scheduler.models import FollowUp, FollowUpKind
from scheduler.providers import close_listing_checks, owe_answer_to_worker

log = logging.getLogger(__name__)
NOT_YOURS = "That referral isn't for your organisation, so nothing is shown."
PRIVATE = "Please do this in a private chat with me."
MAX_INBOX = 10  # referrals shown by /referrals, one message each


# --- referrals on ---------------------------------------------------------------------------------------------

def _referral_on(turn: Turn, referral_on_id: int | None) -> tuple[ReferralOn, Referral, Service] | None:
    """The referral on a provider tapped, if it is their organisation's; otherwise says so."""
    referral_on = turn.session.get(ReferralOn, referral_on_id) if referral_on_id is not None else None
    if referral_on is None:
        turn.say(STALE_BUTTON)
        return None
    if not may_answer(referral_on, provider_organisation(turn.session, turn.user_id)):
        turn.say(NOT_YOURS)
        return None
    referral = turn.session.get(Referral, referral_on.referral_id)
    service = turn.session.get(Service, referral_on.service_id)
    if referral is None or service is None:
        turn.say(STALE_BUTTON)
        return None
    return referral_on, referral, service


@on_update(staff_only("provide"), private_only(PRIVATE))
def on_provider_button(turn: Turn) -> None:
    """`pv:<id>:<acc|wl|no|att|dna|fin|see>[:<weeks or reason>]` — a provider's answer about a referral on."""
    parts = callback_parts(turn, CALLBACK_PREFIX, 2)
    found = _referral_on(turn, small_number(parts[0]) if parts else None)
    if parts is None or found is None:
        return
    referral_on, referral, service = found
    assert referral_on.id is not None
    code, arg = parts[1], parts[2] if len(parts) > 2 else None
    if code == "see":
        turn.say(open_contact_details(turn.session, referral_on, turn.user_id, turn.runtime.cipher))
        return
    status = ANSWER_CODES.get(code)
    weeks = small_number(arg) if arg is not None else None
    reason = REASON_CODES.get(arg or "")
    if status is None or (status == ProviderStatus.WAITING and arg is not None and weeks not in WAITING_WEEK_CHOICES):
        turn.say(STALE_BUTTON)
        return
    text = referral_on_text(referral_on, referral, service.name)
    if status == ProviderStatus.WAITING and weeks is None:
        turn.edit(f"{text}\n\nAbout how many weeks is the wait?", weeks_buttons(referral_on.id))
        return
    if status == ProviderStatus.CANT_HELP and reason is None:
        turn.edit(f"{text}\n\nWhy can't you help?", reason_buttons(referral_on.id))
        return
    outcome = record_provider_answer(turn.session, referral_on, turn.user_id, status, waiting_weeks=weeks,
                                     reason=reason if isinstance(reason, CantHelpReason) else None)
    if outcome.changed and outcome.update is not None:
        owe_answer_to_worker(turn.session, referral, referral_on, outcome.update, service.name,
                             turn.services.followups.policy)
        log.info("provider answer on %s: %s", referral.reference, status.value)
    turn.toast(outcome.message)
    turn.edit(f"{shown_to_provider(turn.session, referral_on, referral, service.name, turn.user_id)}\n\n"
              f"{outcome.message}", answer_buttons(referral_on))


@on_update(staff_only("provide"), private_only(PRIVATE))
def referrals_command(turn: Turn) -> None:
    """/referrals — the organisation's referrals on that are still open, each with its answer buttons."""
    organisation = provider_organisation(turn.session, turn.user_id)
    live = provider_inbox(turn.session, organisation, MAX_INBOX) if organisation else []
    if not live:
        turn.say("No open referrals for your organisation right now. New ones arrive here as messages.")
        return
    for referral_on in live:
        referral = turn.session.get(Referral, referral_on.referral_id)
        service = turn.session.get(Service, referral_on.service_id)
        if referral is not None and service is not None:
            turn.say(shown_to_provider(turn.session, referral_on, referral, service.name, turn.user_id),
                     answer_buttons(referral_on))


# --- capacity -------------------------------------------------------------------------------------------------

def _resume_capacity(turn: Turn, dialog: Dialog) -> None:
    if dialog.step == "until":
        turn.say("Until which date are you closed? Type it like 31/01 or 31/01/2027, or /cancel.")
    else:
        _ask_capacity(turn, dialog)


CAPACITY = Conversation("capacity", "cap", resume=_resume_capacity)
LISTING_FIX = Conversation("listing_fix", "lf")


def _ask_capacity(turn: Turn, dialog: Dialog) -> None:
    v = dialog.version
    if dialog.data.get("service") is None:
        rows = [[(name[:60], f"cap:{v}:s:{i}")] for i, name in enumerate(dialog.data["names"])]
        turn.say("Which service?", rows)
        return
    weeks = [(f"{w} weeks", f"cap:{v}:wl:{w}") for w in WAITING_WEEK_CHOICES]
    turn.say(f"Is {dialog.data['name']} taking people on? Clients and link workers see this at once.", [
        [("✅ Open", f"cap:{v}:open")],
        [("⏳ Waiting list:", f"cap:{v}:noop")], weeks,
        [("Closed until a date…", f"cap:{v}:until")],
        [("✖ Not taking referrals", f"cap:{v}:closed")],
    ])


@on_update(staff_only("provide"), private_only(PRIVATE))
def capacity_command(turn: Turn) -> None:
    """/capacity — open / waiting list N weeks / closed until a date / not taking referrals, for one service."""
    organisation = provider_organisation(turn.session, turn.user_id)
    services = services_of(turn.session, organisation) if organisation else []
    if not services:
        turn.say("Your organisation has no services in the directory yet. Please ask an admin to add them.")
        return
    data: dict = {"ids": [s.id for s in services[:30]], "names": [s.name for s in services[:30]]}
    if len(services) == 1:
        data |= {"service": services[0].id, "name": services[0].name}
    _ask_capacity(turn, CAPACITY.start(turn, "choose", data))


def _provider_service(turn: Turn, service_id: str) -> Service | None:
    """One of the provider's own services (or None after saying so)."""
    service = turn.session.get(Service, service_id)
    if service is None or service.organisation_id != provider_organisation(turn.session, turn.user_id):
        turn.say("That service isn't one of your organisation's, so nothing was changed.")
        return None
    return service


def _apply_capacity(turn: Turn, dialog: Dialog, choice: CapacityChoice) -> None:
    service = _provider_service(turn, dialog.data["service"])
    if service is None:
        return
    try:
        words = set_capacity(turn.session, service, choice, turn.user_id)
    except ValueError:
        turn.say("That date has already passed. Please type a date from today on, or /cancel.")
        return
    CAPACITY.end(turn)
    log.info("capacity of %s set to %s", service.id, choice.status.value)
    turn.say(f"Thanks — {service.name} now shows as {words}. Search and client cards show it straight away.")


@on_update(staff_only("provide"), private_only(PRIVATE))
def on_capacity_button(turn: Turn) -> None:
    """`cap:<v>:s:<i>` pick a service; `open`, `wl:<weeks>`, `until`, `closed`."""
    tapped = CAPACITY.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    action, arg = parts[0], parts[1] if len(parts) > 1 else ""
    number = small_number(arg)
    if action == "s" and number is not None and number < len(dialog.data["ids"]):
        data = dialog.data | {"service": dialog.data["ids"][number], "name": dialog.data["names"][number]}
        _ask_capacity(turn, CAPACITY.advance(turn, dialog, "choose", data))
    elif dialog.data.get("service") is None or action == "noop":
        turn.toast("Pick one of the options, please.")
    elif action == "open":
        _apply_capacity(turn, dialog, CapacityChoice(Capacity.OPEN))
    elif action == "wl" and number in WAITING_WEEK_CHOICES:
        _apply_capacity(turn, dialog, CapacityChoice(Capacity.WAITING_LIST, waiting_weeks=number))
    elif action == "closed":
        _apply_capacity(turn, dialog, CapacityChoice(Capacity.CLOSED))
    elif action == "until":
        CAPACITY.advance(turn, dialog, "until", dialog.data)
        turn.say("Until which date are you closed? Type it like 31/01 or 31/01/2027, or /cancel.")
    else:
        turn.say(STALE_BUTTON)


def on_capacity_typed(turn: Turn, dialog: Dialog) -> bool:
    """The date a service is closed until."""
    if dialog.step != "until":
        _ask_capacity(turn, dialog)
        return True
    try:
        until = discharge_date(turn.text, turn.today())
    except InputProblem:
        until = None
    if until is None:
        turn.say("Please type a date like 31/01 or 31/01/2027 (in the next 6 months), or /cancel.")
        return True
    CAPACITY.advance(turn, dialog, "until", dialog.data)
    _apply_capacity(turn, dialog, CapacityChoice(Capacity.CLOSED, closed_until=until))
    return True


# --- listing checks -------------------------------------------------------------------------------------------

@on_update(staff_only("provide"), private_only(PRIVATE))
def on_listing_button(turn: Turn) -> None:
    """`lc:<follow-up id>:ok` the listing is still right; `lc:<id>:<field>` fix that field (typed next)."""
    parts = callback_parts(turn, LISTING_PREFIX, 2)
    followup = turn.session.get(FollowUp, small_number(parts[0])) if parts and small_number(parts[0]) else None
    if parts is None or followup is None or followup.service_id is None or followup.kind not in {
            FollowUpKind.LISTING_CHECK, FollowUpKind.LISTING_PROBLEM} or followup.recipient_chat_id != turn.chat_id:
        turn.say(STALE_BUTTON)
        return
    service = _provider_service(turn, followup.service_id)
    if service is None:
        return
    if parts[1] == "ok":
        mark_verified(turn.session, service, turn.today())
        close_listing_checks(turn.session, service.id, "ok")
        turn.edit(f"Thank you — {service.name} is marked as checked today ({turn.today():%d/%m/%Y}).")
    elif parts[1] in FIXABLE_FIELDS:
        LISTING_FIX.start(turn, "value", {"service": service.id, "field": parts[1]})
        current = getattr(service, parts[1]) or "nothing yet"
        turn.say(f"{FIXABLE_FIELDS[parts[1]]} for {service.name} is now: {current}\nType the right one, or /cancel.")
    else:
        turn.say(STALE_BUTTON)


def on_fix_typed(turn: Turn, dialog: Dialog) -> bool:
    """The corrected value of one listing field: checked like an import, then saved (listing verified today)."""
    service = _provider_service(turn, dialog.data["service"])
    if service is None:
        LISTING_FIX.end(turn)
        return True
    field = dialog.data["field"]
    try:
        stored = fix_field(turn.session, service, field, turn.text or "", turn.today())
    except RowProblem as problem:
        turn.say(f"That can't be saved: {problem}. Please type it again, or /cancel.")
        return True
    LISTING_FIX.end(turn)
    close_listing_checks(turn.session, service.id, field)
    log.info("listing field %s of %s fixed by its provider", field, service.id)
    turn.say(f"Saved: {FIXABLE_FIELDS[field]} for {service.name} is now {stored}. Thank you — the listing is "
             "marked as checked today.")
    return True


@on_update(staff_only("admin"), private_only(PRIVATE))
def listings_command(turn: Turn) -> None:
    """/listings (admins) — listings not checked for LISTING_CHECK_MONTHS (never checked first), with whether a
    provider has been asked."""
    policy = turn.services.followups.policy
    stale = due_for_check(turn.session, turn.today(), policy.listing_check_months, None)
    if not stale:
        turn.say(f"Every listing has been checked in the last {policy.listing_check_months} months.")
        return
    lines = [f"Listings not checked in {policy.listing_check_months} months ({len(stale)}):"]
    for service in stale[:40]:
        checked = f"{service.last_verified:%d/%m/%Y}" if service.last_verified else "never"
        lines.append(f"– {service.name} ({service.id}): last checked {checked}")
    if len(stale) > 40:
        lines.append(f"…and {len(stale) - 40} more (the directory export lists them all).")
    turn.say("\n".join(lines))


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_provider_button, pattern=rf"^{CALLBACK_PREFIX}:"))
    application.add_handler(CallbackQueryHandler(on_capacity_button, pattern=r"^cap:"))
    application.add_handler(CallbackQueryHandler(on_listing_button, pattern=rf"^{LISTING_PREFIX}:"))
    application.add_handler(CommandHandler("referrals", referrals_command))
    application.add_handler(CommandHandler("capacity", capacity_command))
    application.add_handler(CommandHandler("listings", listings_command))
