"""Casework data model: staff, invites, referrals, case events (audit), signpostings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.clock import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    LINK_WORKER = "link_worker"
    WARD_STAFF = "ward_staff"
    PROVIDER = "provider"  # staff of a VCSE organisation: acts only for their own organisation's services


class ReferralReason(StrEnum):
    """Reasons for referral, as social prescribing services record them."""

    LONELINESS = "loneliness"
    MONEY = "money"
    HOUSING = "housing"
    CARER = "carer"
    MENTAL_WELLBEING = "mental_wellbeing"
    PHYSICAL_ACTIVITY = "physical_activity"
    HOME_SAFETY = "home_safety"
    LONG_TERM_CONDITION = "long_term_condition"
    FOOD_FUEL = "food_fuel"
    EMPLOYMENT_LEARNING = "employment_learning"
    SUBSTANCE_USE = "substance_use"
    OTHER = "other"


REASON_LABELS: dict[ReferralReason, str] = {
    ReferralReason.LONELINESS: "Loneliness / isolation",
    ReferralReason.MONEY: "Money, debt, benefits",
    ReferralReason.HOUSING: "Housing",
    ReferralReason.CARER: "Carer support",
    ReferralReason.MENTAL_WELLBEING: "Mental wellbeing",
    ReferralReason.PHYSICAL_ACTIVITY: "Physical activity",
    ReferralReason.HOME_SAFETY: "Independence / home safety",
    ReferralReason.LONG_TERM_CONDITION: "Long-term condition self-management",
    ReferralReason.FOOD_FUEL: "Food / fuel",
    ReferralReason.EMPLOYMENT_LEARNING: "Employment / learning",
    ReferralReason.SUBSTANCE_USE: "Substance use",
    ReferralReason.OTHER: "Other",
}


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"  # before discharge
    URGENT = "urgent"  # within 1 working day


URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.ROUTINE: "Routine",
    Urgency.SOON: "Before discharge",
    Urgency.URGENT: "Urgent (1 working day)",
}


class ContactRoute(StrEnum):
    WARD_VISIT = "ward_visit"
    PHONE = "phone"
    TEXT = "text"
    CARER = "carer"
    POST_DISCHARGE_HOME = "home_visit"


ROUTE_LABELS: dict[ContactRoute, str] = {
    ContactRoute.WARD_VISIT: "Visit on the ward",
    ContactRoute.PHONE: "Phone call",
    ContactRoute.TEXT: "Text message",
    ContactRoute.CARER: "Via carer / family",
    ContactRoute.POST_DISCHARGE_HOME: "Home visit after discharge",
}


class ReferralSource(StrEnum):
    """Who asked for the referral: ward staff, or the client (or their carer) through the bot."""

    WARD = "ward"
    SELF = "self"


BEST_TIME_LABELS: dict[str, str] = {
    "morning": "Morning", "afternoon": "Afternoon", "evening": "Early evening", "any": "Any time",
}  # fmt: skip


class CaseStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    CONTACTED = "contacted"
    CLOSED = "closed"


class ClosureReason(StrEnum):
    ENGAGED = "engaged"  # engaged / resolved
    DECLINED = "declined"
    UNABLE_TO_CONTACT = "unable_to_contact"
    NOT_APPROPRIATE = "not_appropriate"  # not appropriate / referred back
    DIED = "died"
    INACTIVE = "inactive"  # closed by retention after a long time with nothing recorded (the owner was warned)


CLOSURE_LABELS: dict[ClosureReason, str] = {
    ClosureReason.ENGAGED: "Engaged / resolved",
    ClosureReason.DECLINED: "Declined",
    ClosureReason.UNABLE_TO_CONTACT: "Unable to contact",
    ClosureReason.NOT_APPROPRIATE: "Not appropriate / referred back",
    ClosureReason.DIED: "Died",
    ClosureReason.INACTIVE: "Closed after long inactivity",
}
# Reasons a link worker may choose when closing a case (INACTIVE is only ever set by the retention job).
CHOSEN_CLOSURES = {reason: label for reason, label in CLOSURE_LABELS.items() if reason != ClosureReason.INACTIVE}


class Engagement(StrEnum):
    """What happened after a client was signposted to a service."""

    UNKNOWN = "unknown"
    ENGAGED = "engaged"
    WAITING = "waiting"  # on the service's waiting list
    COULDNT_GET_THROUGH = "couldnt_get_through"
    DECLINED = "declined"
    NOT_APPROPRIATE = "not_appropriate"
    UNABLE_TO_CONTACT = "unable_to_contact"
    DIED = "died"


ENGAGEMENT_LABELS: dict[Engagement, str] = {  # what staff and reports call each state
    Engagement.ENGAGED: "Engaged",
    Engagement.WAITING: "Waiting list",
    Engagement.COULDNT_GET_THROUGH: "Couldn't get through",
    Engagement.DECLINED: "Declined",
    Engagement.NOT_APPROPRIATE: "Not appropriate",
    Engagement.UNABLE_TO_CONTACT: "Unable to contact",
    Engagement.DIED: "Died",
    Engagement.UNKNOWN: "Unknown (no answer yet)",
}


class Safeguarding(StrEnum):
    """The safeguarding RAG rating of a case ('' on a referral: not assessed)."""

    GREEN = "green"
    AMBER = "amber"  # monitor closely
    RED = "red"  # social services involved / significant concern


SAFEGUARDING_LABELS: dict[Safeguarding, str] = {
    Safeguarding.GREEN: "🟢 Green",
    Safeguarding.AMBER: "🟠 Amber — monitor closely",
    Safeguarding.RED: "🔴 Red — social services involved / significant concern",
}
NOT_ASSESSED = "Not assessed"


AGE_BANDS = ("18-24", "25-34", "35-49", "50-64", "65-74", "75-84", "85+")
THIRD_PARTY: dict[str, str] = {
    "parent": "Referring for a child: parent/guardian consented",
    "best_interest": "Adult lacking capacity: best-interest decision",
    "attorney": "Adult lacking capacity: attorney/deputy consented",
}
SERVICES_INVOLVED: dict[str, str] = {
    "cmht": "CMHT / CAMHS",
    "care_coordinator": "CPN / social worker / care coordinator",
    "drug_alcohol": "Drug and alcohol services",
}


PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefer not to say"
GENDERS: dict[str, str] = {
    "woman": "Woman", "man": "Man", "non_binary": "Non-binary", "other": "In another way",
    PREFER_NOT: PREFER_NOT_LABEL,
}
# The five high-level ethnic groups of the 2021 Census of England and Wales (ONS).
ETHNIC_GROUPS: dict[str, str] = {
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    PREFER_NOT: PREFER_NOT_LABEL,
}


class SupportMode(StrEnum):
    PHONE = "phone"
    VISIT = "visit"  # home or community visit
    WARD = "ward"
    VIDEO = "video"


SUPPORT_MODE_LABELS: dict[SupportMode, str] = {
    SupportMode.PHONE: "Phone", SupportMode.VISIT: "Visit", SupportMode.WARD: "Ward", SupportMode.VIDEO: "Video",
}


class StaffUser(SQLModel, table=True):
    """A member of staff known to the bot. Clients are never stored here."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False, index=True))
    display_name: str = Field(default="", max_length=100)
    role: Role = Field(max_length=16)
    ward: str = Field(default="", max_length=100)
    active: bool = True  # False: suspended, or removed when `removed_at` is set
    created_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None  # a leaver: access removed for good (a new invite brings them back)
    organisation_id: str | None = Field(default=None, max_length=64, index=True)  # providers: whose services


