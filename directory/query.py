"""Reading a search query: typed words, typo correction against the directory's words, lay phrases, places, ages,
negation and intents.

`QueryReader` knows every word the indexed services use; `read()` turns what a person typed (a few words or a
2–3 sentence message) into the index keys to look for (`Concept`s), the lay phrases it contains (`Meaning`s),
the words that carry its needs (`NeedWord`s, for judging whether results really answer it), the place and age it
mentions, what it says it does not want, and whether it is urgent, asks to self-refer or asks for a person.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise, takewhile

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.areas import DISTRICT_AUTHORITY, places_in
from directory.synonyms import (
    CRISIS_MEANING,
    FILLER_WORDS,
    NIGHT_DISTRESS,
    STOPWORDS,
    STRAIN_LINKS,
    STRAIN_PHRASES,
    STRAIN_REACH,
    STRAIN_VAGUE_OBJECTS,
    LayMeaning,
    asks_for_self_referral,
    errand_positions,
    hospital_spans,
    idiom_keys,
    is_person_word,
    is_urgent,
    lay_vocabulary,
    negated_positions,
    night_hour,
    normalise,
    person_request,
    phrase_table,
    situation_positions,
    speaks_of_harming_others,
    stem,
    term_keys,
    word_pairs,
)

MAX_QUERY_WORDS = 200  # about a 1,000-character message; words past it are not read
MAX_WORD_LETTERS = 25  # longer "words" are keyboard mashing or pasted codes, not words
MAX_PHRASE_WORDS = 7
TWO_SLIPS_LETTERS = 10  # words this long may be corrected across two slips ("acommodaton"), shorter ones one
IN_CONTEXT_LETTERS = 5  # from this length, one slip more when the correction pairs with a neighbour ("mentle health")
LONG_MESSAGE_WORDS = 7  # from this many meaningful words on, a message is read for its needs, not every word

# Query-side weights.
CORRECTED_WORD_WEIGHT = 0.85  # a typo we corrected is slightly less certain than a word typed right
RUN_TOGETHER_SLIP_LETTERS = 5  # a part of a run-together word this long may hold a slip ("councultax")
PHRASE_WORD_WEIGHT = 0.5  # a word that is part of a longer lay phrase ("lost my husband")
EXPANSION_WEIGHT = 0.5  # a directory word a lay phrase stands for
KNOWN_WORDS_MEANING = 0.5  # a lay phrase whose words services also use directly counts for less as a meaning
PAIR_WEIGHT = 1.0  # two typed words found side by side ("pension credit"), on top of each word
INCIDENTAL_WEIGHT = 0.3  # an everyday word in a long message that is not part of a need ("phone", "school")
INCIDENTAL_ZIPF = 4.0  # ... at least this common in English ("library", "phone", "car")
JOINED_WEIGHT = 1.0  # words typed apart that services write as one ("turn 2 us" -> turn2us)

# How much a word counts towards what the query needs (for judging whether results answer it).
EVERYDAY_ZIPF = 3.5  # English words rarer than this carry a need fully; commoner ones less and less
IMPORTANCE_FLOOR = 0.1
PAIR_IMPORTANCE = 1.0  # each word of a phrase services use ("hearing aid") carries a need fully when answered
NARRATIVE_IMPORTANCE = 0.5  # an -ing/-ed word no service uses ("knocking", "passed") tells a story, not a need
PARTICLES = frozenset({"out", "up", "off", "down", "over", "away", "back"})  # end phrasal verbs ("came out")
OTHER_VERBS = {
    **{stem(verb): ("out",) for verb in ("work", "worked", "working", "works")},
    **{stem(verb): ("out", "with") for verb in ("fall", "fell", "falling", "falls")},
    **{stem(verb): ("out",) for verb in ("walk", "walked", "walking", "walks")},
}
"""A one-word lay phrase and the words after it that make a verb meaning something else: "work out how to"
(understand), "fell out with my sister" (argue; "fell out of bed" is still a fall), "I have to walk out" (leave, not a
walk for exercise)."""
FIGURATIVE_SUBJECTS = {("hit", "me"): frozenset({"it", "its", "reality", "grief"})}
"""Subjects that make a phrase a figure of speech rather than what it says: "it hit me", "it's all going to hit me"
(but "he's going to hit me" is a threat)."""
FIGURATIVE_REACH = 4  # words before the phrase its subject may be ("it's all going to hit me")
PERSON_SUBJECTS = frozenset({"he", "she", "hes", "shes", "they", "theyre", "hell", "shell", "theyll", "him", "her"})
MOOD_PARTICLES = frozenset({("down",)})  # a particle that is a feeling only after a word that says so ("feeling down")
MOOD_CUES = frozenset({"feel", "feels", "feeling", "felt", "so", "really", "very", "bit", "abit", "been", "am", "im",
                       "is", "was", "are", "were", "getting", "pretty", "quite", "proper", "always", "too", "and",
                       "hes", "shes", "theyre", "youre", "dead", "right", "that", "more", "seem", "seems", "seemed",
                       "look", "looks", "looked", "looking", "sound", "sounds", "sounded", "gone"})  # fmt: skip
MOOD_CAUSES = frozenset({"get", "gets", "getting", "got", "brings", "bringing", "brought", "dragging", "drags"})
SETTING_PREPOSITIONS = frozenset({"at", "on"})  # "at college", "panic attacks on the bus": where, not what is needed
SETTING_DETERMINERS = frozenset({"the", "my", "a", "our", "his", "her", "their", "your"})  # ("in the navy" is who)
SETTINGS_ONE_IS_IN = frozenset({"class", "lessons", "lectures", "school", "college", "uni"})  # "panic attacks in class"
PEOPLE_IMPORTANCE = 0.3  # a word for who the message is about ("my nan", "my son"), not what they need
PERSON_WORD_WEIGHT = 0.4  # ... and how much such a word searches beside a need ("EHCP help for my son")
UNREAD_IMPORTANCE = 0.5  # a garbled word that is neither English nor near a word we know ("baterys")
ERRAND_IMPORTANCE = 1.0  # an everyday errand in a short message ("bus times", "football scores"): no service does it
ERRAND_ABOUT_WORDS = 2  # the words before an errand that say what it is about ("leisure centre membership")
ERRAND_DOMAINS = frozenset({"transport", "physical_activity", "digital_inclusion"})  # what everyday errands are about
ERRAND_NEED_IMPORTANCE = 0.5  # ... unless a directory word at least this telling names a need beside it ("paying")

WORD, PAIR, IMPLIED = "word", "pair", "implied"
_AGE = re.compile(
    r"\b(?:i am|im|i m|aged|age|ages|shes|hes|she is|he is|is|turned) (\d{1,3})\b(?! (?:pound|quid|p|pence|grand|k))"
    r"|\b(\d{1,3}) ?(?:years? old|yrs? old|yo|year old)\b"
    r"|\b(?:my|our|her|his) (?:son|daughter|lad|boy|girl|kid|child|grandson|granddaughter|nephew|niece|brother|"
    r"sister|mum|dad|nan|grandad|husband|wife|partner)s? (\d{1,3})\b"
    r"(?! (?:pound|quid|p|pence|grand|k|times|weeks|days|months|kids|children))"
)  # "my son's 14", "my lad, 15, is drinking"


@dataclass
class Concept:
    """One index key the query looks for."""

    key: str  # a stemmed word, or "word word" for an adjacent pair
    weight: float
    said: str  # the words as the person typed them (the corrected word for typos)
    kind: str  # WORD or PAIR typed by the person, IMPLIED by a lay phrase
    position: int
    corrected_from: str | None = None


@dataclass
class Meaning:
    """A lay phrase found in the query and what it means."""

    said: str
    lay: LayMeaning
    own_words: frozenset[str]  # the phrase's own (stemmed) words
    keys: frozenset[str]  # index keys of the directory terms it stands for
    strength: float  # 1 for pure lay language ("brassic"), less when services use the words themselves
    positions: range = range(0)


@dataclass
class NeedWord:
    """A word of the query that says what the person needs."""

    position: int
    keys: tuple[str, ...]  # the index keys it was read as (empty when the directory does not know it)
    importance: float  # 1.5-2 inside a lay phrase, 1 for a rare word, less for everyday words ("phone", "last")
    meanings: tuple[int, ...] = ()  # indexes into ParsedQuery.meanings of the lay phrases it is part of
    pairs: tuple[str, ...] = ()  # phrases services use that it makes with a neighbour ("hearing aid")
    incidental: bool = False  # an everyday word of a long message outside its lay phrases ("rent is due on Friday")


@dataclass
class ParsedQuery:
    """What a query asks for: index keys, lay meanings, the need words, place, age and intents."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    meanings: list[Meaning] = field(default_factory=list)
    need_words: list[NeedWord] = field(default_factory=list)
    long: bool = False  # a message of several sentences rather than a few words
    urgent: bool = False
    night_hour: int | None = None  # the small hours a message of distress is written in ("so low, it's 3am"): 0-5
    wants_self_referral: bool = False
    wants_person: bool = False  # "can I speak to someone"
    harms_others: bool = False  # the writer speaks of harm they cause ("I lose my temper with my wife")
    place: str | None = None  # the area token of a place the message names ("Diss" -> IP22)
    place_said: str = ""
    age: int | None = None  # "I'm 17", "my mum is 82"
    unwanted: frozenset[str] = frozenset()  # index keys the person said they do not want ("without a voucher")
    name_text: str = ""  # corrected words (and place), for comparing with service names
    said_words: frozenset[str] = frozenset()  # every (stemmed) word typed, small words included

    def add(self, concept: Concept) -> None:
        known = self.concepts.get(concept.key)
        if known is None or concept.weight > known.weight:
            self.concepts[concept.key] = concept

    def of_kind(self, *kinds: str) -> list[Concept]:
        return [concept for concept in self.concepts.values() if concept.kind in kinds]

    @property
    def empty(self) -> bool:
        return not self.concepts and not self.meanings


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")


