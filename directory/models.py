"""Directory data model: organisations, services, locations, taxonomy, unmet-need searches.

Field names follow Open Referral UK where one exists, so import/export is a direct mapping.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from directory.vocabulary import Capacity, Cost, LocationType, ReferralRoute, UnmetReason


class Organisation(SQLModel, table=True):
    """A VCSE, statutory or advice organisation that runs one or more services."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(index=True, max_length=200)
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""


class Taxonomy(SQLModel, table=True):
    """A need category (the social-prescribing support areas), e.g. `money` or `loneliness`."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    vocabulary: str = Field(default="signpost", max_length=64)
    parent_id: str | None = Field(default=None, max_length=64)
    description: str = ""  # for terms from other vocabularies (Signpost's own categories describe themselves)
    uri: str = ""  # the term's URI in its vocabulary, when it has one


class ServiceTaxonomy(SQLModel, table=True):
    """Link between a service and its categories."""

    __tablename__ = "service_taxonomy"

    service_id: str = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE", max_length=64)
    taxonomy_id: str = Field(foreign_key="taxonomy.id", primary_key=True, max_length=64)


class Service(SQLModel, table=True):
    """One service a client can be signposted to, with what link workers need to judge fit."""

    id: str = Field(primary_key=True, max_length=64)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=64)
    name: str = Field(index=True, max_length=200)
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""  # the main number, as people dial it ("0808 800 4444", "116 123")
    # further ways to reach someone: [{"name", "title", "email", "phone", "phone_type", "phone_note"}], text only
    contacts: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str = ""  # who it is for, in plain words
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    area_description: str = ""  # where it is available, in words, when that is more than a list of areas
    referral_route: ReferralRoute = Field(default=ReferralRoute.EITHER, max_length=16)
    access_methods: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opening_hours: str = ""  # e.g. "Mon-Fri 09:00-17:00; Sat 10:00-12:00", "2nd Mon 14:00-16:00" or "24/7"
    hours_notes: str = ""  # what a timetable can't say: "closed on bank holidays", "every other Tuesday"
    cost: Cost = Field(default=Cost.FREE, max_length=16)
    cost_detail: str = ""
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accessibility: str = ""
    accompany_allowed: bool = True  # someone may go with the client
    capacity_status: Capacity = Field(default=Capacity.OPEN, max_length=16)
    waiting_weeks: int | None = None
    last_verified: date | None = None
    active: bool = True
    capacity_updated_at: datetime | None = None  # when the provider (or an import) last set capacity
    closed_until: date | None = None  # CLOSED until this date (None: not taking referrals until further notice)


class Location(SQLModel, table=True):
    """A physical place where an organisation delivers services."""

    id: str = Field(primary_key=True, max_length=64)
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=64)
    name: str = ""
    description: str = ""
    location_type: LocationType = Field(default=LocationType.PHYSICAL, max_length=16)
    address: str = ""
    town: str = ""
    county: str = ""
    postcode: str = Field(default="", max_length=16)
    country: str = Field(default="GB", max_length=2)  # ISO 3166-1 alpha-2; postcodes are checked for GB only
    latitude: float | None = None
    longitude: float | None = None
    accessibility: str = ""  # step-free access, hearing loop... at this place
    external_identifier: str = Field(default="", max_length=64)  # e.g. the place's UPRN
    external_identifier_type: str = Field(default="", max_length=32)  # e.g. "UPRN"


class ServiceAtLocation(SQLModel, table=True):
    """Link between a service and where it is delivered."""

    __tablename__ = "service_at_location"

    service_id: str = Field(foreign_key="service.id", primary_key=True, ondelete="CASCADE", max_length=64)
    location_id: str = Field(foreign_key="location.id", primary_key=True, max_length=64)


class UnmetSearch(SQLModel, table=True):
    """A search the directory could not answer: the query text, filters and why, never who asked."""

    __tablename__ = "unmet_search"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    query: str = Field(max_length=500)
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default=UnmetReason.NONE_FOUND.value, max_length=16)  # an UnmetReason
    # A keyed hash of who searched (core.crypto.FieldCipher.pseudonym): counts different people, names nobody.
    searcher: str = Field(default="", max_length=16)


class CapacityChange(SQLModel, table=True):
    """Each capacity change a provider made, so reports can show waiting times over time."""

    __tablename__ = "capacity_change"

    id: int | None = Field(default=None, primary_key=True)
    service_id: str = Field(foreign_key="service.id", index=True, max_length=64, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, index=True)
    capacity_status: Capacity = Field(max_length=16)
    waiting_weeks: int | None = None
    closed_until: date | None = None
    actor_user_id: int | None = None


class DirectoryRevision(SQLModel, table=True):
    """One row: bumped in the same transaction as every change to the directory, so a running search index can
    tell cheaply that it is out of date (see directory.revision)."""

    __tablename__ = "directory_revision"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    stamp: str = Field(default="", max_length=32)  # random per change: tells apart two databases at one revision
    changed_at: datetime = Field(default_factory=utcnow)
