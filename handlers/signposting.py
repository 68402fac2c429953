"""Signposting from inside a case: suggestions from its reasons for referral, or a search the link worker types."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from casework.crisis import staff_search_note
from casework.models import ROUTE_LABELS, ContactRoute
from casework.providers import (
    SHARED_ROUTES,
    clean_contact_number,
    clean_need,
    providers_of,
    refer_on,
    referral_on_text,
)
from casework.referrals import change_problem, get_referral, signpost_case
from casework.signposting import MAX_SUGGESTIONS, service_label, suggest_services
from casework.validation import InputProblem, clean_text
from core.dialogs import Dialog
from directory.models import Service
from directory.search import SearchFilters
from directory.unmet import record_unmet_search
from handlers.cases import NOT_FOUND, private_case, show_case
from handlers.kit import STALE_BUTTON, Conversation, Turn, on_update, small_number, staff_only
from scheduler.providers import owe_referral_on

PICK = "pick"
# Referring on (the service is asked to contact the client): consent, then route, number and "what they need".
CONSENT, ROUTE, NUMBER, NEED = "refer_consent", "refer_route", "refer_number", "refer_need"
REFERRAL_STEPS = frozenset({CONSENT, ROUTE, NUMBER, NEED})
MAX_CASE_SEARCH = 200  # a link worker's search inside a case is a few words


def offer_choices(turn: Turn, dialog: Dialog, intro: str) -> None:
    """The dialog's services as numbered buttons to pick (signpost) or refer on, and Done."""
    names = [_label(turn, sid) for sid in dialog.data["ids"]]
    v = dialog.version
    rows = [[(f"{i + 1}. {name}", f"p:{v}:{i}"), (f"{i + 1}. Refer on ➡", f"p:{v}:ro:{i}")]
            for i, name in enumerate(names)]
    rows.append([("Done", f"p:{dialog.version}:done")])
    turn.say(intro, rows)


def _label(turn: Turn, service_id: str, limit: int = 64) -> str:
    """The service's name with its organisation and town (two services may share a name)."""
    record = turn.index.get(service_id)
    return service_label(record, limit) if record is not None else service_id


def _offer_again(turn: Turn, dialog: Dialog) -> None:
    if dialog.step in REFERRAL_STEPS:
        _ask_referral_step(turn, dialog)
        return
    offer_choices(turn, dialog, f"Pick a service for {dialog.data['ref']} to signpost the client to (they contact "
                                "it), or tap Refer on to ask the service to contact the client. Or type another "
                                "search:")


def _ask_referral_step(turn: Turn, dialog: Dialog) -> None:
    """The question a referral on is waiting for."""
    v, name = dialog.version, dialog.data.get("service_name", "the service")
    back = ("Cancel — back to the list", f"p:{v}:back")
    if dialog.step == CONSENT:
        turn.say(f"Refer {dialog.data['ref']} on to {name}? They will be asked to contact the client, and will see "
                 "only the reference, the client's initials, the contact number and a short line about what they "
                 f"need. Has the client agreed to share these with {name}?",
                 [[("Yes, the client agreed", f"p:{v}:ok")], [back]])
    elif dialog.step == ROUTE:
        turn.say(f"How should {name} contact the client?",
                 [[(ROUTE_LABELS[route], f"p:{v}:rt:{route.value}") for route in SHARED_ROUTES], [back]])
    elif dialog.step == NUMBER:
        turn.say("Type the phone number the client agreed they may use (e.g. 07700 900123). It is stored "
                 "encrypted, and your message is removed from this chat.", [[back]])
    else:
        turn.say(f"In one line, what do they need from {name}? (e.g. 'help with a PIP claim'). No risks, "
                 "clinical details or identifiers: they are never shared with services.", [[back]])


SIGNPOST = Conversation("signpost", "p", resume=_offer_again)


def start_signposting(turn: Turn, reference: str) -> None:
    """Open signposting for a case with suggestions from its reasons; the worker can also type a search."""
    case = private_case(turn, reference, change_problem)
    if case is None:
        return
    hits = suggest_services(turn.index, case.reasons)
    dialog = SIGNPOST.start(turn, PICK, {"ref": case.reference, "ids": [hit.service_id for hit in hits]})
    offer_choices(
        turn,
        dialog,
        f"Signposting {case.reference}. Suggestions for its reasons are below — or type what "
        "the client needs, e.g. 'debt advice'. Send /cancel to stop.",
    )


def on_typed(turn: Turn, dialog: Dialog) -> bool:
    """A search typed from inside a case: show the top services as buttons to pick. A search that finds nothing
    fitting is unmet need (the words only: the case is not recorded with it). While referring on, the typed number
    or "what they need" line."""
    if dialog.step == NUMBER:
        return _number_typed(turn, dialog)
    if dialog.step == NEED:
        return _need_typed(turn, dialog)
    if dialog.step in REFERRAL_STEPS:
        _ask_referral_step(turn, dialog)
        return True
    try:
        query = clean_text(turn.text, MAX_CASE_SEARCH, "That search")
    except InputProblem as problem:
        turn.say(str(problem))
        return True
    if note := staff_search_note(query):  # staff search for a client: never blocked (handlers/safety.py)
        turn.say(note)
    result = turn.index.find(query, SearchFilters(), limit=MAX_SUGGESTIONS)
    hits = result.hits
    dialog = SIGNPOST.advance(turn, dialog, PICK, {**dialog.data, "ids": [hit.service_id for hit in hits]})
    if not hits:
        if result.unmet is not None:
            record_unmet_search(turn.session, query, SearchFilters(), result.unmet)
        turn.say("Nothing in the directory fits that; it has been noted as unmet need. Try other words, or /cancel.")
        return True
    _offer_again(turn, dialog)
    return True