def _typed_words(text: str) -> tuple[list[tuple[str, str]], set[int]]:
    """(as typed, normalised) pairs for each word of the query, and the positions of words capitalised in the
    middle of a sentence ("Derek", "Tesco", "NNUH"): names, unless services use them."""
    pairs: list[tuple[str, str]] = []
    capitalised: set[int] = set()
    for match in _WORD.finditer(text):
        token = match.group()
        if len(token) > MAX_WORD_LETTERS:
            continue
        parts = normalise(token).split()
        if token[0].isupper() and pairs and not _SENTENCE_END.search(text[: match.start()]):
            capitalised.update(range(len(pairs), len(pairs) + len(parts)))
        pairs.extend((token if len(parts) == 1 else part, part) for part in parts)
        if len(pairs) >= MAX_QUERY_WORDS:
            break
    return pairs[:MAX_QUERY_WORDS], capitalised


_SPECIFICITY = {"county": 0, "authority": 1, "district": 2}


def _most_specific(areas: list[str]) -> str:
    """The narrowest of the places named (a town's district over a council over a county)."""

    def rank(area: str) -> int:
        if area in DISTRICT_AUTHORITY:
            return _SPECIFICITY["district"]
        return _SPECIFICITY["authority"] if area not in ("Norfolk", "Suffolk") else _SPECIFICITY["county"]

    return max(areas, key=rank)