class StaffEvent(SQLModel, table=True):
    """The audit trail of staff access: invites, joins, failed /join attempts, suspensions, removals, break-glass
    views. Holds Telegram ids and fixed words only, never an invite code or patient text."""

    __tablename__ = "staff_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    subject_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    kind: str = Field(max_length=32)  # invite_created, joined, join_failed, suspended, reactivated, removed
    detail: str = Field(default="", max_length=200)


class Invite(SQLModel, table=True):
    """A one-time code an admin hands to a new member of staff. Only a hash of the code is stored."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, index=True, max_length=64)
    role: Role = Field(max_length=16)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    used_at: datetime | None = None
    organisation_id: str | None = Field(default=None, max_length=64)  # provider invites: the organisation


class Referral(SQLModel, table=True):
    """A social-prescribing referral raised by ward staff. Identifiable fields are minimal and encrypted."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    referrer_user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    referrer_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    source_ward: str = Field(max_length=100)
    source_role: str = Field(default="", max_length=50)
    consent_share: bool = False
    consent_gp: bool = False
    client_initials: str = Field(max_length=4)
    hospital_ref_enc: str = ""  # Fernet token
    # keyed hash of the normalised hospital ref (core.crypto.FieldCipher.keyed_hash): finds a repeat referral
    # without storing or comparing the plaintext
    hospital_ref_hash: str | None = Field(default=None, max_length=64, index=True)
    nhs_number_enc: str = ""  # Fernet token, optional
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgency: Urgency = Field(default=Urgency.ROUTINE, max_length=16)
    risks_enc: str = ""  # Fernet token of the referrer's free text
    risk_flag: str = Field(default="", max_length=16)  # casework.crisis.Level when the risks suggest crisis, else ""
    risk_concern: str = Field(default="", max_length=32)  # casework.crisis.Concern (no patient text)
    contact_route: ContactRoute = Field(default=ContactRoute.WARD_VISIT, max_length=16)
    expected_discharge: date | None = None
    safeguarding: str = Field(default="", max_length=8)  # Safeguarding, or "" (not assessed); changes are case events
    # the fuller referral (issue 16): every one optional, "" / None when not given
    age_band: str = Field(default="", max_length=8)  # AGE_BANDS, never a date of birth
    gp_practice: str = Field(default="", max_length=8)  # the GP practice's ODS code, format-checked (e.g. D82044)
    admission_date: date | None = None
    third_party: str = Field(default="", max_length=16)  # THIRD_PARTY: who consented when not the patient
    services_involved: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # equity, recorded by the link worker at first contact ("" not asked; PREFER_NOT when declined)
    gender: str = Field(default="", max_length=16)  # GENDERS
    ethnicity: str = Field(default="", max_length=16)  # ETHNIC_GROUPS (ONS 2021 high-level groups)
    postcode_district: str = Field(default="", max_length=10)  # the outward code only (e.g. NR2), or PREFER_NOT
    status: CaseStatus = Field(default=CaseStatus.NEW, max_length=16, index=True)
    claimed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, index=True))
    claimed_at: datetime | None = None
    first_contact_at: datetime | None = None
    contact_attempts: int = 0
    closed_at: datetime | None = None
    closure_reason: ClosureReason | None = Field(default=None, max_length=32)
    team_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    anonymised: bool = False
    source: str = Field(default=ReferralSource.WARD.value, max_length=16)  # a ReferralSource
    contact_phone_enc: str = ""  # Fernet token: the number a self-referral asked to be called back on
    best_time: str = Field(default="", max_length=16)  # a key of BEST_TIME_LABELS (self-referrals)
    for_someone_else: bool = False  # a self-referral asked for by a carer / family member for someone else


