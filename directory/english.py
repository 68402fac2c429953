"""Ordinary English words (from the `wordfreq` package), so typo correction leaves real words alone.

"hair", "sell", "kids" or "best" are not misspellings of "chair", "self", "aids" or "west": a word at least this
common in English is taken as meant, even when no service uses it.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

ORDINARY_ZIPF = 3.0  # at least once per million words of English (about 29,000 words)


@lru_cache(maxsize=1)
def ordinary_english() -> dict[str, float]:
    """Every English word at least ORDINARY_ZIPF common -> how common, on the Zipf scale (about 7 for "the").

    Loaded once (about 0.5 s); search indexes keep a copy, so answering a query never loads wordfreq.
    """
    # Imported here, not at the top: wordfreq takes 0.2 s to import and only building an index needs it, so a
    # command-line search answering from a saved index starts that much faster.
    wordfreq = importlib.import_module("wordfreq")
    found: dict[str, float] = {}
    for word in wordfreq.iter_wordlist("en"):
        zipf = wordfreq.zipf_frequency(word, "en")
        if zipf < ORDINARY_ZIPF:
            break
        if word.isalpha() and word.isascii():
            found[word] = zipf
    return found