def age_in(text: str) -> int | None:
    """An age the message gives ("I'm 17", "my dad is 82", "a 15 year old"), if any (0-120)."""
    match = _AGE.search(normalise(text))
    if match is None:
        return None
    age = int(match.group(1) or match.group(2) or match.group(3))
    return age if age <= 120 else None


class QueryReader:
    """Reads queries against the words of an indexed directory."""

    def __init__(
        self,
        frequencies: Mapping[str, int],
        surface: Mapping[str, str],
        spellings: Mapping[str, str],
        service_count: int,
        english: Mapping[str, float] | None = None,
    ) -> None:
        """`frequencies`: index key -> how many services hold it; `surface`: stem -> a word as services write
        it; `spellings`: each word services write -> its stem; `service_count`: how many services are indexed;
        `english`: ordinary English words -> how common (Zipf), which are never "corrected"."""
        self._frequencies = frequencies
        self._surface = surface
        self._service_count = service_count
        self._english = english or {}
        self._spellings: dict[str, str] = dict(lay_vocabulary())  # every known written word -> its stem
        for word, term in spellings.items():
            self._spellings.setdefault(word, term)
        self._known = frozenset(frequencies) | frozenset(lay_vocabulary().values())
        self._spellings.update((word, word) for word in STOPWORDS)  # so "hlep" is read as "help" and ignored
        # Written words grouped by length (for typo correction) and sorted (for completing a word).
        words = sorted(word for word in self._spellings if word.isalpha() and len(word) > 2)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in words:
            self._by_length[len(word)].append(word)
        self._sorted_spellings = words

    def read(self, text: str) -> ParsedQuery:
        """Typed words -> corrected index keys, lay meanings, need words, place, age and intents."""
        parsed = ParsedQuery(wants_self_referral=asks_for_self_referral(text), age=age_in(text), urgent=is_urgent(text))
        typed, capitalised = _typed_words(text)
        skip: set[int] = set()  # not need words: the place, the request for a person, the day ("I work nights")
        for start, end in hospital_spans([word for _, word in typed]):  # "the Norfolk and Norwich" is a hospital
            typed[start] = (" ".join(shown for shown, _ in typed[start:end]), "hospital")
            skip.update(range(start + 1, end))
            typed[start + 1 : end] = [(shown, "") for shown, _ in typed[start + 1 : end]]
        plain = [word for _, word in typed]
        parsed.said_words = frozenset(stem(word) for word in plain)
        parsed.harms_others = speaks_of_harming_others(plain)
        asked = person_request(plain)
        if asked is not None:
            parsed.wants_person = True
            skip.update(asked)
        skip.update(situation_positions(plain))
        resolved = self._resolve_all(plain, skip)
        # a place as typed, else as corrected ("great yarmoth"); its words are the place, not need words
        places = places_in(plain) or places_in([keys[0][1] or word for keys, word in zip(resolved, plain, strict=True)])
        if places:
            parsed.place = _most_specific([area for _, _, area in places])
            parsed.place_said = " ".join(shown for start, end, _ in places for shown, _ in typed[start:end])
            for start, end, _ in places:
                skip.update(range(start, end))
                resolved[start:end] = [((stem(word), None),) for word in plain[start:end]]
        resolved = self._recheck_everyday_words(plain, resolved)
        terms = ["" if i in skip else keys[0][0] if len(keys) == 1 else "" for i, keys in enumerate(resolved)]
        in_phrase, phrase_positions, idioms = self._find_phrases(terms, typed, parsed)
        meaning_otherwise = _words_meaning_otherwise(terms, parsed.meanings, self._frequencies) | idioms
        strained = _drop_strain_before_a_need(terms, plain, parsed, self._frequencies)
        skip |= _drop_cause_of_death(plain, parsed)
        negated, described = negated_positions(plain, phrase_positions)
        skip |= described
        unsaid = negated | described
        parsed.meanings = [meaning for meaning in parsed.meanings if unsaid.isdisjoint(meaning.positions)]
        parsed.unwanted = self._unwanted(plain, resolved, negated)
        if {"voucher", "referral", "refer"} & {stem(plain[i]) for i in negated}:
            parsed.wants_self_referral = True
        joined_spans = self._joined_words(plain, skip | negated)
        joined = {i: key for (start, end), key in joined_spans.items() for i in range(start, end)}
        content: list[tuple[int, str]] = []  # (position, stem) of each meaningful word, in order
        meaningful = [
            i for i, word in enumerate(plain)
            if i not in skip and i not in negated and stem(word) not in STOPWORDS and word not in FILLER_WORDS
        ]  # fmt: skip
        long_message = parsed.long = len(meaningful) >= LONG_MESSAGE_WORDS
        # who the message is about ("my son", "my nan") beside what they need: the need leads the search
        about_someone = any(not is_person_word(plain[i]) for i in meaningful)
        scenery: set[int] = set()
        errands = set() if long_message else errand_positions(plain) - skip - negated
        if long_message:  # a story names people, shops and places ("Derek", "Tesco", "Leeds"): not needs
            skip.update(i for i in capitalised - phrase_positions if stem(plain[i]) not in self._known)
            scenery = _drop_scenery(plain, parsed)
        for position, ((said, word), keys) in enumerate(zip(typed, resolved, strict=True)):
            term = stem(word)
            if term in STOPWORDS or word in FILLER_WORDS or position in skip or position in negated:
                continue
            found_keys = []
            incidental = long_message and (
                position in scenery or (position not in phrase_positions and self._everyday(word))
            )
            for key, spelling in keys:
                if key in STOPWORDS:
                    continue
                content.append((position, key))
                if key in self._frequencies and not key.isdigit():
                    found_keys.append(key)
                    if position in meaning_otherwise:
                        continue
                    weight = (PHRASE_WORD_WEIGHT if position in in_phrase | strained else 1.0) * (
                        CORRECTED_WORD_WEIGHT if spelling else 1.0
                    )
                    if incidental:
                        weight *= INCIDENTAL_WEIGHT
                    elif about_someone and position not in phrase_positions and is_person_word(word):
                        weight *= PERSON_WORD_WEIGHT
                    parsed.add(Concept(key, weight, spelling or said, WORD, position, said if spelling else None))
            if word.isdigit() or not keys or keys[0][0] in STOPWORDS or position in strained:
                continue
            if position in joined:
                found_keys.append(joined[position])
            in_meanings = tuple(i for i, meaning in enumerate(parsed.meanings) if position in meaning.positions)
            strength = max((parsed.meanings[i].strength for i in in_meanings), default=0.0)
            if in_meanings:
                importance = 1.0 + strength
            else:
                importance = self._importance(word, [self._surface.get(key, key) for key in found_keys])
                if long_message and not found_keys:
                    importance *= NARRATIVE_IMPORTANCE  # in a long message, words no service uses tell the story
            need = NeedWord(position, tuple(dict.fromkeys(found_keys)), importance, in_meanings, incidental=incidental)
            parsed.need_words.append(need)
        self._count_phrases_of_small_words(parsed)
        _errand_asked(parsed, errands)
        if any(NIGHT_DISTRESS.intersection(meaning.lay.categories) for meaning in parsed.meanings):
            parsed.night_hour = night_hour(text)
            parsed.urgent = parsed.urgent or parsed.night_hour is not None
        for (start, end), key in joined_spans.items():
            said = " ".join(shown for shown, _ in typed[start:end])
            parsed.add(Concept(key, JOINED_WEIGHT, said, WORD, start))
        for (first, left), (last, right) in pairwise(content):
            pair = f"{left} {right}"
            if pair in self._frequencies:
                said = " ".join(shown for shown, _ in typed[first : last + 1])
                parsed.add(Concept(pair, PAIR_WEIGHT, said, PAIR, first))
                for need in parsed.need_words:
                    if need.position in (first, last):
                        need.pairs += (pair,)
        for meaning in parsed.meanings:
            for key in sorted(meaning.keys - parsed.concepts.keys()):
                weight = EXPANSION_WEIGHT * meaning.strength
                parsed.add(Concept(key, weight, meaning.said, IMPLIED, MAX_QUERY_WORDS))
        words = sorted(parsed.of_kind(WORD), key=by_position)
        named = [self._surface.get(concept.key, concept.said) for concept in words]
        parsed.name_text = " ".join([*named, *([parsed.place_said] if named and parsed.place_said else [])])
        return parsed

    def _unwanted(
        self, plain: list[str], resolved: list[tuple[tuple[str, str | None], ...]], negated: set[int]
    ) -> frozenset[str]:
        """The index keys of what the person said they do not want. A thing services name in two words ("food
        bank", also written "foodbank") is unwanted by that name, so services that only mention "food" stay."""
        unwanted: set[str] = set()
        paired: set[int] = set()
        for first, second in pairwise(sorted(negated)):
            pair = f"{resolved[first][0][0]} {resolved[second][0][0]}"
            if pair in self._frequencies:
                joined = self._spellings.get(plain[first] + plain[second], "")
                unwanted.update(key for key in (pair, joined) if key in self._frequencies)
                paired.update((first, second))
        words = (key for i in negated - paired for key, _ in resolved[i])
        return frozenset(unwanted | {key for key in words if key in self._frequencies})

    @staticmethod
    def _count_phrases_of_small_words(parsed: ParsedQuery) -> None:
        """A lay phrase made only of small words ("looks after her", "can't get out") names a need too: it counts
        towards what the results must answer, as one need word."""
        counted = {i for word in parsed.need_words for i in word.meanings}
        for i, meaning in enumerate(parsed.meanings):
            if i not in counted and meaning.positions:
                need = NeedWord(meaning.positions.start, (), 1.0 + meaning.strength, (i,))
                parsed.need_words.append(need)
                counted.add(i)
        parsed.need_words.sort(key=lambda word: word.position)

    # --- single words ---------------------------------------------------------------------------------------

    def _resolve(self, word: str, neighbours: tuple[str, ...] = ()) -> tuple[tuple[str, str | None], ...]:
        """(index key, corrected spelling or None) for what a typed word stands for: itself when known, another
        form of it services use ("scammed" -> scam), else its most likely correction (`neighbours`, the words
        typed either side, settle a tie: "mentle health" is "mental", not "gentle")."""
        term = stem(word)
        noun = word[:-3] + "ice" if word.endswith("ise") and len(word) > 5 else ""
        if term not in self._frequencies and noun in self._frequencies:
            return ((noun, None),)  # the verb for the noun services use: "benefit advise" -> advice
        if term in STOPWORDS or term in self._known or not word.isalpha():
            return ((term, None),)
        for form in _other_forms(word):
            if stem(form) in self._known:
                return ((stem(form), None),)
        if word in self._english:
            return ((term, None),)  # a real word the directory does not use: see _recheck_everyday_words
        corrected = self._correct(word, neighbours)
        if corrected is None:
            return ((term, None),)
        return tuple((self._spellings.get(spelling) or stem(spelling), spelling) for spelling in corrected)

    def _resolve_all(self, plain: list[str], skip: set[int]) -> list[tuple[tuple[str, str | None], ...]]:
        """`_resolve` for every word; a correction is made again with its neighbours as corrected, so two slips
        side by side are read together ("mentle helth" -> mental health, "exersise refferal" -> exercise referral)."""
        resolved = [
            ((stem(word), None),) if i in skip else self._resolve(word, _neighbours(plain, i))
            for i, word in enumerate(plain)
        ]
        corrected = [keys[0][1] or word for keys, word in zip(resolved, plain, strict=True)]
        for i, keys in enumerate(resolved):
            neighbours = _neighbours(corrected, i)
            unsure = keys[0][1] is not None or keys[0][0] not in self._known  # corrected, or not read at all
            if i not in skip and unsure and neighbours != _neighbours(plain, i):
                resolved[i] = self._resolve(plain[i], neighbours)
        return resolved

    def _recheck_everyday_words(
        self, plain: list[str], resolved: list[tuple[tuple[str, str | None], ...]]
    ) -> list[tuple[tuple[str, str | None], ...]]:
        """An ordinary English word the directory does not know is taken as meant ("hair" is not "chair")...
        unless its correction makes a phrase services use with a neighbouring word, itself perhaps corrected
        ("dept advise" -> debt advice)."""
        fixes: dict[int, tuple[str, str]] = {}  # position -> (corrected key, corrected spelling)
        for position, word in enumerate(plain):
            if word not in self._english or resolved[position][0][0] in self._known or len(word) < 4:
                continue
            corrected = self._correct(word) if word.isalpha() else None
            if corrected is not None and len(corrected) == 1:
                fixes[position] = (self._spellings.get(corrected[0]) or stem(corrected[0]), corrected[0])
        checked = list(resolved)
        for position, (fixed, spelling) in fixes.items():
            for left, right in ((position - 1, position), (position, position + 1)):
                if left < 0 or right >= len(plain):
                    continue
                lefts = {fixed} if left == position else self._readings(left, plain, resolved, fixes)
                rights = {fixed} if right == position else self._readings(right, plain, resolved, fixes)
                pair = next(((a, b) for a in lefts for b in rights if f"{a} {b}" in self._frequencies), None)
                if pair is None:
                    continue
                checked[position] = ((fixed, spelling),)
                neighbour, key = (right, pair[1]) if left == position else (left, pair[0])
                if key != resolved[neighbour][0][0]:
                    checked[neighbour] = ((key, self._surface.get(key, key)),)
        return checked

    def _readings(
        self,
        position: int,
        plain: list[str],
        resolved: list[tuple[tuple[str, str | None], ...]],
        fixes: dict[int, tuple[str, str]],
    ) -> set[str]:
        """The keys a neighbouring word may stand for: as read, and corrected when services do not use it."""
        readings = {resolved[position][0][0]}
        if position in fixes:
            readings.add(fixes[position][0])
        elif readings.isdisjoint(self._frequencies) and plain[position].isalpha() and len(plain[position]) >= 4:
            word = plain[position]
            pool = [spelling for size in range(len(word) - 1, len(word) + 2) for spelling in self._by_length[size]]
            for spelling, _, _ in process.extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=10):
                readings.add(self._spellings.get(spelling) or stem(spelling))
        return readings

    def _everyday(self, word: str) -> bool:
        return self._english.get(word, 0.0) >= INCIDENTAL_ZIPF

    def _importance(self, word: str, forms: Sequence[str] = ()) -> float:
        """How much a word says about what is needed: rare words fully, everyday words ("phone", "last") less.

        `forms`: the words services write for it, when they use it; a form of an everyday word is as everyday
        ("phoned" as "phone"). A word no service uses counts as the English word it misspells ("disese" as
        "disease"), and less again when it tells what happened ("knocking", "passed") rather than naming a need.
        """
        known = bool(forms)
        if is_person_word(word):
            return PEOPLE_IMPORTANCE
        if not known and word not in self._english:
            english = self._english_spelling(word)
            if english is None and self._english and word.isalpha():
                return UNREAD_IMPORTANCE  # a slip we cannot read says nothing either way; an English word can
            word = english or word
        zipf = max([self._english.get(word, 0.0), *(self._english.get(form, 0.0) for form in forms if " " not in form)])
        importance = 1.0 if zipf < EVERYDAY_ZIPF else max(IMPORTANCE_FLOOR, min(1.0, (6.0 - zipf) / 2.5))
        if not known and len(word) > 4 and word.endswith(("ing", "ed")):
            importance *= NARRATIVE_IMPORTANCE
        return importance

    def _english_spelling(self, word: str) -> str | None:
        """The commonest ordinary English word one slip away from `word` (same first letter), if any."""
        if not word.isalpha() or len(word) < 4:
            return None
        pool = [spelling for size in range(len(word) - 1, len(word) + 2) for spelling in self._english_by_length[size]]
        matches = process.extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=20)
        matches = [spelling for spelling, _, _ in matches if spelling[0] == word[0]]
        return max(matches, key=lambda spelling: (self._english[spelling], spelling), default=None)

    @cached_property
    def _english_by_length(self) -> dict[int, list[str]]:
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._english:
            by_length[len(word)].append(word)
        return by_length

    def _joined_words(self, plain: list[str], skip: set[int]) -> dict[tuple[int, int], str]:
        """(first, last + 1) -> key, for 2-3 words typed apart that services write as one ("turn 2 us")."""
        joined: dict[tuple[int, int], str] = {}
        taken: set[int] = set()
        for size in (3, 2):
            for start in range(len(plain) - size + 1):
                span = range(start, start + size)
                if taken.intersection(span) or skip.intersection(span):
                    continue
                key = self._spellings.get("".join(plain[start : start + size]))
                if key is not None and key in self._frequencies and key not in STOPWORDS:
                    joined[(start, start + size)] = key
                    taken.update(span)
        return joined

    # --- lay phrases ------------------------------------------------------------------------------------------

    def _find_phrases(
        self, terms: list[str], typed: list[tuple[str, str]], parsed: ParsedQuery
    ) -> tuple[set[int], set[int], set[int]]:
        """Record lay phrases found in the (corrected) words; return the positions inside multi-word phrases, the
        positions inside any phrase and the positions inside idioms (see `directory.synonyms.IDIOMS`).

        A phrase lying wholly inside a longer one found ("pip" in "pip form") is not counted separately.
        """
        table = phrase_table()
        content = [i for i, term in enumerate(terms) if term and term not in STOPWORDS]
        spans: dict[tuple[int, int], tuple[str, ...]] = {}
        for sequence in (list(range(len(terms))), content):
            for start in range(len(sequence)):
                for end in range(start + 1, min(start + MAX_PHRASE_WORDS, len(sequence)) + 1):
                    key = tuple(terms[i] for i in sequence[start:end])
                    if key in table:
                        spans.setdefault((sequence[start], sequence[end - 1]), key)
        in_long_phrase: set[int] = set()
        in_any_phrase: set[int] = set()
        in_idiom: set[int] = set()
        for (first, last), key in sorted(spans.items()):
            if any(a <= first and last <= b and (a, b) != (first, last) for a, b in spans):
                continue
            if key[-1] in PARTICLES and last + 1 < len(typed) and typed[last + 1][1] == "of":
                continue  # "came out of prison" is not "came out", "fell out of bed" not "fell out"
            if len(key) == 1 and _another_verb(typed, first):
                continue  # another verb: "can't work out how" is not work, "fell out with" not a fall
            if key in MOOD_PARTICLES and not _says_a_mood(typed, first):
                continue  # "go down the bowls club", "have me down as", "slowing down" are not feeling down
            if key in FIGURATIVE_SUBJECTS and _figurative(typed, first, FIGURATIVE_SUBJECTS[key]):
                continue  # "it's all going to hit me", "then it hit me" are grief or shock, not a blow
            if len(key) > 1:
                in_long_phrase.update(range(first, last + 1))
            in_any_phrase.update(range(first, last + 1))
            idiom = key in idiom_keys()
            if idiom:
                in_idiom.update(range(first, last + 1))
            said = " ".join(shown for shown, _ in typed[first : last + 1])
            for lay in table[key]:
                keys = frozenset(k for term in lay.terms for k in term_keys(term) if k in self._frequencies)
                own_words = frozenset(key) - STOPWORDS
                strength = KNOWN_WORDS_MEANING if own_words <= self._frequencies.keys() else 1.0
                if idiom or lay.meaning == CRISIS_MEANING:
                    strength = 1.0  # neither despair nor an idiom means its words ("end it all", "make ends meet")
                parsed.meanings.append(Meaning(said, lay, own_words, keys, strength, range(first, last + 1)))
        return in_long_phrase, in_any_phrase, in_idiom

    # --- typo correction --------------------------------------------------------------------------------------

    def _correct(self, word: str, neighbours: tuple[str, ...] = ()) -> tuple[str, ...] | None:
        """The known word(s) a misspelt, shortened or run-together word most likely stands for.

        Among equally close words, one that makes a phrase services use with a neighbouring word comes first,
        then one with the same first letter (people rarely mistype the first letter), then the commonest.
        """
        max_edits = 0 if len(word) < 3 else 1 if len(word) < TWO_SLIPS_LETTERS else 2
        if max_edits:
            reach = max_edits + (len(word) >= IN_CONTEXT_LETTERS and bool(neighbours))
            pool = [
                spelling
                for size in range(len(word) - reach, len(word) + reach + 1)
                for spelling in self._by_length.get(size, ())
            ]
            # Two slips only in long words, and not in the first letter ("knitting" is not "fitting"); a longer word
            # is not a three-letter abbreviation with a letter more ("Asda" is not "ASD").
            matches = [
                (spelling, distance, self._pairs_with(self._spellings[spelling], neighbours))
                for spelling, distance, _ in process.extract(
                    word, pool, scorer=OSA.distance, score_cutoff=reach, limit=40
                )
                if (distance < 2 or spelling[0] == word[0]) and (len(word) > 3 or _letters_dropped(word, spelling))
                and (len(spelling) > 3 or len(word) <= 3)
            ]
            # One slip more is forgiven when the word then makes a phrase services use with its neighbour.
            matches = [match for match in matches if match[1] - match[2] <= max_edits]
            if matches:
                best = min(
                    matches,
                    key=lambda m: (
                        m[1] - m[2],
                        not m[2],
                        m[0][0] != word[0],
                        not _letters_dropped(word, m[0]),
                        -self._frequency(self._spellings[m[0]]),
                        m[0],
                    ),
                )
                return (best[0],)
        if len(word) >= 4:
            start = bisect.bisect_left(self._sorted_spellings, word)
            completions = list(takewhile(lambda s: s.startswith(word), self._sorted_spellings[start : start + 50]))
            if completions:
                return (max(completions, key=lambda s: (self._frequency(self._spellings[s]), s)),)
        return self._run_together(word, correct_a_part=True)

    def _run_together(self, word: str, correct_a_part: bool) -> tuple[str, ...] | None:
        """Two words typed as one: "foodbank" -> food + bank, "helpwith" -> help + with (a small word beside a
        known one), and with `correct_a_part` a slip in one of them, "councultax" -> council + tax."""

        def known(part: str) -> bool:
            return stem(part) in self._frequencies or (len(part) > 1 and part in STOPWORDS)

        cuts = [(word[:cut], word[cut:]) for cut in range(2, len(word) - 1)]
        for head, tail in cuts:
            if known(head) and known(tail) and not (head in STOPWORDS and tail in STOPWORDS) and min(
                len(head), len(tail)
            ) > 2 - (head in STOPWORDS or tail in STOPWORDS):
                return head, tail
        if not correct_a_part:
            return None
        for head, tail in cuts:
            for part, other, first in ((head, tail, True), (tail, head, False)):
                if len(part) >= RUN_TOGETHER_SLIP_LETTERS and stem(other) in self._frequencies:
                    fixed = self._correct_one(part)
                    if fixed is not None:
                        return (fixed, other) if first else (other, fixed)
        return None

    def _correct_one(self, part: str) -> str | None:
        """One slip in a part of a run-together word ("councul" -> council), without splitting it again."""
        pool = [spelling for size in range(len(part) - 1, len(part) + 2) for spelling in self._by_length.get(size, ())]
        match = process.extractOne(part, pool, scorer=OSA.distance, score_cutoff=1)
        return match[0] if match is not None and match[0][0] == part[0] else None

    def _pairs_with(self, key: str, neighbours: tuple[str, ...]) -> bool:
        """Whether services write `key` next to one of the neighbouring words (either way round), or a lay phrase
        has them side by side ("panic attacks")."""
        table = phrase_table()
        return any(
            f"{key} {other}" in self._frequencies or f"{other} {key}" in self._frequencies
            or (key, other) in table or (other, key) in table
            for other in neighbours
        )  # fmt: skip

    def _frequency(self, key: str) -> int:
        """How many services hold an index key (0 for lay words no service uses; stopwords count as everywhere)."""
        if key in STOPWORDS:
            return self._service_count + 1
        return self._frequencies.get(key, 0)


