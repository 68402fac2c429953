"""The directory's fixed vocabularies: who may refer, capacity, cost, kinds of place, ways in, why a search is
unmet need.

Plain enums, apart from the tables in `directory.models` (which use them), so that answering a
search from a saved index never imports the ORM: a command-line search must start in well under a second.
"""

from __future__ import annotations

from enum import StrEnum


class ReferralRoute(StrEnum):
    """Who may refer someone into a service."""

    SELF = "self"  # the client can contact it themselves
    PROFESSIONAL = "professional"  # a professional must refer
    EITHER = "either"


class Capacity(StrEnum):
    """Whether a service is taking people on."""

    OPEN = "open"
    WAITING_LIST = "waiting_list"
    CLOSED = "closed"


class Cost(StrEnum):
    FREE = "free"
    LOW_COST = "low_cost"
    PAID = "paid"


class LocationType(StrEnum):
    """What kind of place a location is (Open Referral UK `location_type`)."""

    PHYSICAL = "physical"
    POSTAL = "postal"
    VIRTUAL = "virtual"


ACCESS_METHODS = ("phone", "email", "web", "walk-in", "form", "text", "home-visit")


class UnmetReason(StrEnum):
    """Why a search counts as unmet need."""

    NONE_FOUND = "none_found"  # nothing in the directory matched at all
    LOW_CONFIDENCE = "low_confidence"  # only weak matches: the person was told nothing fits
