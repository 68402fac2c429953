"""When follow-ups are due: working days, quiet hours and the default schedule, in the deployment's local time.

All inputs and outputs are aware UTC datetimes (a naive input is read as UTC); local time is used only inside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from casework.models import Urgency
from core.clock import local_time
from core.settings import Settings
from scheduler.holidays import is_bank_holiday

MIN_GAP_BETWEEN_CHECKS = timedelta(days=7)
URGENT_REMINDER_AFTER = timedelta(hours=2)  # an urgent referral nobody has picked up is chased the same day
# Each policy field a deployment can set, and the Settings field (environment variable) it comes from.
SETTING_OF: dict[str, str] = {
    "first_check_days": "followup_first_days",
    "second_check_days": "followup_second_days",
    "case_length_weeks": "case_length_weeks",
    "first_contact_reminder_working_days": "first_contact_reminder_working_days",
    "first_contact_escalation_working_days": "first_contact_escalation_working_days",
    "quiet_hours_start": "quiet_hours_start",
    "quiet_hours_end": "quiet_hours_end",
    "allow_weekend_prompts": "allow_weekend_prompts",
    "inactive_case_notice_days": "inactive_case_notice_days",
    "outcome_reminders": "outcome_followup_reminders",
    "timezone": "timezone",
    "provider_chase_working_days": "provider_chase_working_days",
    "listing_check_months": "listing_check_months",
    "listing_check_answer_days": "listing_check_answer_days",
    "talk_phone": "talk_phone",
    **{name: f"followup_{name}" for name in (
        "snooze_days", "unanswered_after_days", "max_attempts", "retry_base_seconds", "retry_max_seconds",
        "lease_seconds",
    )},
}


def _default(field: str):  # type: ignore[no-untyped-def]
    """A policy default is the deployment default declared once, in Settings."""
    return Settings.model_fields[SETTING_OF[field]].default


@dataclass(frozen=True)
class FollowUpPolicy:
    """A deployment's follow-up rules. Pure: no database, no clock. Defaults are Settings' defaults."""

    first_check_days: int = _default("first_check_days")
    second_check_days: int = _default("second_check_days")
    case_length_weeks: int = _default("case_length_weeks")
    final_check_days_before_end: int = 7
    working_day_end_hour: int = 17  # local hour the working day ends: same-day (urgent) reminders land before it
    first_contact_reminder_working_days: int = _default("first_contact_reminder_working_days")
    first_contact_escalation_working_days: int = _default("first_contact_escalation_working_days")
    quiet_hours_start: int = _default("quiet_hours_start")  # local hour when prompts stop
    quiet_hours_end: int = _default("quiet_hours_end")  # local hour when prompts may start again
    allow_weekend_prompts: bool = _default("allow_weekend_prompts")  # False: none on weekends or bank holidays
    timezone: str = _default("timezone")
    talk_phone: str = _default("talk_phone")  # the team's number, given in client check-ins
    inactive_case_notice_days: int = _default("inactive_case_notice_days")  # said in the inactivity warning
    outcome_reminders: bool = _default("outcome_reminders")  # 3- and 6-month wellbeing reminders after closure
    snooze_days: int = _default("snooze_days")  # "Not yet – remind me in N days"
    unanswered_after_days: int = _default("unanswered_after_days")  # re-sent once after this, then escalated
    max_attempts: int = _default("max_attempts")  # delivery attempts before a follow-up is marked failed
    retry_base_seconds: int = _default("retry_base_seconds")  # first retry delay; doubles each attempt
    retry_max_seconds: int = _default("retry_max_seconds")
    lease_seconds: int = _default("lease_seconds")  # how long a claimed row stays reserved for its dispatcher
    # Owed-now messages (team posts, referrer notices): retried at least this often until they go out, so one
    # reaches its chat within `immediate_retry_max_seconds` + one dispatch interval of a fault clearing ...
    immediate_retry_max_seconds: int = 20
    immediate_give_up_hours: int = 24  # ... and only after failing for this long do they fail (admins are told)
    provider_chase_working_days: int = _default("provider_chase_working_days")  # chase an unanswered referral on
    listing_check_months: int = _default("listing_check_months")  # "is this still right?" when older than this
    listing_check_answer_days: int = _default("listing_check_answer_days")  # then to the admins' list
    team_chat_id: int | None = None  # escalations go here (the link-worker team chat)
    admin_chat_ids: tuple[int, ...] = ()  # delivery failures are reported here

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> FollowUpPolicy:
        """The policy for a deployment; `overrides` win over settings (handy in tests and benchmarks)."""
        values: dict[str, object] = {field: getattr(settings, name) for field, name in SETTING_OF.items()}
        values |= {"team_chat_id": settings.link_worker_chat_id, "admin_chat_ids": tuple(settings.admin_user_ids)}
        return cls(**(values | overrides))  # type: ignore[arg-type]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # --- calendar -------------------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not an England & Wales bank holiday."""
        return day.weekday() < 5 and not is_bank_holiday(day)

    def is_prompt_day(self, day: date) -> bool:
        return self.allow_weekend_prompts or self.is_working_day(day)

    def is_quiet(self, local: datetime) -> bool:
        """Whether a local wall-clock time falls in quiet hours (e.g. 20:00–08:00)."""
        start, end, hour = self.quiet_hours_start, self.quiet_hours_end, local.hour
        if start == end:
            return False
        return hour >= start or hour < end if start > end else start <= hour < end

    def is_allowed(self, moment: datetime) -> bool:
        """Whether a prompt may be sent at this (UTC) moment."""
        local = self._local(moment)
        return self.is_prompt_day(local.date()) and not self.is_quiet(local)

    def next_allowed_time(self, moment: datetime) -> datetime:
        """`moment` itself if prompts are allowed then, else the next opening (e.g. 08:00 the next working day)."""
        return self._advance_until(self._local(moment), self.is_prompt_day).astimezone(UTC)

    # --- schedule -------------------------------------------------------------------------------------------

    def after_days(self, start: datetime, days: int) -> datetime:
        """`days` calendar days later at the same local wall-clock time (DST-safe), moved out of quiet times."""
        local = self._local(start)
        shifted = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=self.tz)
        return self.next_allowed_time(shifted)

    def after_working_days(self, start: datetime, working_days: int) -> datetime:
        """`working_days` full working days after `start`; the clock starts at the next working moment."""
        clock_start = self._advance_until(self._local(start), self.is_working_day)
        day, counted = clock_start.date(), 0
        while counted < working_days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        due = datetime.combine(day, clock_start.time(), tzinfo=self.tz)
        return self.next_allowed_time(due)

    def first_contact_times(
        self, referred_at: datetime, urgency: Urgency = Urgency.ROUTINE, discharge: date | None = None
    ) -> tuple[datetime, datetime]:
        """(reminder, escalation) due times for a referral nobody has contacted yet.

        - Routine: after `first_contact_reminder_working_days` / `first_contact_escalation_working_days`.
        - Urgent (1 working day): reminded within the working day it arrives (2 hours in, before the working day
          ends), escalated at the start of the next working day.
        - With a `discharge` date (the patient must be seen before leaving): reminded by the end of the second
          working day before discharge and escalated at the start of the last working day before it, never later
          than the times above; when discharge is too close for that, chased as urgent.
        """
        routine = (
            self.after_working_days(referred_at, self.first_contact_reminder_working_days),
            self.after_working_days(referred_at, self.first_contact_escalation_working_days),
        )
        start = self._working_start(referred_at)
        urgent = self._urgent_times(start)
        reminder, escalation = urgent if urgency == Urgency.URGENT else routine
        if discharge is None:
            return reminder, escalation
        last_day = self._working_day_before(discharge)
        escalation_cap = self._day_start(last_day)
        reminder_cap = self._day_end(self._working_day_before(last_day))
        reminder = min(reminder, reminder_cap) if reminder_cap > start else min(reminder, urgent[0])
        escalation = min(escalation, escalation_cap) if escalation_cap > reminder else min(escalation, urgent[1])
        return self.next_allowed_time(reminder), self.next_allowed_time(max(escalation, reminder))

    def _urgent_times(self, start: datetime) -> tuple[datetime, datetime]:
        """(reminder, escalation) for an urgent referral whose clock starts at local `start` (a working moment)."""
        reminder = min(start + URGENT_REMINDER_AFTER, self._day_end(start.date()))
        next_day = start.date() + timedelta(days=1)
        while not self.is_working_day(next_day):
            next_day += timedelta(days=1)
        return self.next_allowed_time(reminder), self.next_allowed_time(self._day_start(next_day))

    def _working_start(self, moment: datetime) -> datetime:
        """The first local moment at or after `moment` inside working hours on a working day."""
        local = self._advance_until(self._local(moment), self.is_working_day)
        if local.hour < self.working_day_end_hour:
            return local
        next_day = local.date() + timedelta(days=1)
        return self._advance_until(self._day_start(next_day), self.is_working_day)

    def _working_day_before(self, day: date) -> date:
        before = day - timedelta(days=1)
        while not self.is_working_day(before):
            before -= timedelta(days=1)
        return before

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(self.quiet_hours_end), tzinfo=self.tz)

    def _day_end(self, day: date) -> datetime:
        return datetime.combine(day, time(self.working_day_end_hour), tzinfo=self.tz)

    def case_end(self, case_start: datetime) -> datetime:
        local = self._local(case_start).replace(tzinfo=None) + timedelta(weeks=self.case_length_weeks)
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def engagement_check_times(self, signposted_at: datetime, case_start: datetime) -> list[tuple[int, datetime]]:
        """(sequence, due) for the first, second and final checks; later checks are dropped when the case ends
        too soon for them to be at least a week apart."""
        first = self.after_days(signposted_at, self.first_check_days)
        second = self.after_days(signposted_at, self.second_check_days)
        final_start = self._local(self.case_end(case_start)) - timedelta(days=self.final_check_days_before_end)
        final = self.next_allowed_time(final_start)
        checks = [(1, first)]
        if final - first >= MIN_GAP_BETWEEN_CHECKS:
            if final - second >= MIN_GAP_BETWEEN_CHECKS:
                checks.append((2, second))
            checks.append((3, final))
        return checks

    def retry_delay(self, attempts: int, retry_after: float | None = None, *, immediate: bool = False) -> timedelta:
        """Exponential backoff after `attempts` failed tries, never sooner than Telegram's `retry_after`.

        `immediate` (owed-now messages): capped at `immediate_retry_max_seconds`, so they go soon after a fault."""
        ceiling = self.immediate_retry_max_seconds if immediate else self.retry_max_seconds
        backoff = min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), ceiling)
        return timedelta(seconds=max(backoff, retry_after or 0))

    # --- helpers --------------------------------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        return local_time(moment, self.tz)

    def _end_of_quiet(self, local: datetime) -> datetime:
        end = datetime.combine(local.date(), time(self.quiet_hours_end), tzinfo=self.tz)
        wraps_midnight = self.quiet_hours_start > self.quiet_hours_end
        return end + timedelta(days=1) if wraps_midnight and local.hour >= self.quiet_hours_start else end

    def _advance_until(self, local: datetime, day_ok: Callable[[date], bool]) -> datetime:
        """The first local moment at or after `local` on an acceptable day and outside quiet hours."""
        for _ in range(400):
            if not day_ok(local.date()):
                local = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.tz)
            elif self.is_quiet(local):
                local = self._end_of_quiet(local)
            else:
                return local
        raise ValueError("no allowed time within a year; check the quiet-hours settings")
