"""Signposting from inside a case: suggestions from its reasons for referral, or a search the link worker types."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler

from casework.crisis import staff_search_note
from casework.referrals import change_problem, get_referral, signpost_case
from casework.signposting import MAX_SUGGESTIONS, service_label, suggest_services
from casework.validation import InputProblem, clean_text
from core.dialogs import Dialog
from directory.search import SearchFilters
from directory.unmet import record_unmet_search
from handlers.cases import NOT_FOUND, PRIVATE_ONLY, checked_case, show_case
from handlers.kit import STALE_BUTTON, Conversation, Turn, on_update, small_number, staff_only

PICK = "pick"
MAX_CASE_SEARCH = 200  # a link worker's search inside a case is a few words


def offer_choices(turn: Turn, dialog: Dialog, intro: str) -> None:
    """The dialog's services as numbered buttons to pick, and Done."""
    names = [_label(turn, sid) for sid in dialog.data["ids"]]
    rows = [[(f"{i + 1}. {name}", f"p:{dialog.version}:{i}")] for i, name in enumerate(names)]
    rows.append([("Done", f"p:{dialog.version}:done")])
    turn.say(intro, rows)


def _label(turn: Turn, service_id: str, limit: int = 64) -> str:
    """The service's name with its organisation and town (two services may share a name)."""
    record = turn.index.get(service_id)
    return service_label(record, limit) if record is not None else service_id


def _offer_again(turn: Turn, dialog: Dialog) -> None:
    offer_choices(turn, dialog, f"Pick a service for {dialog.data['ref']} (or type another search):")


SIGNPOST = Conversation("signpost", "p", resume=_offer_again)


def start_signposting(turn: Turn, reference: str) -> None:
    """Open signposting for a case with suggestions from its reasons; the worker can also type a search."""
    if not turn.is_private:
        turn.say(PRIVATE_ONLY)
        return
    case = checked_case(turn, reference, change_problem)
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
    fitting is unmet need (the words only: the case is not recorded with it)."""
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


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^p:"))
