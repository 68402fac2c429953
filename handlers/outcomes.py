"""Wellbeing outcomes recorded by the link worker from a call: `c:wb:<ref>[:<measure>:<time point>[:<item>:<score>]]`.

On the case card: choose the measure and time point, then one tap per question (Skip is one tap too); the card
comes back when the last one is answered. Thin: parse, call `casework.outcomes`, reply.
"""

from __future__ import annotations

from casework.models import Referral
from casework.outcomes import (
    LINK_WORKER,
    MEASURES,
    TIMEPOINTS,
    NotAQuestion,
    answered,
    measures_for,
    record_answer,
    recording_problem,
    summary_line,
)
from casework.referrals import get_referral
from handlers.cases import show_case
from handlers.kit import STALE_BUTTON, Buttons, Turn, chunk, small_number

SKIP = "s"
_TIMEPOINT_KEYS = list(TIMEPOINTS)


def wellbeing_button(turn: Turn, reference: str, parts: list[str]) -> None:
    """A tap on the card's wellbeing buttons: [] choose; [measure, tp] first question; [measure, tp, item, score]."""
    referral = get_referral(turn.session, reference)
    if referral is None:
        turn.say(STALE_BUTTON)
        return
    if not parts:
        _choose(turn, referral)
        return
    measure_key, timepoint = parts[0], _timepoint(parts[1] if len(parts) > 1 else "")
    if measure_key not in MEASURES or timepoint is None:
        turn.say(STALE_BUTTON)
        return
    problem = recording_problem(referral, timepoint, turn.user_id, turn.role)
    if problem:
        turn.say(problem)
        return
    if len(parts) >= 4:
        item, score = small_number(parts[2], 2), None if parts[3] == SKIP else small_number(parts[3], 2)
        try:
            if item is None or (score is None and parts[3] != SKIP):
                raise NotAQuestion(parts)
            record_answer(turn.session, referral, measure_key, timepoint, item, score, LINK_WORKER, turn.user_id)
        except NotAQuestion:
            turn.say(STALE_BUTTON)
            return
    _ask_next(turn, referral, measure_key, timepoint)


def _timepoint(code: str) -> str | None:
    index = small_number(code, 1)
    return _TIMEPOINT_KEYS[index] if index is not None and index < len(_TIMEPOINT_KEYS) else None


def _choose(turn: Turn, referral: Referral) -> None:
    ref = referral.reference
    rows: list[list[tuple[str, str]]] = [
        [(f"{measure.key.upper()} · {label}", f"c:wb:{ref}:{measure.key}:{index}")]
        for measure in measures_for(turn.settings.swemwbs_enabled)
        for index, label in enumerate(TIMEPOINTS.values())
    ]
    rows.append([("◀ Back to the case", f"c:card:{ref}")])
    turn.edit(f"Record wellbeing for {ref} from a call. Which questionnaire, and when is it for?", rows)


def _ask_next(turn: Turn, referral: Referral, measure_key: str, timepoint: str) -> None:
    """The next unanswered question, or the case card once all are answered."""
    assert referral.id is not None
    measure, scores = MEASURES[measure_key], answered(turn.session, referral.id, measure_key, timepoint)
    remaining = [(index, item) for index, item in enumerate(measure.items) if item.key not in scores]
    if not remaining:
        note = f"{measure.key.upper()} ({TIMEPOINTS[timepoint].lower()}) recorded: {summary_line(measure, scores)}"
        turn.toast("Recorded.")
        show_case(turn, referral.reference, in_place=True, note=note)
        return
    index, item = remaining[0]
    stem = f"c:wb:{referral.reference}:{measure.key}:{_TIMEPOINT_KEYS.index(timepoint)}:{index}"
    buttons: Buttons = [
        *chunk([(label, f"{stem}:{score}") for score, label in measure.scores], 6 if len(measure.scores) > 5 else 1),
        [("Skip", f"{stem}:{SKIP}"), ("◀ Back to the case", f"c:card:{referral.reference}")],
    ]
    intro = f"{measure.intro}\n\n" if index == 0 else ""
    turn.edit(f"{referral.reference} · {TIMEPOINTS[timepoint]} · question {index + 1} of {len(measure.items)}\n\n"
              f"{intro}{item.question}", buttons)