def _other_forms(word: str) -> list[str]:
    """Other forms of an inflected word, most likely first: "scammed" -> "scam", "abused" -> "abuse",
    "worried" -> "worry", "caring" -> "care", "evicted" -> "evict"."""
    forms: list[str] = []
    if len(word) > 5 and word.endswith("ied"):
        forms.append(word[:-3] + "y")
    if len(word) > 4 and word.endswith("ed"):
        base = word[:-2]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            forms.append(base[:-1])  # scammed -> scam
        forms += [word[:-1], base]  # abused -> abuse, evicted -> evict
    if len(word) > 5 and word.endswith("ing"):
        forms.append(word[:-3] + "e")  # caring -> care
    if len(word) > 6 and word.endswith(("cking", "cked")):
        forms.append(word[: word.rindex("k")])  # panicking, panicked -> panic
    if len(word) > 5 and word.endswith("ly"):
        forms.append(word[:-2])
    return forms


def _drop_strain_before_a_need(
    terms: Sequence[str], plain: Sequence[str], parsed: ParsedQuery, frequencies: Mapping[str, int]
) -> set[int]:
    """"Struggling to put food on the table" is about food, not low mood: a strain phrase (`STRAIN_PHRASES`) linked
    by "to"/"with"/"for" to another need a few words on means only that need; so does "struggling with the
    shopping", where the word right after the link (and an article) is one services use. Returns the strain
    phrases' positions, which then count as part of that need's phrase."""
    starts = {meaning.positions.start for meaning in parsed.meanings}

    def leads_to_a_need(meaning: Meaning) -> bool:
        link = meaning.positions.stop
        if meaning.positions.start < 0 or link >= len(plain) or plain[link] not in STRAIN_LINKS:
            return False
        if any(start in starts for start in range(link, link + 2 + STRAIN_REACH)):
            return True
        named = next((term for term in terms[link + 1 : link + 3] if term and term not in STOPWORDS), "")
        return named in frequencies and named not in STRAIN_VAGUE_OBJECTS

    strained = [
        meaning
        for meaning in parsed.meanings
        if tuple(terms[i] for i in meaning.positions) in STRAIN_PHRASES and leads_to_a_need(meaning)
    ]
    parsed.meanings = [meaning for meaning in parsed.meanings if meaning not in strained]
    return {position for meaning in strained for position in meaning.positions}


