"""Wellbeing outcomes: ONS4 (always) and SWEMWBS (per deployment), one tap per item, skipping always one tap.

Each answer is one `OutcomeAnswer` row per (case, measure, time point, item); answering again replaces it (a link
worker correcting a slip), so a redelivered tap changes nothing twice. Asked at first contact, at closure, and 3
and 6 months after closure — by the bot to clients who opted in to check-ins, or recorded by the link worker from a
call. Only numbers and fixed item keys are stored, never what the client said.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from casework.models import CaseEvent, CaseStatus, OutcomeAnswer, Referral, Role
from casework.referrals import change_problem

ONS4, SWEMWBS = "ons4", "swemwbs"
LINK_WORKER, CLIENT = "link_worker", "client"


@dataclass(frozen=True)
class Item:
    key: str
    question: str
    lower_is_better: bool = False


@dataclass(frozen=True)
class Measure:
    """A validated measure: its items, the scores an item takes and how each is labelled on its button."""

    key: str
    name: str
    intro: str
    items: tuple[Item, ...]
    scores: tuple[tuple[int, str], ...]


ZERO_TO_TEN = tuple((score, str(score)) for score in range(11))
# The ONS personal well-being questions (Office for National Statistics), answered 0 (not at all) to 10 (completely).
ONS4_MEASURE = Measure(
    ONS4, "ONS4 personal wellbeing",
    "Four short questions about how you feel. Tap a number from 0 (not at all) to 10 (completely), or Skip.",
    (
        Item("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
        Item("worthwhile", "Overall, to what extent do you feel that the things you do in your life are worthwhile?"),
        Item("happiness", "Overall, how happy did you feel yesterday?"),
        Item("anxiety", "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', overall, how "
                        "anxious did you feel yesterday?", lower_is_better=True),
    ),
    ZERO_TO_TEN,
)
# SWEMWBS (c) NHS Health Scotland, University of Warwick and University of Edinburgh: free to use once registered
# with Warwick Medical School, which is why a deployment switches it on (SWEMWBS_ENABLED) rather than it being on.
SWEMWBS_MEASURE = Measure(
    SWEMWBS, "SWEMWBS (short Warwick-Edinburgh)",
    "Seven statements about feelings and thoughts. For each, tap how often it was true for you over the last "
    "2 weeks, or Skip.",
    tuple(Item(key, statement) for key, statement in (
        ("optimistic", "I've been feeling optimistic about the future"),
        ("useful", "I've been feeling useful"),
        ("relaxed", "I've been feeling relaxed"),
        ("problems", "I've been dealing with problems well"),
        ("thinking", "I've been thinking clearly"),
        ("close", "I've been feeling close to other people"),
        ("own_mind", "I've been able to make up my own mind about things"),
    )),
    ((1, "None of the time"), (2, "Rarely"), (3, "Some of the time"), (4, "Often"), (5, "All of the time")),
)
MEASURES = {measure.key: measure for measure in (ONS4_MEASURE, SWEMWBS_MEASURE)}
TIMEPOINTS: dict[str, str] = {
    "first_contact": "First contact",
    "closure": "Closure",
    "3_months": "3 months after closure",
    "6_months": "6 months after closure",
}
FOLLOW_UP_MONTHS = {"3_months": 3, "6_months": 6}


class NotAQuestion(Exception):
    """A measure, time point, item or score we don't ask (a forged or old button)."""


def recording_problem(referral: Referral, timepoint: str, actor: int, actor_role: Role | None) -> str | None:
    """Why `actor` may not record outcomes for this case at `timepoint`, or None. After closure (the closure, 3 and 6
    month answers) the worker who had the case, or an admin, still may."""
    if referral.status != CaseStatus.CLOSED or timepoint == "first_contact":
        return change_problem(referral, actor, actor_role)
    if referral.claimed_by != actor and actor_role != Role.ADMIN:
        return f"{referral.reference} was another link worker's case."
    return None


def measures_for(swemwbs_enabled: bool) -> tuple[Measure, ...]:
    return (ONS4_MEASURE, SWEMWBS_MEASURE) if swemwbs_enabled else (ONS4_MEASURE,)


def record_answer(
    session: Session, referral: Referral, measure_key: str, timepoint: str, item_index: int, score: int | None,
    source: str, actor: int | None,
) -> OutcomeAnswer:
    """Store (or replace) one answer; `score` None is a skip. Raises NotAQuestion for anything we don't ask."""
    measure = MEASURES.get(measure_key)
    if measure is None or timepoint not in TIMEPOINTS or not 0 <= item_index < len(measure.items):
        raise NotAQuestion(measure_key)
    if score is not None and score not in {value for value, _ in measure.scores}:
        raise NotAQuestion(score)
    assert referral.id is not None
    item = measure.items[item_index].key
    answer = session.exec(select(OutcomeAnswer).where(
        OutcomeAnswer.referral_id == referral.id, OutcomeAnswer.measure == measure.key,
        OutcomeAnswer.timepoint == timepoint, OutcomeAnswer.item == item,
    )).first()
    if answer is None:
        answer = OutcomeAnswer(referral_id=referral.id, measure=measure.key, timepoint=timepoint, item=item,
                               source=source)
        if item_index == 0:
            session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="outcome_recorded",
                                  detail=f"{measure.key} {timepoint} {source}"))
    answer.score, answer.source, answer.recorded_by = score, source, actor
    session.add(answer)
    session.flush()
    return answer


def answered(session: Session, referral_id: int, measure_key: str, timepoint: str) -> dict[str, int | None]:
    """Item key -> score (None: skipped) for what has been answered so far."""
    rows = session.exec(select(OutcomeAnswer.item, OutcomeAnswer.score).where(
        OutcomeAnswer.referral_id == referral_id, OutcomeAnswer.measure == measure_key,
        OutcomeAnswer.timepoint == timepoint,
    )).all()
    return dict(rows)


def summary_line(measure: Measure, scores: dict[str, int | None]) -> str:
    """'life satisfaction 6 · worthwhile 7 · happiness skipped · anxiety 3' (numbers only)."""
    return " · ".join(
        f"{item.key.replace('_', ' ')} {'skipped' if scores[item.key] is None else scores[item.key]}"
        for item in measure.items if item.key in scores
    )
