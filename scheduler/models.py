"""Follow-up rows: the source of truth for every scheduled prompt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class FollowUpKind(StrEnum):
    ENGAGEMENT_CHECK = "engagement_check"  # to the link worker: did the client engage?
    CLIENT_CHECK = "client_check"  # opt-in, to the client
    FIRST_CONTACT_REMINDER = "first_contact_reminder"  # unclaimed / uncontacted referral
    FIRST_CONTACT_ESCALATION = "first_contact_escalation"  # to the team / lead


class FollowUpStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; lease in `locked_until`
    SENT = "sent"  # awaiting an answer
    ANSWERED = "answered"
    CANCELLED = "cancelled"
    FAILED = "failed"  # gave up after retries; shown to admins


class FollowUp(SQLModel, table=True):
    """One prompt due at `due_at` (naive UTC). `dedupe_key` makes creation idempotent."""

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
    recipient_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sequence: int = 1
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
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
