"""The directory's category vocabulary: the social-prescribing support areas (their rows are written by
`directory.seed.ensure_taxonomy`)."""

from __future__ import annotations

from dataclasses import dataclass

VOCABULARY = "signpost"


@dataclass(frozen=True)
class Category:
    """One need category: a stable id, a plain-language label and a short description for clients."""

    id: str
    label: str
    description: str


_CATEGORY_LIST = (
    Category("money", "Money, debt and benefits", "Help with bills, debts, benefits forms like PIP and grants."),
    Category("housing", "Housing and homelessness", "Help if you might lose your home, have nowhere to stay or "
             "your home is in poor repair."),
    Category("food_fuel", "Food and fuel", "Food banks, community meals and help to keep your home warm."),
    Category("loneliness", "Loneliness and company", "Befriending, lunch clubs, groups and friendly phone calls."),
    Category("carers", "Carers", "Support for people who look after a family member or friend."),
    Category("mental_wellbeing", "Mental wellbeing", "Someone to talk to, and help with stress, worry or low mood."),
    Category("physical_activity", "Getting active", "Walking groups, gentle exercise and sport for all abilities."),
    Category("older_people", "Older people", "Advice, activities and practical help for people in later life."),
    Category("disability", "Disability", "Advice, equipment and activities for disabled people and their "
             "families."),
    Category("domestic_abuse", "Domestic abuse", "Confidential help if someone close to you hurts, threatens or "
             "controls you."),
    Category("substance_use", "Drugs, alcohol and gambling", "Free, confidential help to cut down or stop."),
    Category("bereavement", "Bereavement", "Support after someone close to you has died."),
    Category("employment_learning", "Work, volunteering and learning", "Help to find work or volunteering, "
             "courses and learning English."),
    Category("digital_inclusion", "Getting online", "Help to use a phone, tablet or computer, and free data or "
             "devices."),
    Category("transport", "Transport", "Community transport, lifts to appointments and travel help."),
    Category("home_safety", "Safety and independence at home", "Falls prevention, equipment, adaptations and "
             "free fire safety checks."),
    Category("long_term_conditions", "Living with a health condition", "Support to manage a long-term health "
             "condition day to day."),
)

CATEGORIES: dict[str, Category] = {category.id: category for category in _CATEGORY_LIST}


def category_label(category: str) -> str:
    """A category's plain-language label; an id we do not know is shown in words ("food_fuel" -> "food fuel")."""
    return CATEGORIES[category].label if category in CATEGORIES else category.replace("_", " ")
