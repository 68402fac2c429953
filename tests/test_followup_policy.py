"""When follow-ups fall due: working days, bank holidays, quiet hours and clock changes (Europe/London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.settings import Settings
from scheduler.holidays import bank_holidays
from scheduler.policy import FollowUpPolicy


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


POLICY = FollowUpPolicy()
WEEKENDS_ALLOWED = FollowUpPolicy(allow_weekend_prompts=True)


@pytest.mark.parametrize(
    ("due", "expected", "why"),
    [
        (utc(2026, 3, 10, 10, 0), utc(2026, 3, 10, 10, 0), "a working morning stays as it is"),
        (utc(2026, 3, 10, 19, 59), utc(2026, 3, 10, 19, 59), "just before quiet hours"),
        (utc(2026, 3, 10, 20, 0), utc(2026, 3, 11, 8, 0), "evening waits for the next morning"),
        (utc(2026, 3, 10, 6, 0), utc(2026, 3, 10, 8, 0), "early morning waits until 08:00"),
        (utc(2026, 3, 13, 22, 0), utc(2026, 3, 16, 8, 0), "Friday night waits for Monday"),
        (utc(2026, 3, 14, 12, 0), utc(2026, 3, 16, 8, 0), "Saturday waits for Monday"),
        (utc(2026, 5, 4, 9, 0), utc(2026, 5, 5, 7, 0), "early May bank holiday: Tuesday 08:00 BST"),
        (utc(2026, 12, 24, 21, 0), utc(2026, 12, 29, 8, 0), "Christmas: 25th, weekend and the 28th substitute"),
        (utc(2026, 3, 28, 21, 0), utc(2026, 3, 30, 7, 0), "spring forward weekend: Monday 08:00 BST = 07:00 UTC"),
        (utc(2026, 10, 23, 19, 30), utc(2026, 10, 26, 8, 0), "after the clocks go back: Monday 08:00 GMT"),
    ],
)
def test_next_allowed_time_moves_prompts_out_of_nights_weekends_and_bank_holidays(due, expected, why) -> None:
    assert POLICY.next_allowed_time(due) == expected, why


def test_quiet_hours_follow_london_time_not_utc() -> None:
    # 19:30 UTC is 19:30 in January but 20:30 in June (BST).
    assert POLICY.is_allowed(utc(2026, 1, 13, 19, 30))
    assert not POLICY.is_allowed(utc(2026, 6, 9, 19, 30))
    assert POLICY.next_allowed_time(utc(2026, 6, 9, 19, 30)) == utc(2026, 6, 10, 7, 0)


def test_weekend_prompts_when_allowed_still_respect_quiet_hours_across_clock_changes() -> None:
    # Saturday evenings before each clock change: next prompt is Sunday 08:00 local.
    assert WEEKENDS_ALLOWED.next_allowed_time(utc(2026, 3, 28, 21, 0)) == utc(2026, 3, 29, 7, 0)  # BST begins
    assert WEEKENDS_ALLOWED.next_allowed_time(utc(2026, 10, 24, 20, 0)) == utc(2026, 10, 25, 8, 0)  # GMT again
    assert WEEKENDS_ALLOWED.next_allowed_time(utc(2026, 3, 14, 12, 0)) == utc(2026, 3, 14, 12, 0)


def test_no_quiet_hours_when_start_equals_end() -> None:
    always = FollowUpPolicy(quiet_hours_start=0, quiet_hours_end=0, allow_weekend_prompts=True)
    assert always.next_allowed_time(utc(2026, 3, 14, 3, 0)) == utc(2026, 3, 14, 3, 0)


def test_naive_times_are_read_as_utc() -> None:
    assert POLICY.next_allowed_time(datetime(2026, 3, 10, 21, 0)) == utc(2026, 3, 11, 8, 0)


def test_friday_evening_referral_counts_working_days_from_friday() -> None:
    reminder, escalation = POLICY.first_contact_times(utc(2026, 3, 13, 18, 0))  # Friday 18:00
    assert reminder == utc(2026, 3, 17, 18, 0)  # Tuesday
    assert escalation == utc(2026, 3, 19, 18, 0)  # Thursday


def test_referral_after_hours_starts_the_clock_next_working_morning() -> None:
    reminder, escalation = POLICY.first_contact_times(utc(2026, 3, 13, 21, 30))  # Friday 21:30
    assert reminder == utc(2026, 3, 18, 8, 0)  # Monday 08:00 + 2 working days = Wednesday 08:00
    assert escalation == utc(2026, 3, 20, 8, 0)


def test_bank_holiday_monday_is_not_a_working_day() -> None:
    reminder, escalation = POLICY.first_contact_times(utc(2026, 5, 1, 14, 0))  # Friday 15:00 BST
    assert reminder == utc(2026, 5, 6, 14, 0)  # Tue 5th (1), Wed 6th (2); Monday 4th is a bank holiday
    assert escalation == utc(2026, 5, 8, 14, 0)


def test_easter_skips_good_friday_and_easter_monday() -> None:
    reminder, _ = POLICY.first_contact_times(utc(2026, 4, 2, 9, 0))  # Thursday before Easter, 10:00 BST
    assert reminder == utc(2026, 4, 8, 9, 0)  # Tue 7th (1), Wed 8th (2)


def test_calendar_days_keep_local_wall_clock_time_across_clock_changes() -> None:
    assert POLICY.after_days(utc(2026, 3, 24, 10, 0), 7) == utc(2026, 3, 31, 9, 0)  # 10:00 GMT -> 10:00 BST
    assert POLICY.after_days(utc(2026, 10, 20, 9, 0), 7) == utc(2026, 10, 27, 10, 0)  # 10:00 BST -> 10:00 GMT


def test_default_engagement_checks_one_week_four_weeks_and_before_the_twelve_week_end() -> None:
    start = utc(2026, 3, 10, 10, 0)
    checks = POLICY.engagement_check_times(start, start)
    assert checks == [
        (1, utc(2026, 3, 17, 10, 0)),
        (2, utc(2026, 4, 7, 9, 0)),  # 10:00 BST
        (3, utc(2026, 5, 26, 9, 0)),  # case ends Tue 2 June; one week before
    ]


def test_late_signposting_drops_checks_that_would_crowd_the_case_end() -> None:
    case_start = utc(2026, 3, 10, 10, 0)
    week_eight = POLICY.engagement_check_times(utc(2026, 5, 5, 9, 0), case_start)
    assert [sequence for sequence, _ in week_eight] == [1, 3]  # the 28-day check would fall after the final one
    week_ten = POLICY.engagement_check_times(utc(2026, 5, 19, 9, 0), case_start)
    assert [sequence for sequence, _ in week_ten] == [1]


def test_final_check_on_a_weekend_moves_to_the_next_working_day() -> None:
    start = utc(2026, 3, 14, 11, 0)  # a Saturday start: the case ends Saturday 6 June
    (_, final) = POLICY.engagement_check_times(start, start)[-1]
    assert final == utc(2026, 6, 1, 7, 0)  # Monday 1 June 08:00 BST rather than Saturday 30 May


def test_retry_delay_doubles_up_to_a_cap_and_honours_retry_after() -> None:
    assert [POLICY.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert POLICY.retry_delay(30) == timedelta(hours=1)
    assert POLICY.retry_delay(1, retry_after=500) == timedelta(seconds=500)


def test_policy_from_settings_uses_the_deployment_schedule() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        followup_first_days=5, followup_second_days=21, case_length_weeks=8, quiet_hours_start=21,
        quiet_hours_end=9, allow_weekend_prompts=True, link_worker_chat_id=-77, admin_user_ids=[11, 12],
    )
    policy = FollowUpPolicy.from_settings(settings, max_attempts=2)
    assert (policy.first_check_days, policy.second_check_days, policy.case_length_weeks) == (5, 21, 8)
    assert (policy.quiet_hours_start, policy.quiet_hours_end, policy.allow_weekend_prompts) == (21, 9, True)
    assert (policy.team_chat_id, policy.admin_chat_ids, policy.max_attempts) == (-77, (11, 12), 2)


# As published on gov.uk/bank-holidays (England and Wales), including substitute days.
PUBLISHED: dict[int, frozenset[date]] = {
    2025: frozenset({
        date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
        date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    }),
    2026: frozenset({
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    }),
    2027: frozenset({
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
    }),
    2028: frozenset({
        date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17), date(2028, 5, 1),
        date(2028, 5, 29), date(2028, 8, 28), date(2028, 12, 25), date(2028, 12, 26),
    }),
}  # fmt: skip


def test_bank_holidays_are_the_published_list() -> None:
    # issue 11: the days now come from the `holidays` package; this pins them to gov.uk's published list
    for year, published in PUBLISHED.items():
        assert bank_holidays(year) == published, year
    assert date(2029, 12, 25) in bank_holidays(2029)  # beyond the table, the library still knows them
    assert date(2023, 5, 8) in bank_holidays(2023)  # and one-off days (the coronation) that no rule predicts


# --- urgency and discharge date (issue 11) --------------------------------------------------------------------


def test_urgent_referral_on_christmas_eve_is_chased_that_day_and_escalated_the_next_working_day() -> None:
    from casework.models import Urgency

    reminder, escalation = POLICY.first_contact_times(utc(2026, 12, 24, 15, 0), Urgency.URGENT)  # Thursday 15:00
    assert reminder == utc(2026, 12, 24, 17, 0)  # before the working day ends, not Wednesday 30th
    assert escalation == utc(2026, 12, 29, 8, 0)  # 25th, weekend and the 28th substitute day are not working days


@pytest.mark.parametrize(
    ("referred", "reminder", "escalation", "why"),
    [
        (utc(2026, 3, 10, 9, 0), utc(2026, 3, 10, 11, 0), utc(2026, 3, 11, 8, 0), "two hours in; next morning"),
        (utc(2026, 3, 10, 16, 30), utc(2026, 3, 10, 17, 0), utc(2026, 3, 11, 8, 0), "before the day ends"),
        (utc(2026, 3, 13, 21, 30), utc(2026, 3, 16, 10, 0), utc(2026, 3, 17, 8, 0), "after hours: Monday morning"),
        (utc(2026, 3, 10, 18, 0), utc(2026, 3, 11, 10, 0), utc(2026, 3, 12, 8, 0), "after 17:00: next day"),
    ],
)
def test_urgent_referrals_are_chased_within_the_working_day(referred, reminder, escalation, why) -> None:
    from casework.models import Urgency

    assert POLICY.first_contact_times(referred, Urgency.URGENT) == (reminder, escalation), why


@pytest.mark.parametrize(
    ("discharge", "reminder", "escalation", "why"),
    [
        (date(2026, 3, 26), utc(2026, 3, 12, 10, 0), utc(2026, 3, 16, 10, 0), "far off: the usual working days"),
        (date(2026, 3, 12), utc(2026, 3, 10, 17, 0), utc(2026, 3, 11, 8, 0), "Thursday: chased Tue, escalated Wed"),
        (date(2026, 3, 13), utc(2026, 3, 11, 17, 0), utc(2026, 3, 12, 8, 0), "Friday: escalated Thursday morning"),
        (date(2026, 3, 11), utc(2026, 3, 10, 12, 0), utc(2026, 3, 11, 8, 0), "tomorrow: chased as urgent"),
        (date(2026, 3, 10), utc(2026, 3, 10, 12, 0), utc(2026, 3, 11, 8, 0), "today: chased as urgent"),
    ],
)
def test_before_discharge_referrals_are_chased_before_the_patient_leaves(discharge, reminder, escalation, why) -> None:
    from casework.models import Urgency

    referred = utc(2026, 3, 10, 10, 0)  # Tuesday 10:00 GMT
    assert POLICY.first_contact_times(referred, Urgency.SOON, discharge) == (reminder, escalation), why