def _drop_cause_of_death(plain: Sequence[str], parsed: ParsedQuery) -> set[int]:
    """"My husband died of a heart attack" is a bereavement, not heart support: a condition a death was "of" or
    "from" (a word or two after a bereavement phrase) is how someone died, not a need. Returns its positions,
    which are not searched for."""
    causes: list[Meaning] = []
    for death in (meaning for meaning in parsed.meanings if "bereavement" in meaning.lay.categories):
        links = [i for i in range(death.positions.stop, death.positions.stop + 2) if i < len(plain)]
        link = next((i for i in links if plain[i] in ("of", "from")), None)
        if link is None:
            continue
        causes += [
            meaning
            for meaning in parsed.meanings
            if "bereavement" not in meaning.lay.categories and link < meaning.positions.start <= link + 2
        ]
    parsed.meanings = [meaning for meaning in parsed.meanings if meaning not in causes]
    return {position for meaning in causes for position in meaning.positions}


def _errand_asked(parsed: ParsedQuery, errands: set[int]) -> None:
    """A short message that names an everyday errand or look-up ("bus times to Norwich", "football scores", "weather
    this weekend") and no need beside the thing it is about asks for the errand, which no service answers: the
    errand word counts in full and as unanswered, however many services happen to mention it. With a need of its
    own beside it ("help paying for bus tickets to hospital", "gym membership on prescription", "this weather gets me
    down") it is read as usual."""
    if not errands:
        return
    # the errand and the words right before it that say what it is about ("gym membership", "leisure centre membership")
    about = errands | {position - back for position in errands for back in range(1, ERRAND_ABOUT_WORDS + 1)}
    if any(
        _names_a_need(parsed, word) if word.position in about else word.meanings or (
            word.keys and word.importance >= ERRAND_NEED_IMPORTANCE)
        for word in parsed.need_words
        if word.position not in errands
    ):
        return
    parsed.need_words = [
        NeedWord(word.position, (), ERRAND_IMPORTANCE) if word.position in errands else word
        for word in parsed.need_words
    ]