class CaseEvent(SQLModel, table=True):
    """The audit trail of a case: every view and change, by whom and when. Never holds patient text."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    kind: str = Field(max_length=32)  # created, viewed, claimed, contact_attempt, first_contact, signposted, closed…
    detail: str = Field(default="", max_length=200)


class Signposting(SQLModel, table=True):
    """A client pointed to one directory service, with what became of it."""

    __table_args__ = (UniqueConstraint("referral_id", "service_id"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    engagement: Engagement = Field(default=Engagement.UNKNOWN, max_length=32)
    engagement_at: datetime | None = None
    client_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class CaseCard(SQLModel, table=True):
    """Where a case's card is shown in a chat, so the next view edits or replaces it instead of adding a copy."""

    __tablename__ = "case_card"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    referral_id: int = Field(foreign_key="referral.id", primary_key=True)
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    shown_at: datetime = Field(default_factory=utcnow)


class ProviderStatus(StrEnum):
    """Where a referral on stands, as the provider reports it."""

    SENT = "sent"  # waiting for the provider's answer
    ACCEPTED = "accepted"
    WAITING = "waiting"  # accepted onto the waiting list (`waiting_weeks`)
    CANT_HELP = "cant_help"  # with a `CantHelpReason`
    ATTENDED = "attended"  # first session attended
    DID_NOT_ATTEND = "did_not_attend"
    FINISHED = "finished"


