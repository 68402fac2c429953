"""Deployment configuration, read from the environment or a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'signpost.db'}"
DEFAULT_SEED_CSV = PROJECT_ROOT / "directory_seed.csv"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
MAX_SEND_RATE_PER_SECOND = 30  # Telegram's overall limit for a bot, about 30 messages a second


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url == prefix + ":memory:":
        return None
    return Path(database_url.removeprefix(prefix))


class Settings(BaseSettings):
    """Every setting a deployment can change. Names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    seed_csv: Path = DEFAULT_SEED_CSV
    search_index_path: Path | None = None  # where the search index is saved (default: beside a SQLite database)
    search_index_check_seconds: float = 5.0  # how often a running bot checks whether the directory changed
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_url: str | None = None
    timezone: str = "Europe/London"
    admin_user_ids: list[int] = Field(default_factory=list)
    link_worker_chat_id: int | None = None
    invite_ttl_hours: int = 72
    talk_to_person_text: str = (
        "To talk to a person:\n"
        "• Ask at your GP practice for the social prescriber or care navigator.\n"
        "• Norfolk & Waveney social prescribing team (sample number): 01632 960 010, Mon–Fri 9am–5pm.\n"
        "• NHS 111 for health worries that are not an emergency. In an emergency call 999."
    )
    # follow-up schedule (days after signposting / working days after referral)
    followup_first_days: int = 7
    followup_second_days: int = 28
    case_length_weeks: int = 12
    first_contact_reminder_working_days: int = 2
    first_contact_escalation_working_days: int = 4
    quiet_hours_start: int = 20
    quiet_hours_end: int = 8
    allow_weekend_prompts: bool = False
    followup_dispatch_seconds: int = 30
    followup_snooze_days: int = 7
    followup_unanswered_after_days: int = 3
    followup_max_attempts: int = 5
    followup_retry_base_seconds: int = 60
    followup_retry_max_seconds: int = 3600
    followup_lease_seconds: int = 300
    provider_chase_working_days: int = 3  # a referral on nobody at the service answered is chased once after this
    listing_check_months: int = 6  # providers are asked "is this still right?" when their listing is this old
    listing_check_answer_days: int = 14  # ... and an unanswered check goes to the admins' list after this

    # eligibility (Family Action pilot): guidance on the referral summary, never a block
    eligibility_min_age: int = 18
    under_age_guidance: str = (
        "For a child, please refer to the children's social prescribing or early help service, or the school nurse."
    )
    # outcomes: SWEMWBS alongside ONS4 (needs the deployment's registration with Warwick Medical School)
    swemwbs_enabled: bool = False
    outcome_followup_reminders: bool = False  # optional: remind the worker 3 and 6 months after an engaged case closed
    # retention and privacy
    retention_months: int = 24
    inactive_case_months: int = 12  # an open case with nothing recorded this long: its owner is warned, then...
    inactive_case_notice_days: int = 30  # ...this many days later it is closed as inactive and anonymised
    search_retention_months: int = 12  # unmet-need search text (and its searcher pseudonym) is deleted after this
    notes_encryption_key: str | None = None
    user_rate_limit_per_minute: int = 30  # typed messages a minute per person, on average (a tap counts 1/4)
    user_rate_burst: int = 20  # ... and at once
    # messages a second the bot sends overall, all processes together (Telegram's limit is about 30)
    send_rate_per_second: int = 30
    concurrent_updates: int = 16  # updates handled at once (different chats; one chat's updates stay in order)
    # the service's phone number for clients (check-in messages, the call-back offer); a fictional sample by default
    talk_phone: str = "01632 960 010"
    # languages offered to clients (gettext catalogues in locale/); the first is the fallback
    languages: list[str] = Field(default_factory=lambda: ["en", "pl", "pt", "lt", "ro"])
    # webhook mode (polling when webhook_url is unset)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("send_rate_per_second")
    @classmethod
    def _check_send_rate(cls, value: int) -> int:
        if not 1 <= value <= MAX_SEND_RATE_PER_SECOND:
            raise ValueError(
                f"SEND_RATE_PER_SECOND must be a whole number from 1 to {MAX_SEND_RATE_PER_SECOND} (Telegram refuses "
                f"a bot sending more than about {MAX_SEND_RATE_PER_SECOND} messages a second), not {value}"
            )
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [part.strip().lower() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The deployment's local time zone."""
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own `Settings`)."""
    return Settings()