def _names_a_need(parsed: ParsedQuery, word: NeedWord) -> bool:
    """Whether a word an errand is about is a need in its own right ("cancer test results", "dementia bus times"):
    a lay meaning beyond the errand's own everyday domains (travel, exercise, getting online: "bus times", "gym
    membership")."""
    categories = {category for index in word.meanings for category in parsed.meanings[index].lay.categories}
    return bool(categories - ERRAND_DOMAINS)


def _another_verb(typed: Sequence[tuple[str, str]], position: int) -> bool:
    """Whether the word at `position` and the words after it make another verb (OTHER_VERBS: "fell out with")."""
    after = OTHER_VERBS.get(stem(typed[position][1]))
    return after is not None and tuple(word for _, word in typed[position + 1 : position + 1 + len(after)]) == after


def _figurative(typed: list[tuple[str, str]], first: int, subjects: frozenset[str]) -> bool:
    """Whether the few words before `first` name a figurative subject ("it") and no person who could do it."""
    before = {word for _, word in typed[max(0, first - FIGURATIVE_REACH) : first]}
    return bool(before & subjects) and not before & PERSON_SUBJECTS


def _says_a_mood(typed: Sequence[tuple[str, str]], position: int) -> bool:
    """Whether a mood particle ("down") at `position` says how someone feels: first in the message, after a word
    that says so ("feeling down", "he's really down", "fed up and down"), or after what brings it on ("it gets me
    down"); not as a direction or a phrasal verb ("go down the club", "have me down as", "cut down")."""
    before = [word for _, word in typed[max(0, position - 2) : position]]
    if not before:
        return True
    return before[-1] in MOOD_CUES or (before[-1] in ("me", "him", "her", "us") and before[0] in MOOD_CAUSES)