@on_update(staff_only("casework"))
def on_pick(turn: Turn) -> None:
    """`p:<dialog version>:<index>|done` — record the chosen service against the case."""
    tapped = SIGNPOST.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    reference = dialog.data["ref"]
    if parts[0] in {"ro", "ok", "rt", "back"}:
        _referral_step(turn, dialog, parts)
        return
    if dialog.step in REFERRAL_STEPS:  # a list button while a referral on is being asked for: nothing changes
        turn.say(STALE_BUTTON)
        return
    if parts[0] == "done":
        SIGNPOST.end(turn)
        show_case(turn, reference, in_place=True)
        return
    choice = small_number(parts[0])
    if choice is None or choice >= len(dialog.data["ids"]):
        turn.say(STALE_BUTTON)
        return
    referral = get_referral(turn.session, reference)
    if referral is None:
        turn.say(NOT_FOUND)
        return
    service_id = dialog.data["ids"][choice]
    outcome = signpost_case(turn.session, referral, service_id, turn.user_id, turn.role, turn.services.followups)
    turn.say(f"{outcome.message}\nService: {_label(turn, service_id, 400)}\n\n"
             "Pick another, type a new search, or tap Done.")


def _referral_step(turn: Turn, dialog: Dialog, parts: list[str]) -> None:
    """`p:<v>:ro:<i>` start referring on; `ok` consent given; `rt:<route>` route chosen; `back` to the list."""
    action, data = parts[0], dict(dialog.data)
    if action == "back":
        for key in ("service", "service_name", "route", "number_enc"):
            data.pop(key, None)
        _offer_again(turn, SIGNPOST.advance(turn, dialog, PICK, data))
        return
    if action == "ro" and dialog.step not in REFERRAL_STEPS:
        choice = small_number(parts[1]) if len(parts) > 1 else None
        if choice is None or choice >= len(dialog.data["ids"]):
            turn.say(STALE_BUTTON)
            return
        service = turn.session.get(Service, dialog.data["ids"][choice])
        if service is None:
            turn.say(STALE_BUTTON)
            return
        if not providers_of(turn.session, service.organisation_id):
            turn.say(f"{service.name} has nobody on Signpost to receive referrals yet, so it can't be asked to "
                     "contact the client. Tap its name to signpost the client to it instead.")
            return
        data |= {"service": service.id, "service_name": service.name[:100]}
        _ask_referral_step(turn, SIGNPOST.advance(turn, dialog, CONSENT, data))
    elif action == "ok" and dialog.step == CONSENT:
        _ask_referral_step(turn, SIGNPOST.advance(turn, dialog, ROUTE, data))
    elif action == "rt" and dialog.step == ROUTE and len(parts) > 1 and parts[1] in {r.value for r in SHARED_ROUTES}:
        _ask_referral_step(turn, SIGNPOST.advance(turn, dialog, NUMBER, data | {"route": parts[1]}))
    else:
        turn.say(STALE_BUTTON)


def _number_typed(turn: Turn, dialog: Dialog) -> bool:
    turn.delete()  # a phone number: out of the chat once read (it is kept encrypted)
    try:
        number = clean_contact_number(turn.text)
    except InputProblem as problem:
        turn.say(str(problem))
        return True
    data = dialog.data | {"number_enc": turn.runtime.cipher.encrypt(number)}
    _ask_referral_step(turn, SIGNPOST.advance(turn, dialog, NEED, data))
    return True


def _need_typed(turn: Turn, dialog: Dialog) -> bool:
    """The last answer: refer on, and owe the service's providers the referral (same transaction)."""
    try:
        need = clean_need(turn.text)
    except InputProblem as problem:
        turn.say(str(problem))
        return True
    referral = get_referral(turn.session, dialog.data["ref"])
    if referral is None:
        SIGNPOST.end(turn)
        turn.say(NOT_FOUND)
        return True
    cipher = turn.runtime.cipher
    outcome = refer_on(
        turn.session, referral, dialog.data["service"], turn.user_id, turn.role, cipher,
        route=ContactRoute(dialog.data["route"]), contact_number=cipher.decrypt(dialog.data["number_enc"]),
        need=need, hooks=turn.services.followups,
    )
    data = {key: value for key, value in dialog.data.items() if key not in {"service", "service_name", "route",
                                                                            "number_enc"}}
    moved = SIGNPOST.advance(turn, dialog, PICK, data)
    if outcome.ok and outcome.referral_on is not None:
        from_service = dialog.data.get("service_name", "the service")
        owe_referral_on(turn.session, outcome.referral_on, referral,
                        referral_on_text(outcome.referral_on, referral, from_service), outcome.providers,
                        turn.services.followups.policy)
    turn.say(outcome.message)
    _offer_again(turn, moved)
    return True


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^p:"))
