"""On the case card: equity details at first contact (`c:eq:<ref>[:<field>:<value>]`, the postcode district typed),
a session of support (`c:sc:<ref>[:<mode>[:<minutes>]]`) and the support plan (`c:plan:<ref>`, then a short
conversation: what matters, up to three goals, a review date). Thin: parse, call `casework.support`, reply."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application, CallbackQueryHandler

from casework.crisis import staff_search_note
from casework.models import ETHNIC_GROUPS, GENDERS, PREFER_NOT, PREFER_NOT_LABEL, SUPPORT_MODE_LABELS
from casework.referrals import change_problem
from casework.support import CONTACT_MINUTES, MAX_GOALS, REVIEW_WEEKS, district, log_contact, record_equity, save_plan
from casework.validation import InputProblem, clean_text
from core.dialogs import Dialog
from core.identifiers import identifier_in
from handlers.cases import checked_case, private_case, show_case
from handlers.kit import STALE_BUTTON, Conversation, Turn, chunk, on_update, small_number, staff_only

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


MATTERS, GOAL, REVIEW = "matters", "goal", "review"
MAX_PLAN_TEXT = 300
NO_MORE_GOALS, NO_REVIEW = "done", "none"


def _ask_plan_again(turn: Turn, dialog: Dialog) -> None:
    _ask_plan_step(turn, dialog)


PLAN = Conversation("plan", "g", resume=_ask_plan_again)


def start_plan(turn: Turn, reference: str) -> None:
    """Begin (or redo) the case's support plan; the client's words are encrypted as soon as they are typed."""
    case = private_case(turn, reference, change_problem)
    if case is None:
        return
    _ask_plan_step(turn, PLAN.start(turn, MATTERS, {"ref": case.reference, "goals": []}))


def _ask_plan_step(turn: Turn, dialog: Dialog) -> None:
    ref, v, goals = dialog.data["ref"], dialog.version, dialog.data.get("goals", [])
    if dialog.step == MATTERS:
        turn.say(f"Support plan for {ref}. What matters to the client? Type it in their words (a sentence or two). "
                 "Send /cancel to stop.")
    elif dialog.step == GOAL:
        turn.say(f"Goal {len(goals) + 1} of up to {MAX_GOALS}: type it, or tap No more goals.",
                 [[("No more goals", f"g:{v}:{NO_MORE_GOALS}")]])
    else:
        rows = [[(f"In {weeks} weeks", f"g:{v}:{weeks}") for weeks in REVIEW_WEEKS],
                [("No review date", f"g:{v}:{NO_REVIEW}")]]
        turn.say("When should the plan be reviewed?", rows)


def on_plan_typed(turn: Turn, dialog: Dialog) -> bool:
    """What matters, or a goal: checked, screened for crisis (staff text), stored encrypted in the dialog."""
    if dialog.step == REVIEW:
        turn.say("Please tap one of the buttons for the review date.")
        _ask_plan_step(turn, dialog)
        return True
    try:
        text = clean_text(turn.text, MAX_PLAN_TEXT, "That")
    except InputProblem as problem:
        turn.say(str(problem))
        return True
    if note := staff_search_note(text, then="The plan has been noted."):
        turn.say(note)
    cipher = turn.runtime.cipher
    if dialog.step == MATTERS:
        moved = PLAN.advance(turn, dialog, GOAL, {**dialog.data, "matters": cipher.encrypt(text)})
    else:
        goals = [*dialog.data.get("goals", []), cipher.encrypt(text)]
        moved = PLAN.advance(turn, dialog, GOAL if len(goals) < MAX_GOALS else REVIEW, {**dialog.data, "goals": goals})
    _ask_plan_step(turn, moved)
    return True


@on_update(staff_only("casework"))
def on_plan_button(turn: Turn) -> None:
    """`g:<version>:done` (no more goals) or `g:<version>:<weeks>|none` (the review date, then save)."""
    tapped = PLAN.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    value = parts[0]
    if dialog.step == GOAL and value == NO_MORE_GOALS:
        _ask_plan_step(turn, PLAN.advance(turn, dialog, REVIEW, dialog.data))
        return
    weeks = small_number(value, 2)
    if dialog.step != REVIEW or (value != NO_REVIEW and weeks not in REVIEW_WEEKS):
        turn.say(STALE_BUTTON)
        return
    case = checked_case(turn, dialog.data["ref"], change_problem)
    PLAN.end(turn)
    if case is None:
        return
    cipher = turn.runtime.cipher
    review = turn.today() + timedelta(weeks=weeks) if weeks else None
    outcome = save_plan(turn.session, case, cipher.decrypt(dialog.data.get("matters", "")),
                        [cipher.decrypt(goal) for goal in dialog.data.get("goals", [])], review, turn.user_id,
                        turn.role, cipher)
    show_case(turn, case.reference, note=outcome.message)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_plan_button, pattern=r"^g:"))