def _drop_scenery(plain: Sequence[str], parsed: ParsedQuery) -> set[int]:
    """In a story, a one-word lay phrase saying where something happens ("panic attacks on the bus", "I'm at
    college", "crying at my desk at work", "in class") is the scenery, not a need: it is not read as a meaning, and
    its word counts as an everyday word of the story. Returns its positions."""

    def where(start: int) -> bool:
        before = plain[max(0, start - 2) : start]
        return before[-1:] == ["at"] or (before[-1:] == ["in"] and plain[start] in SETTINGS_ONE_IS_IN) or (
            len(before) == 2 and before[0] in SETTING_PREPOSITIONS and before[1] in SETTING_DETERMINERS
        )

    scenery = [meaning for meaning in parsed.meanings if len(meaning.positions) == 1 and where(meaning.positions.start)]
    parsed.meanings = [meaning for meaning in parsed.meanings if meaning not in scenery]
    return {position for meaning in scenery for position in meaning.positions}


def _words_meaning_otherwise(
    terms: Sequence[str], meanings: Sequence[Meaning], frequencies: Mapping[str, int]
) -> set[int]:
    """Positions of words inside a longer lay phrase that on their own would mean another need: "smoking" in
    "smoking weed" (drugs, not stopping smoking), "walked" in "walked out" (a relationship, not walking groups).
    The phrase says what they mean, so they are not searched for on their own; words of a phrase services write
    themselves ("pension credit") still are."""
    table = phrase_table()
    covering: dict[int, set[LayMeaning]] = defaultdict(set)
    for meaning in meanings:
        for position in meaning.positions:
            covering[position].add(meaning.lay)
    otherwise: set[int] = set()
    for meaning in meanings:
        content = [terms[position] for position in meaning.positions if terms[position] not in STOPWORDS]
        if len(meaning.positions) < 2 or any(pair in frequencies for pair in word_pairs(content)):
            continue
        otherwise.update(
            position
            for position in meaning.positions
            if (terms[position],) in table and covering[position].isdisjoint(table[(terms[position],)])
        )
    return otherwise


def _neighbours(plain: list[str], position: int) -> tuple[str, ...]:
    """The stems of the words typed either side of `position` (the one before, then the one after)."""
    return tuple(stem(plain[i]) for i in (position - 1, position + 1) if 0 <= i < len(plain))


def _letters_dropped(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with some letters left out ("fod" for "food"), the commonest kind of typo."""
    letters = iter(word)
    return all(letter in letters for letter in typed)


def by_position(concept: Concept) -> int:
    """Sort key: where in the query a concept was typed."""
    return concept.position
