"""Which directory services suit a case: its reasons for referral mapped to need categories."""

from __future__ import annotations

from casework.models import ReferralReason
from directory.records import ServiceRecord
from directory.search import SearchFilters, SearchHit, SearchIndex
from directory.taxonomy import category_label

SUGGESTIONS_PER_CATEGORY = 2
MAX_SUGGESTIONS = 6

REASON_TO_CATEGORIES: dict[str, list[str]] = {
    ReferralReason.LONELINESS.value: ["loneliness", "older_people"],
    ReferralReason.MONEY.value: ["money"],
    ReferralReason.HOUSING.value: ["housing"],
    ReferralReason.CARER.value: ["carers"],
    ReferralReason.MENTAL_WELLBEING.value: ["mental_wellbeing", "bereavement"],
    ReferralReason.PHYSICAL_ACTIVITY.value: ["physical_activity"],
    ReferralReason.HOME_SAFETY.value: ["home_safety", "disability", "older_people"],
    ReferralReason.LONG_TERM_CONDITION.value: ["long_term_conditions"],
    ReferralReason.FOOD_FUEL.value: ["food_fuel"],
    ReferralReason.EMPLOYMENT_LEARNING.value: ["employment_learning", "digital_inclusion"],
    ReferralReason.SUBSTANCE_USE.value: ["substance_use"],
    # needs without a reason of their own
    ReferralReason.OTHER.value: ["domestic_abuse", "bereavement", "transport", "disability", "digital_inclusion"],
}


def suggest_services(index: SearchIndex, reasons: list[str], limit: int = MAX_SUGGESTIONS) -> list[SearchHit]:
    """A few services from the need categories that match a case's reasons for referral, without repeats."""
    found: dict[str, SearchHit] = {}
    for reason in reasons:
        for category in REASON_TO_CATEGORIES.get(reason, []):
            hits = index.search(category_label(category), SearchFilters(category=category), SUGGESTIONS_PER_CATEGORY)
            for hit in hits:
                found.setdefault(hit.service_id, hit)
    return list(found.values())[:limit]


LABEL_CHARS = 64  # a button label that still fits a phone's width on two lines


def service_label(record: ServiceRecord, limit: int = LABEL_CHARS) -> str:
    """A service as a link worker tells it apart from others of the same name: 'Men's Shed — Age UK, Diss'."""
    place = ", ".join(part for part in (record.organisation_name, record.town) if part and part != record.name)
    label = f"{record.name} — {place}" if place else record.name
    return label if len(label) <= limit else label[: limit - 1].rstrip(" ,—") + "…"
