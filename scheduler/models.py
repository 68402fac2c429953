"""Follow-up rows: the source of truth for every message the bot owes (prompts, reminders, notices, team posts),
plus client check-in opt-ins.

Delivery guarantees per kind (docs/delivery.md): answerable prompts are sent at most once (a repeat would ask a
person twice and could record two answers); everything else is sent at least once (a repeated notice is harmless
beside a lost one).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import utcnow


class FollowUpKind(StrEnum):
    ENGAGEMENT_CHECK = "engagement_check"  # to the link worker: did the client engage?
    CLIENT_CHECK = "client_check"  # opt-in, to the client
    FIRST_CONTACT_REMINDER = "first_contact_reminder"  # unclaimed / uncontacted referral
    FIRST_CONTACT_ESCALATION = "first_contact_escalation"  # to the team / lead
    UNANSWERED_ESCALATION = "unanswered_escalation"  # a prompt asked twice without an answer (about_id)
    CLIENT_REPLY = "client_reply"  # a client's check-in answer, passed on to the link worker (about_id)
    FAILURE_NOTICE = "failure_notice"  # to admins (or the link worker): a prompt was not delivered (about_id)
    INACTIVITY_WARNING = "inactivity_warning"  # to the owner (or team): an open case with nothing recorded for long
    OUTCOME_REMINDER = "outcome_reminder"  # to the case's worker, 3 and 6 months after closure: wellbeing check due
    OUTCOME_CHECK = "outcome_check"  # opt-in, to the client: one ONS4 question (time point and item in `sequence`)

    FAILURE_DIGEST = "failure_digest"  # to admins: several prompts interrupted by a crash, in one message (body)
    TEAM_POST = "team_post"  # a new referral, to the link-worker team chat with a Claim button (body)
    REFERRER_NOTICE = "referrer_notice"  # to the referrer: their referral was picked up / closed (body)
    PROVIDER_REFERRAL = "provider_referral"  # a referral on, to a provider, with answer buttons (body)
    PROVIDER_ANSWER = "provider_answer"  # a provider's answer, to the case's link worker (body)
    PROVIDER_CHASE = "provider_chase"  # to the provider, once: a referral on still unanswered (body)
    LISTING_CHECK = "listing_check"  # to a provider: "is this still right?" (service_id; body)
    LISTING_OVERDUE = "listing_overdue"  # to admins: listings whose check went unanswered (body)
    LISTING_PROBLEM = "listing_problem"  # a reported problem with a listing, to its provider or admins (body)


# Kinds that carry answer buttons; only these are re-sent and escalated when unanswered. They are sent AT MOST
# ONCE: after an error that may have come after Telegram took the message, they fail visibly instead of repeating.
PROMPT_KINDS = frozenset({FollowUpKind.ENGAGEMENT_CHECK, FollowUpKind.CLIENT_CHECK})
# Wellbeing questions to clients carry answer buttons too, so they are sent at most once; but a question left
# unanswered is never asked again or escalated (skipping is always allowed).
AT_MOST_ONCE = PROMPT_KINDS | {FollowUpKind.OUTCOME_CHECK}
# Kinds sent to a client's own chat: /stopcheckins, /forgetme, a blocked bot and anonymisation end them all.
CLIENT_KINDS = frozenset({FollowUpKind.CLIENT_CHECK, FollowUpKind.OUTCOME_CHECK})
# Kinds owed the moment something happens (the outbox): sent straight after the change commits, at any hour, and
# retried quickly (at most `IMMEDIATE_RETRY_MAX_SECONDS` apart) until they go out.
IMMEDIATE_KINDS = frozenset({
    FollowUpKind.TEAM_POST, FollowUpKind.REFERRER_NOTICE, FollowUpKind.PROVIDER_REFERRAL, FollowUpKind.PROVIDER_ANSWER,
    FollowUpKind.LISTING_PROBLEM,
})
# Provider-loop messages about a listing rather than a case (no referral_id; `service_id` says which listing).
LISTING_KINDS = frozenset({FollowUpKind.LISTING_CHECK, FollowUpKind.LISTING_OVERDUE, FollowUpKind.LISTING_PROBLEM})
# Kinds whose text was written with the row (`body`), in the transaction that owed them.
BODY_KINDS = IMMEDIATE_KINDS | LISTING_KINDS | {FollowUpKind.FAILURE_DIGEST, FollowUpKind.PROVIDER_CHASE}
# Kinds that stop mattering once their case closes: cancelled unsent, and skipped if already claimed. Notices that
# report something already done (a client's answer, a failed delivery, the case's own news) still go out.
ENDS_WITH_CASE = frozenset(FollowUpKind) - LISTING_KINDS - {
    FollowUpKind.CLIENT_REPLY, FollowUpKind.FAILURE_NOTICE, FollowUpKind.FAILURE_DIGEST, FollowUpKind.REFERRER_NOTICE,
    FollowUpKind.PROVIDER_ANSWER, FollowUpKind.OUTCOME_REMINDER, FollowUpKind.OUTCOME_CHECK,  # asked after closure too
}
# Kinds that report on other follow-ups or on casework; their own failures never raise further notices.
NOTICE_KINDS = frozenset(
    {FollowUpKind.UNANSWERED_ESCALATION, FollowUpKind.CLIENT_REPLY, FollowUpKind.FAILURE_NOTICE,
     FollowUpKind.FAILURE_DIGEST}
)


class FollowUpStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # reserved by a dispatcher (lease in `locked_until`), not yet handed to Telegram
    SENDING = "sending"  # its API call has started: after a crash, only these may or may not have arrived
    SENT = "sent"  # awaiting an answer
    ANSWERED = "answered"
    CANCELLED = "cancelled"  # no longer relevant (reason in `last_error`)
    FAILED = "failed"  # gave up after retries; shown to admins


class FollowUp(SQLModel, table=True):
    """One message due at `due_at` (aware UTC). `dedupe_key` makes creation idempotent."""

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_follow_up_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=120)
    kind: FollowUpKind = Field(max_length=32)
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    signposting_id: int | None = Field(default=None, foreign_key="signposting.id", index=True)
    service_id: str | None = Field(default=None, max_length=64)  # LISTING_KINDS: the listing concerned
    about_id: int | None = Field(default=None, foreign_key="follow_up.id")  # for notices: the follow-up concerned
    recipient_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sequence: int = 1  # engagement checks: 1 first, 2 second, 3 final
    due_at: datetime = Field(index=True)
    status: FollowUpStatus = Field(default=FollowUpStatus.PENDING, max_length=16)
    attempts: int = 0
    resends: int = 0
    locked_by: str | None = Field(default=None, max_length=64)
    locked_until: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    answer: str | None = Field(default=None, max_length=32)
    answered_at: datetime | None = None
    escalated_at: datetime | None = None  # unanswered after the re-send: the team was told
    last_error: str | None = Field(default=None, max_length=200)  # why it failed or was cancelled; no personal data
    body: str | None = Field(default=None, max_length=4096)  # BODY_KINDS: the text owed (references only)
    created_at: datetime = Field(default_factory=utcnow)


class ClientCheckin(SQLModel, table=True):
    """A client's opt-in to check-in messages for one referral, made with a one-time code (only its hash is kept)."""

    __tablename__ = "client_checkin"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, index=True, max_length=64)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    redeemed_at: datetime | None = None
    client_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    withdrawn_at: datetime | None = None


class RetentionRun(SQLModel, table=True):
    """Evidence for the Data Protection Officer: each retention pass and what it did."""

    __tablename__ = "retention_run"

    id: int | None = Field(default=None, primary_key=True)
    ran_at: datetime = Field(default_factory=utcnow, index=True)
    retention_months: int
    anonymised_cases: int = 0
    purged_drafts: int = 0
    purged_searches: int = 0  # unmet-need search text older than SEARCH_RETENTION_MONTHS
    warned_inactive: int = 0  # open cases whose owner was warned about inactivity
    anonymised_inactive: int = 0  # open cases closed as inactive and anonymised
