"""On the case card: equity details at first contact (`c:eq:<ref>[:<field>:<value>]`, the postcode district typed)
and a session of support (`c:sc:<ref>[:<mode>[:<minutes>]]`). Thin: parse, call `casework.support`, reply."""

from __future__ import annotations

from casework.models import ETHNIC_GROUPS, GENDERS, PREFER_NOT, PREFER_NOT_LABEL, SUPPORT_MODE_LABELS
from casework.referrals import change_problem
from casework.support import CONTACT_MINUTES, district, log_contact, record_equity
from casework.validation import InputProblem
from core.dialogs import Dialog
from core.identifiers import identifier_in
from handlers.cases import checked_case, show_case
from handlers.kit import STALE_BUTTON, Conversation, Turn, chunk, small_number

TYPE_DISTRICT = "type"
_SHORT = {"gender": "g", "ethnicity": "e", "postcode_district": "d"}
_FIELD = {short: field for field, short in _SHORT.items()}
REMOVED = "I've removed your message from this chat, and kept only the district."


def _ask_district_again(turn: Turn, dialog: Dialog) -> None:
    _ask_district(turn, dialog.data["ref"], edit=False)


DISTRICT = Conversation("district", "d", resume=_ask_district_again)


def equity_button(turn: Turn, reference: str, parts: list[str]) -> None:
    """[] or a recorded answer: ask the next equity question (gender, ethnicity, then the district)."""
    case = checked_case(turn, reference, change_problem)
    if case is None:
        return
    if len(parts) >= 2:
        field = _FIELD.get(parts[0], "")
        try:
            record_equity(turn.session, case, field, parts[1], turn.user_id, turn.role)
        except ValueError:
            turn.say(STALE_BUTTON)
            return
        if field == "postcode_district":
            DISTRICT.end(turn)
            show_case(turn, reference, in_place=True, note="Equity details recorded.")
            return
    if not case.gender:
        _ask(turn, reference, "gender", "Gender (as the client describes it):", GENDERS)
    elif not case.ethnicity:
        _ask(turn, reference, "ethnicity", "Ethnic group (2021 Census groups):", ETHNIC_GROUPS)
    else:
        DISTRICT.start(turn, TYPE_DISTRICT, {"ref": reference})
        _ask_district(turn, reference, edit=True)


def _ask(turn: Turn, reference: str, field: str, question: str, options: dict[str, str]) -> None:
    rows = [[(label, f"c:eq:{reference}:{_SHORT[field]}:{value}")] for value, label in options.items()]
    rows.append([("◀ Back to the case", f"c:card:{reference}")])
    turn.edit(f"Equity details for {reference}. {question}", rows)


def _ask_district(turn: Turn, reference: str, *, edit: bool) -> None:
    text = (f"Equity details for {reference}. Type the postcode district (the first part of the postcode, for "
            "example NR2), or tap a button:")
    rows = [[(PREFER_NOT_LABEL, f"c:eq:{reference}:d:{PREFER_NOT}")], [("◀ Back to the case", f"c:card:{reference}")]]
    turn.edit(text, rows) if edit else turn.say(text, rows)


def on_district_typed(turn: Turn, dialog: Dialog) -> bool:
    """The typed postcode district; a full postcode is cut to its district and the message removed."""
    text, reference = turn.text or "", dialog.data["ref"]
    if identifier_in(text):
        turn.delete()
    try:
        value = district(text)
    except InputProblem as problem:
        turn.say(str(problem))
        return True
    case = checked_case(turn, reference, change_problem)
    if case is None:
        DISTRICT.end(turn)
        return True
    record_equity(turn.session, case, "postcode_district", value, turn.user_id, turn.role)
    DISTRICT.end(turn)
    show_case(turn, reference, note=f"Equity details recorded (district {value})."
              + (f" {REMOVED}" if identifier_in(text) else ""))
    return True


def contact_button(turn: Turn, reference: str, parts: list[str]) -> None:
    """[] ask how; [mode] ask how long; [mode, minutes] log the session and show the card."""
    case = checked_case(turn, reference, change_problem)
    if case is None:
        return
    back = [("◀ Back to the case", f"c:card:{reference}")]
    if not parts:
        modes = [(label, f"c:sc:{reference}:{mode.value}") for mode, label in SUPPORT_MODE_LABELS.items()]
        turn.edit(f"Log a session of support for {reference}. How was it given?", [modes, back])
        return
    if len(parts) == 1:
        lengths = [(f"{m} min", f"c:sc:{reference}:{parts[0]}:{m}") for m in CONTACT_MINUTES]
        turn.edit(f"How long was the session with {reference}?", [*chunk(lengths, 4), back])
        return
    minutes = small_number(parts[1], 3)
    try:
        outcome = log_contact(turn.session, case, parts[0], minutes or 0, turn.user_id, turn.role)
    except ValueError:
        turn.say(STALE_BUTTON)
        return
    turn.toast(outcome.message)
    show_case(turn, reference, in_place=True, note=outcome.message)