PROVIDER_STATUS_LABELS: dict[ProviderStatus, str] = {
    ProviderStatus.SENT: "sent, no answer yet",
    ProviderStatus.ACCEPTED: "accepted",
    ProviderStatus.WAITING: "on the waiting list",
    ProviderStatus.CANT_HELP: "can't help",
    ProviderStatus.ATTENDED: "first session attended",
    ProviderStatus.DID_NOT_ATTEND: "did not attend",
    ProviderStatus.FINISHED: "finished",
}


class CantHelpReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    NO_CAPACITY = "no_capacity"
    REFERRED_ELSEWHERE = "elsewhere"
    OTHER = "other"


CANT_HELP_LABELS: dict[CantHelpReason, str] = {
    CantHelpReason.NOT_ELIGIBLE: "Not eligible",
    CantHelpReason.NO_CAPACITY: "No capacity",
    CantHelpReason.REFERRED_ELSEWHERE: "Referred elsewhere",
    CantHelpReason.OTHER: "Other",
}


class ReferralOn(SQLModel, table=True):
    """A signposting the service was asked to act on ("refer on"): what the client agreed to share with it, and
    the provider's latest answer. The contact details are encrypted; nothing clinical is ever copied here."""

    __tablename__ = "referral_on"

    id: int | None = Field(default=None, primary_key=True)
    signposting_id: int = Field(foreign_key="signposting.id", unique=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=64)
    organisation_id: str = Field(max_length=64, index=True)  # the providers who may see it
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    consent_at: datetime  # when the link worker recorded the client's consent to share with this service
    contact_route: ContactRoute = Field(max_length=16)
    contact_details_enc: str = ""  # Fernet token: the number or address the client agreed the service may use
    need: str = Field(default="", max_length=200)  # the link worker's short "what they need" (screened)
    status: ProviderStatus = Field(default=ProviderStatus.SENT, max_length=16)
    status_at: datetime | None = None
    first_answer_at: datetime | None = None
    accepted_at: datetime | None = None
    waiting_weeks: int | None = None
    cant_help_reason: CantHelpReason | None = Field(default=None, max_length=16)


class ProviderUpdate(SQLModel, table=True):
    """Each answer a provider gave about a referral on, timestamped (the history behind `ReferralOn.status`)."""

    __tablename__ = "provider_update"

    id: int | None = Field(default=None, primary_key=True)
    referral_on_id: int = Field(foreign_key="referral_on.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: ProviderStatus = Field(max_length=16)
    waiting_weeks: int | None = None
    cant_help_reason: CantHelpReason | None = Field(default=None, max_length=16)

class OutcomeAnswer(SQLModel, table=True):
    """One answer to one item of a wellbeing measure (ONS4, SWEMWBS) at one time point of a case; `score` None:
    skipped. Asked by the bot (source 'client') or recorded by the link worker from a call ('link_worker')."""

    __tablename__ = "outcome_answer"
    __table_args__ = (UniqueConstraint("referral_id", "measure", "timepoint", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    measure: str = Field(max_length=16)  # casework.outcomes.MEASURES key
    timepoint: str = Field(max_length=16)  # casework.outcomes.TIMEPOINTS key
    item: str = Field(max_length=32)
    score: int | None = None
    source: str = Field(max_length=16)
    recorded_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow)


class SupportContact(SQLModel, table=True):
    """One session of support given to a client: how long and how (no notes: they stay out of the bot)."""

    __tablename__ = "support_contact"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    minutes: int
    mode: str = Field(max_length=8)  # SupportMode
    recorded_by: int = Field(sa_column=Column(BigInteger, nullable=False))


class SupportPlan(SQLModel, table=True):
    """A short support plan: what matters to the client, up to three goals, a review date. The words are the
    client's, so they are Fernet-encrypted and shown only to whoever may see the case's identifiers."""

    __tablename__ = "support_plan"

    referral_id: int = Field(foreign_key="referral.id", primary_key=True)
    what_matters_enc: str = ""  # Fernet token
    goals_enc: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # Fernet tokens
    review_date: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int = Field(sa_column=Column(BigInteger, nullable=False))
