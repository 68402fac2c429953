"""Which of Signpost's 17 need categories another publisher's taxonomy term means (the table in
docs/directory.md, "Taxonomy terms from other publishers").

A term maps when its name (or code) is a category id or label, or contains one of the category's key phrases as
whole words. A term that maps to nothing is still stored and linked, and its name becomes a search tag.
"""

from __future__ import annotations

import re
from functools import cache

from directory.taxonomy import CATEGORIES

# category -> phrases that mean it in other vocabularies (LGA/esd service types, Open Eligibility, local lists)
TERM_PHRASES: dict[str, tuple[str, ...]] = {
    "money": ("money", "debt", "debts", "benefit", "benefits", "welfare rights", "financial", "finance", "income",
              "budgeting", "grants"),
    "housing": ("housing", "homeless", "homelessness", "accommodation", "tenancy", "shelter"),
    "food_fuel": ("food", "food bank", "foodbank", "meals", "fuel poverty", "energy", "warm"),
    "loneliness": ("loneliness", "lonely", "isolation", "befriending", "social groups", "social activities",
                   "lunch club", "community groups"),
    "carers": ("carer", "carers", "caring"),
    "mental_wellbeing": ("mental health", "mental wellbeing", "wellbeing", "counselling", "emotional support",
                         "talking therapies", "anxiety", "depression"),
    "physical_activity": ("physical activity", "exercise", "sport", "sports", "walking", "leisure", "fitness"),
    "older_people": ("older people", "older adults", "elderly", "later life", "ageing"),
    "disability": ("disability", "disabilities", "disabled", "learning disability", "sensory impairment"),
    "domestic_abuse": ("domestic abuse", "domestic violence", "abuse"),
    "substance_use": ("drugs", "alcohol", "substance", "substance misuse", "addiction", "gambling"),
    "bereavement": ("bereavement", "bereaved", "grief", "loss"),
    "employment_learning": ("employment", "jobs", "work", "volunteering", "learning", "education", "training",
                            "skills", "adult learning", "english language", "esol"),
    "digital_inclusion": ("digital", "digital inclusion", "digital skills", "getting online", "computers"),
    "transport": ("transport", "travel", "community transport"),
    "home_safety": ("home safety", "falls", "falls prevention", "adaptations", "equipment", "fire safety",
                    "independent living"),
    "long_term_conditions": ("long term conditions", "long-term conditions", "self-management", "diabetes",
                             "dementia", "stroke", "cancer", "health conditions"),
}


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (category, re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in phrases) + r")\b"))
        for category, phrases in TERM_PHRASES.items()
    )


def categories_for_term(*names: str) -> list[str]:
    """Signpost categories a term means, from its name and code (empty when none)."""
    found: list[str] = []
    for name in (" ".join(name.casefold().replace("_", " ").split()) for name in names if name):
        for category in CATEGORIES.values():
            if name in (category.id.replace("_", " "), category.label.casefold()):
                found.append(category.id)
        for category, pattern in _patterns():
            if pattern.search(name) and category not in found:
                found.append(category)
    return list(dict.fromkeys(found))
