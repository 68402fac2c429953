"""Spotting messages that suggest crisis or self-harm, so the bot answers with emergency contacts at once."""

from __future__ import annotations

import re

from casework.validation import normalise

_CRISIS_PATTERNS = [
    r"\bsuicid",
    r"\bkill(ing)? my ?self\b",
    r"\bend(ing)? (it all|my life)\b",
    r"\btake my (own )?life\b",
    r"\bwant(ed)? to die\b",
    r"\b(don'?t|do not) want to (live|be here)\b",
    r"\bself[- ]?harm",
    r"\bhurt(ing)? my ?self\b",
    r"\bcut(ting)? my ?self\b",
    r"\boverdos",
    r"\bno reason to live\b",
    r"\bbetter off dead\b",
    r"\b(he|she|they|partner|husband|wife) (is )?(going to|gonna) (hurt|kill) me\b",
    r"\bin danger\b",
]
_CRISIS_RE = re.compile("|".join(_CRISIS_PATTERNS))

CRISIS_REPLY = (
    "It sounds like things are really hard right now. You don't have to face this alone.\n\n"
    "• If you or someone else is in danger now, call 999.\n"
    "• Samaritans: call 116 123, free, any time, day or night.\n"
    "• NHS 111: call 111 and choose the mental health option.\n"
    "• Shout: text SHOUT to 85258 (free, 24/7).\n\n"
    "Please note: this bot is not watched by a person and cannot help in a crisis."
)


def suggests_crisis(text: str) -> bool:
    """True when the text contains words that suggest crisis, self-harm or danger."""
    normal = normalise(text).lower().replace("’", "'")
    return bool(_CRISIS_RE.search(normal))
