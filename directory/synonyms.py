"""Lay language: how people describe a need, mapped to what the directory calls it.

Also holds the word rules search uses on both queries and service text (normalising, light stemming,
stopwords), so a phrase here and a word in a service description are compared the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

_STOPWORD_TEXT = """a an the and or but of to for from in on at by with about into as is are am was be been being
    i im ive id me my mine myself we our us you your he she his her him they them their it its this that
    these those there here who whom what which where when how why do does did doing done can could would
    should will shall may might must need needs needed want wants wanted help helps helping please any
    some someone somebody something get getting got find finding look service services support after
    just really very also so too if then than have has had having like local near nearby up out off over down new
    now today asap immediately"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words that carry no need on their own ("I need help with my ..."); never matched as terms."""

_FILLER_TEXT = """
    hi hello hiya hey dear thanks thank cheers regards x xx ok okay yes yeah well weve youve theyve youre theyre pls plz
    were hes shes thats theres whats wheres its ill youll theyll wed youd theyd dont doesnt didnt isnt wasnt arent
    werent havent hasnt hadnt couldnt wouldnt shouldnt wont cant cannot anything everything nothing anyone everyone
    anybody thing things stuff bit lot lots going gonna wanna sort kind wondering wonder know think thought tell
    told said say says ask asked one two three four five six seven eight nine ten feel feeling feels felt
    honest honestly tbh whove whos whod wholl couldve wouldve shouldve mightve mustve thatll therell itll itd
"""
FILLER_WORDS = frozenset(_FILLER_TEXT.split())
"""Words of a message that say nothing about the need (greetings, contractions, numbers in words): not searched
for, and not counted when judging whether results answer the message. Lay phrases may still contain them
("can't pay my rent")."""

_PEOPLE_TEXT = """
    mum mam mom mummy mother dad daddy father parent parents nan nana nanny gran granny grandma grandmother grandad
    grandpa grandfather grandparents grandkids grandchildren grandson granddaughter husband hubby wife wifey partner
    boyfriend girlfriend ex son sons daughter daughters kids kid child children baby brother sister sibling aunt
    uncle nephew niece cousin friend friends mate mates neighbour neighbours family lad lass fella bloke missus
"""
PEOPLE_WORDS = frozenset(_PEOPLE_TEXT.split())
"""Words for who a message is about ("my nan", "my son") rather than what is needed: they still search (services
name the people they are for), but weigh little when judging whether results answer the message."""

URGENT_WORDS = frozenset({"today", "tonight", "urgent", "urgently", "asap", "immediately", "emergency"})
"""Words saying the person needs somewhere open right now: open services are ranked a little higher.
Some ("urgent", "tonight", "emergency") also count as search words, since services use them too."""
REQUEST_WORDS = frozenset({"need", "needs", "needed", "want", "help", "open", "please", "pls", "where", "can", "could",
                           "somewhere", "anywhere", "someone", "anyone"})  # fmt: skip
"""Words asking for something: a "now" closing a clause with one of them asks for help now ("I need food now")."""
_CLAUSE_END = re.compile(r"[.!?;,\n]+")
NOW_CLAUSE_WORDS = 3  # a clause this short ending in "now" asks for it now ("food bank now")
_SPANS = frozenset({"day", "days", "week", "weeks", "month", "months", "year", "years", "ages", "while"})


def is_urgent(text: str) -> bool:
    """Whether a message asks for help right now: an urgent word ("tonight", "asap"), "right now", or "now" closing
    a request ("I need food now", "open now"). A "now" telling a story ("now I've got no money", "everything is
    online now", "five months now") is not urgent."""
    for clause in _CLAUSE_END.split(text):
        said = normalise(clause).split()
        if not URGENT_WORDS.isdisjoint(said):
            return True
        for position, word in enumerate(said):
            if word != "now":
                continue
            closing = position == len(said) - 1 or said[position + 1 :] in (["please"], ["pls"])
            before = said[:position]
            if before[-1:] == ["right"]:
                return True
            if closing and not _SPANS.intersection(before[-1:]) and (
                len(said) <= NOW_CLAUSE_WORDS or REQUEST_WORDS.intersection(before)
            ):
                return True
    return False


_SMALL_HOURS = re.compile(
    r"\b(?:(1[0-2]|0?\d)(?:[:.][0-5]\d)? ?am|(0?\d) (?:oclock )?in the morning)\b"
    r"|\b(midnight|its the middle of the night)\b"  # a story's "woke in the middle of the night" is not now
)
NIGHT_DISTRESS = frozenset({"loneliness", "mental_wellbeing"})  # needs that cannot wait until morning
# thoughts of suicide beside other needs ("I never see anyone and want to end it all"): the services for them, which
# say "suicidal", take the first CRISIS_FIRST_RESULTS places before the other needs share the page
CRISIS_MEANING = "suicidal thoughts"
CRISIS_TERM = "suicidal"
CRISIS_FIRST_RESULTS = 2
LATEST_NIGHT_HOUR = 5  # "3am" to "5am" are the small hours; "6am" is morning
MIDDLE_OF_THE_NIGHT = 3
_TOLD_BEFORE_THE_HOUR = re.compile(
    r"\b(?:went|woke|came|found|brought|rang|called|until|till|got home|got back|got in)\b"
)
_TOLD_AFTER_THE_HOUR = re.compile(
    r"\b(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\byesterday\b|\blast night\b|\bevery\b|\bmost nights\b"
)
STORY_REACH = 25  # characters before a clock time, in its clause, that may tell a story ("went out at 3am")
_CLAUSE_BREAK = re.compile(r"[.!?;,]")


def night_hour(text: str) -> int | None:
    """The hour of the small hours a message is written in ("it's 3am", "2 in the morning", "the middle of the
    night"): 0-5, or None. Someone writing then needs a service open then, not one that opens at nine. A time in a
    story ("he went out at 3am on Tuesday", "I woke at 4am") says nothing about now."""
    lowered = text.lower().replace("’", "").replace("'", "")
    for match in _SMALL_HOURS.finditer(lowered):
        clock, morning, said = match.groups()
        before = _CLAUSE_BREAK.split(lowered[max(0, match.start() - STORY_REACH) : match.start()])[-1]
        if _TOLD_BEFORE_THE_HOUR.search(before) or _TOLD_AFTER_THE_HOUR.match(lowered[match.end() :].lstrip()):
            continue  # a time in a story ("he went out at 3am on Tuesday") is not when the message is written
        if said:
            return 0 if said == "midnight" else MIDDLE_OF_THE_NIGHT
        hour = int(clock or morning) % 12
        if hour <= LATEST_NIGHT_HOUR:
            return hour
    return None


SELF_REFERRAL_PHRASES = (
    "self refer", "self referral", "selfrefer", "refer myself", "contact them myself", "go myself", "drop in",
    "dropin", "walk in", "walkin", "without a referral", "without referral", "no referral", "directly",
)  # fmt: skip
"""Phrases saying the person wants to contact a service themselves: those services are ranked a little higher."""


def asks_for_self_referral(text: str) -> bool:
    """Whether the text contains one of SELF_REFERRAL_PHRASES."""
    padded = f" {normalise(text)} "
    return any(f" {phrase} " in padded for phrase in SELF_REFERRAL_PHRASES)


_HARMING_SUBJECTS = ("i", "i keep", "i have", "ive", "i do", "i sometimes", "i often", "i always", "i start")
_HARMING_VERBS = ("hit", "hurt", "hurting", "hitting", "shove", "shoved", "push", "pushed", "slap", "slapped",
                  "threaten", "threatened", "scare", "frighten", "control", "lash out at", "shout at", "scream at",
                  "lose my temper with", "lost my temper with", "get violent with", "got violent with",
                  "lose it with", "losing it with", "lost it with", "loosing it with")  # fmt: skip
_HARMED = ("my partner", "my wife", "my husband", "my girlfriend", "my boyfriend", "my kids", "my children",
           "my family", "my missus", "the missus", "the wife", "my other half", "her", "him", "them",
           "people")  # fmt: skip
HARMING_OTHERS_PHRASES = (
    *(f"{who} {verb} {whom}" for who in _HARMING_SUBJECTS for verb in _HARMING_VERBS for whom in _HARMED),
    "i lash out", "i get violent", "i get aggressive", "i can be violent", "i can be abusive", "im abusive",
    "i am abusive", "ive been abusive", "i was abusive", "im violent", "i am violent", "my anger", "my temper",
    "my violence", "my aggression", "my abusive behaviour", "my behaviour towards", "i need anger management",
    "i want anger management", "anger management for me", "i need help with my anger",
    "losing my temper", "lose my temper", "lost my temper", "stop hurting", "stop hitting", "stop being abusive",
    "change my behaviour",
)  # fmt: skip
"""A message about harm the writer causes, in the first person ("I lose my temper with my wife", "my anger"). Only
then may a line for people who harm rank high: "my partner is abusive" and "he keeps losing his temper" are from
the person harmed, whose help is domestic abuse support (hazard H9)."""


@dataclass(frozen=True)
class PhraseSet:
    """Phrases of normalised words, found in a message by set lookups: from each word that starts a phrase, each run
    of a phrase's length is looked up (thousands of phrases cost no more than a few)."""

    phrases: frozenset[tuple[str, ...]]
    lengths: tuple[int, ...]
    first_words: frozenset[str]

    @classmethod
    def of(cls, phrases: Sequence[str]) -> PhraseSet:
        split = frozenset(tuple(phrase.split()) for phrase in phrases)
        return cls(split, tuple(sorted({len(phrase) for phrase in split})), frozenset(p[0] for p in split))

    def spans(self, words: Sequence[str]) -> Iterator[range]:
        """The positions of each phrase found in `words` (overlapping ones too)."""
        for start, word in enumerate(words):
            if word in self.first_words:
                for length in self.lengths:
                    if start + length > len(words):  # a shorter run at the end is not a phrase of this length
                        break
                    if tuple(words[start : start + length]) in self.phrases:
                        yield range(start, start + length)


_HARMING_OTHERS = PhraseSet.of(HARMING_OTHERS_PHRASES)


def speaks_of_harming_others(words: Sequence[str]) -> bool:
    """Whether the normalised words hold one of HARMING_OTHERS_PHRASES (read with their small words, unlike lay
    phrases)."""
    return next(_HARMING_OTHERS.spans(words), None) is not None


_PERSON_VERBS = ("talk to", "speak to", "speak with", "talk with")
_PERSON_WHOM = (
    "a person", "a real person", "an actual person", "a human", "a human being", "a real human", "someone real",
    "an adviser", "an advisor", "a link worker", "a social prescriber", "staff", "somebody real", "someone",
    "somebody", "anyone", "a member of staff",
)  # fmt: skip
PERSON_PHRASES = (
    *(f"{verb} {whom}" for verb in _PERSON_VERBS for whom in _PERSON_WHOM),
    "real person", "actual person", "human being", "not a bot", "not a robot", "call me back", "ring me back",
    "phone me back", "someone call me", "someone ring me", "someone phone me",
)  # fmt: skip
"""Phrases asking for a person rather than a list of services ("can I speak to someone")."""
_PERSON_WORDS = tuple(tuple(phrase.split()) for phrase in PERSON_PHRASES)
_NOT_A_PERSON_REQUEST = ("someone to talk to", "somebody to talk to", "no one to talk to", "nobody to talk to",
                         "anyone to talk to", "talk to someone about how i feel")  # fmt: skip


_PERSON_SET = PhraseSet.of(PERSON_PHRASES)
_PERSON_ORDER = {phrase: order for order, phrase in enumerate(_PERSON_WORDS)}


def person_request(words: Sequence[str]) -> range | None:
    """Where a message's normalised words ask to talk to a person, or None: the longest phrase found (of equal
    ones, the first in PERSON_PHRASES, at its first place).

    "Someone to talk to" is loneliness, not a request for staff, so it does not count.
    """
    padded = f" {' '.join(words)} "
    if any(f" {phrase} " in padded for phrase in _NOT_A_PERSON_REQUEST):
        return None
    spans = list(_PERSON_SET.spans(words))
    if not spans:
        return None
    return min(spans, key=lambda span: (-len(span), _PERSON_ORDER[tuple(words[span.start : span.stop])], span.start))


STRAIN_PHRASES = frozenset({("struggl",), ("struggle",), ("cant", "cope"), ("cannot", "cope")})
"""Lay phrases saying how hard things are: followed by "to", "with" or "for" and another need ("struggling to put
food on the table", "struggling with the bills") they are about that need, not low mood."""
STRAIN_LINKS = frozenset({"to", "with", "for"})
STRAIN_REACH = 4  # words between the link and the need it leads to
STRAIN_VAGUE_OBJECTS = frozenset({"life", "thing", "everyth", "anyth", "noth", "day", "stuff", "lot", "feel", "mind",
                                  "head"})  # fmt: skip
"""What follows "struggling with" when the strain itself is the need ("struggling with life", "with things")."""


SITUATION_PHRASES = (
    "i work", "we work", "he works", "she works", "work full time", "work part time", "working full time",
    "working part time", "works full time", "works part time", "works long hours", "works shifts", "works nights",
    "work nights", "work shifts", "end of the month", "end of the week", "end of the year",
    "gone to bed", "go to bed", "went to bed", "i live in",
    "we live in", "he lives in", "she lives in", "they live in", "i live near", "we live near", "is worried about me",
    "are worried about me", "worries about me", "still got my job", "still got a job", "still have my job",
    "still have a job", "still working", "still in work", "still at work", "still employed", "gone back to work",
    "went back to work", "been offered a job", "offered a job", "got a new job", "started a new job", "i work in",
    "i work at", "i work as", "he works in", "he works at", "she works in", "she works at", "for my partners job",
    "for my husbands job", "for my wifes job", "for his job", "for her job", "for their job", "moved for work",
    "moved here for work", "moved for his work", "moved for her work", "up to my eyes", "up to my eyeballs",
    "up to my neck", "up to our eyes", "up to our eyeballs", "up to our necks", "up to his eyes", "up to her eyes",
)  # fmt: skip
"""Phrases about the person's day rather than a need ("I work nights at the hospital", "after I've gone to bed", "the
wife is worried about me", "I've still got my job", "we moved here for my partner's job") or how much ("in debt up to
my eyes"): not searched for, and not counted when judging whether results answer the message."""
_SITUATION_WORDS = PhraseSet.of(SITUATION_PHRASES)


TIME_SPANS = frozenset({"day", "days", "night", "nights", "week", "weeks", "fortnight", "month", "months", "year",
                        "years", "summer", "winter", "spring", "autumn"})  # fmt: skip
TIME_MODIFIERS = frozenset({"last", "this", "next", "past", "few", "couple", "several", "two", "three", "four", "five",
                            "six", "seven", "eight", "nine", "ten"})  # fmt: skip
"""A span after one of these ("last month", "a few weeks", "two years") says when something happened, not a need."""
MONEY_UNITS = frozenset({"quid", "pounds", "pound", "grand", "pence", "p", "k", "hundred", "thousand"})
AMOUNT_WORDS = TIME_MODIFIERS | {"a", "hundred", "thousand", "odd", "extra", "twenty", "thirty", "forty", "fifty",
                                  "sixty", "seventy", "eighty", "ninety"}  # fmt: skip
"""An amount ("a couple hundred quid", "£40", "two grand") says how much, not what is needed."""
HOME_SIZE_NUMBERS = frozenset({"one", "two", "three", "four", "five"})
HOME_SIZE_WORDS = frozenset({"bed", "beds", "bedroom", "bedroomed", "bedded"})
DWELLING_WORDS = frozenset({"flat", "house", "home", "bungalow", "maisonette", "property", "place", "semi", "terrace"})
HOME_SIZE_FOLLOWERS = frozenset({"in", "off", "with", "above", "near"})  # "we rent a two bed in Mile Cross"
"""A home's size before the home ("a two bed flat", "a 3 bedroom house") says where someone lives, not that they
need a bed; the dwelling word after it carries the housing meaning, and "a two bed in Mile Cross" or "off a
private landlord" says the same. Otherwise ("looking for a 2 bed") the words are left to search."""

MEDICINE_CUES = frozenset({"my", "his", "her", "their", "your", "on", "tried", "taking", "take", "takes",
                           "sleeping", "pain", "stronger", "the"})  # fmt: skip
"""Words before "tablets" that make them medicine ("tried tablets", "his tablets", "on tablets"), not tablet
computers; "tablets from the doctor" is medicine too. "Lend tablets to older people" stays digital, and "gave me
tablets" is left to its low-mood phrase."""

MESSAGE_CHANNELS = frozenset({"whatsapp", "facebook", "messenger", "instagram", "snapchat", "tiktok", "email",
                              "emails", "text", "texts"})  # fmt: skip
GAMBLING_GAMES = frozenset({"slots", "bingo", "poker", "casino", "casinos", "betting", "bets", "gambling", "roulette"})
""""Online slots", "online bingo": where the gambling happens, not a need for help getting online."""
CHANNEL_PREPOSITIONS = frozenset({"on", "by", "via", "over"})
USING_A_CHANNEL = frozenset({"get", "getting", "go", "going", "use", "using", "learn", "set", "help", "started"})
"""How something was sent ("I've sent him photos on WhatsApp", "he messages me on Facebook") is a story's channel,
not a need for help with the app; "get on WhatsApp", "help using Facebook" still ask for digital help. The phone is
left out: "someone to chat to on the phone" says how a person wants to be helped."""


ERRAND_WORDS = frozenset({"timetable", "timetables", "fixtures", "fixture", "score", "scores", "tickets",
                          "ticket", "forecast", "weather", "recipe", "recipes", "membership", "subscription",
                          "listings"})  # fmt: skip
"""Everyday errands and look-ups ("football scores", "weather for the weekend", "cancel my gym membership"): in a short
message they are what is asked for, and no service answers them, however many services mention the word. Not
"results": far more often a test's ("dementia results", "waiting on my scan results") than a match's."""
ERRAND_HELP = frozenset({"help", "support", "afford", "pay", "paying", "cost", "costs", "fare", "fares", "free",
                         "struggling", "struggle"})  # fmt: skip
"""Words saying a person needs help with the errand or cannot pay for it ("help paying for bus tickets to hospital"):
then it is a need like any other."""
TIMETABLE_OF = frozenset({"bus", "buses", "train", "trains", "coach", "ferry", "flight", "flights", "tube"})
"""'times' after one of these is a timetable ("bus times to Norwich"), not 'three times a week' or 'opening times'."""


def errand_positions(words: Sequence[str]) -> set[int]:
    """Positions of a message's normalised words that name an everyday errand or look-up (ERRAND_WORDS, and "times"
    after a means of travel, with that word: "train times"); none when the message asks for help with it or with
    paying for it (ERRAND_HELP)."""
    if ERRAND_HELP.intersection(words):
        return set()
    found = set()
    for position, word in enumerate(words):
        if word in ERRAND_WORDS:
            found.add(position)
        elif word == "times" and position and words[position - 1] in TIMETABLE_OF:
            found.update((position - 1, position))
    return found


_CLOCK_TIME = re.compile(r"\d{1,2}(?:am|pm)|midnight")


HOSPITAL_NAMES = ("norfolk and norwich", "n and n", "n n", "nnuh", "jpuh", "james paget", "paget", "qeh",
                  "queen elizabeth")
"""Local hospitals as people name them: "the Norfolk and Norwich" is a hospital in Norwich, not the town (a lift to
it is needed from wherever the person lives), and "the N&N" (read "n n") is no pair of garbled letters."""
_HOSPITAL_WORDS = tuple(tuple(name.split()) for name in HOSPITAL_NAMES)


_HOSPITAL_SET = PhraseSet.of(HOSPITAL_NAMES)
_HOSPITAL_ORDER = {name: order for order, name in enumerate(sorted(_HOSPITAL_WORDS, key=len, reverse=True))}


def hospital_spans(words: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last + 1) of each hospital named in the normalised words, longest name first, not overlapping."""
    found = sorted(_HOSPITAL_SET.spans(words),
                   key=lambda span: (_HOSPITAL_ORDER[tuple(words[span.start : span.stop])], span.start))  # fmt: skip
    spans: list[tuple[int, int]] = []
    taken: set[int] = set()
    for span in found:
        if taken.isdisjoint(span):
            spans.append((span.start, span.stop))
            taken.update(span)
    return sorted(spans)


STOPPING_WORDS = frozenset({"stop", "quit"})
CANT_STOP_CUES = frozenset({"cant", "cannot", "couldnt", "wont", "to", "never"})
"""Before a bare "stop" ("drinking every night and can't stop", "I want to quit"): the stopping is of the need named
before it, not a need of its own (stop smoking, a gambling helpline's "stop")."""


def _sent_by_channel(words: Sequence[str], position: int) -> bool:
    """Whether the medium at `position` is how something was sent ("photos on WhatsApp", "by email")."""
    before = position - 1 - (words[position - 1] == "the")
    if before < 0 or words[before] not in CHANNEL_PREPOSITIONS:
        return False
    return before == 0 or words[before - 1] not in USING_A_CHANNEL


def _says_how_not_what(words: Sequence[str], position: int, before: str, after: str) -> bool:
    """Whether the word at `position` (between `before` and `after`) tells how something happened, not what is
    needed: the channel a message was sent by ("on WhatsApp") or medicine ("tried tablets from the doctor")."""
    word = words[position]
    if word in MESSAGE_CHANNELS:
        return _sent_by_channel(words, position)
    return word == "tablets" and before != "me" and (before in MEDICINE_CUES or after == "from")


def situation_positions(words: Sequence[str]) -> set[int]:
    """Positions of a message's normalised words inside one of SITUATION_PHRASES, saying when something happened
    ("last month", "three years ago", "it's 3am"), how much money ("a couple hundred quid"), the size of a home
    ("a two bed flat") or how rather than what ("on WhatsApp", "online slots", "his tablets"), and of a bare
    "can't stop" that refers back to the need before it."""
    found: set[int] = set()
    for position, word in enumerate(words[1:], start=1):
        if word in STOPPING_WORDS and words[position - 1] in CANT_STOP_CUES:
            after = words[position + 1] if position + 1 < len(words) else None
            if after is None or stem(after) in STOPWORDS:
                found.add(position)
    for span in _SITUATION_WORDS.spans(words):
        found.update(span)
    found.update(position for position, word in enumerate(words) if _CLOCK_TIME.fullmatch(word))
    for position, word in enumerate(words[1:], start=1):
        before = words[position - 1]
        clock = word in ("am", "pm", "oclock") and before.isdigit()
        when = clock or word == "ago" or (word in TIME_SPANS and (before in TIME_MODIFIERS or before.isdigit()))
        after = words[position + 1] if position + 1 < len(words) else ""
        home_size = word in HOME_SIZE_WORDS and (before in HOME_SIZE_NUMBERS or before.isdigit())
        if when or (home_size and (after in DWELLING_WORDS or after in HOME_SIZE_FOLLOWERS)):
            found.update((position - 1, position))
        elif before == "online" and word in GAMBLING_GAMES:
            found.add(position - 1)
        elif _says_how_not_what(words, position, before, after):
            found.add(position)
        elif word in MONEY_UNITS and (before in AMOUNT_WORDS or before.isdigit()):
            found.update(range(position - 1 - (position > 1 and words[position - 2] in AMOUNT_WORDS), position + 1))
    return found


NEGATION_CUES = (
    "without", "doesnt need", "dont need", "doesnt require", "dont require", "no need for", "not need", "dont want",
    "doesnt want", "rather not", "instead of", "other than", "apart from", "except", "not a", "not an", "isnt a",
    "not looking for", "not interested in", "that isnt", "which isnt", "not the", "dont do", "doesnt do",
    "not keen on", "not into", "not really into",
)  # fmt: skip
"""Words after which what follows is what the person does NOT want ("a food bank that doesn't need a voucher").
"No" and "not" alone are not cues: "no money", "no heating" and "not coping" say what the person needs. Nor are a
complaint ("can't be doing with computers but everything's online now" asks for help with them) or a temperament
("never been one for talking about feelings" still wants company): "we don't do computers" refuses them."""
NEGATION_REACH = 3  # content words a cue applies to
NEGATION_STOPS = frozenset({"and", "but", "or", "also", "because", "so", "as", "i", "im", "ive", "we", "need", "want"})
"""Words that end what a cue applies to: a new clause ("I don't want a food bank, I need help with the bills")."""
NEGATION_ARTICLES = frozenset({"a", "an", "any", "some", "more", "another"})  # "I don't want more tablets"
_NEGATION_WORDS = tuple(tuple(cue.split()) for cue in NEGATION_CUES)
DESCRIBED_BEFORE_NOT = frozenset({
    ("im",), ("i", "am"), ("hes",), ("he", "is"), ("shes",), ("she", "is"), ("theyre",), ("they", "are"),
    ("youre",), ("you", "are"),
})  # fmt: skip
"""Who comes before "not a" / "not the" when it describes a person rather than refusing a service: "I'm not the one
with the problem" says who someone is, not what the person does not want."""
DESCRIBED_BEFORE_ISNT = DESCRIBED_BEFORE_NOT | {("he",), ("she",)}  # "he isn't a drinker"


def negated_positions(words: Sequence[str], protected: set[int]) -> tuple[set[int], set[int]]:
    """Positions of the words a negation cue applies to (up to NEGATION_REACH content words after it, stopping at
    "and", "but" or "I"), and apart from them the words of a person described by what they are not.

    Words inside a lay phrase (`protected`) are negated only when the phrase is what the cue names, straight after
    it or after "a"/"any" ("I don't want a food bank", "I don't need counselling"); otherwise the phrase still says
    what is needed ("I don't want to be on my own"). "I'm not the one with the problem" does not sink services
    that name a problem: its words are the second set, which says neither what is needed nor what is not. A cue
    that is itself the start of a lay phrase ("I don't want to wake up", "without speaking to a soul") negates
    nothing."""
    negated: set[int] = set()
    described: set[int] = set()
    for cue in _NEGATION_WORDS:
        for start in range(len(words) - len(cue) + 1):
            if tuple(words[start : start + len(cue)]) != cue or start in protected:
                continue  # a cue inside a lay phrase is part of what it says ("don't want to wake up")
            refused = negated
            if _describes_a_person(words, start, cue):
                refused = described
                described.update(range(start, start + len(cue)))  # "not" here is no need word either
            after, reached, named = start + len(cue), 0, False
            for position in range(after, len(words)):
                if words[position] in NEGATION_STOPS or reached == NEGATION_REACH:
                    break
                if position in protected:
                    named = named or all(word in NEGATION_ARTICLES for word in words[after:position])
                    if not named:
                        break
                if stem(words[position]) not in STOPWORDS:
                    refused.add(position)
                    reached += 1
    return negated, described - negated


def _describes_a_person(words: Sequence[str], start: int, cue: tuple[str, ...]) -> bool:
    """Whether the cue at `start` ("not a", "isn't a", "not the") follows a person it describes ("I'm", "he")."""
    if cue[-1] not in ("a", "an", "the"):
        return False
    people = {"not": DESCRIBED_BEFORE_NOT, "isnt": DESCRIBED_BEFORE_ISNT}.get(cue[0], frozenset())
    return any(tuple(words[max(0, start - len(who)) : start]) == who for who in people)


@dataclass(frozen=True)
class LayMeaning:
    """What a group of lay phrases means in directory terms."""

    meaning: str  # plain words for the "why" line: '"skint" means money worries'
    categories: tuple[str, ...]  # taxonomy ids services in this need area carry
    terms: tuple[str, ...]  # words or short phrases services use for it
    phrases: tuple[str, ...]  # what people say or type
    names_organisation: bool = False  # the phrases name one organisation ("CAB"), not a kind of need


def _m(meaning: str, categories: str, terms: str, phrases: str, names_organisation: bool = False) -> LayMeaning:
    """Compact constructor: space-separated categories, `|`-separated terms and phrases."""
    return LayMeaning(
        meaning, tuple(categories.split()), tuple(terms.split("|")), tuple(phrases.split("|")), names_organisation
    )


LAY_MEANINGS: tuple[LayMeaning, ...] = (
    # money, debt and benefits
    _m("money worries", "money", "money|debt|benefit|advice",
       "skint|broke|brassic|hard up|no money|short of money|money worries|money problems|struggling financially|"
       "cant afford|cannot afford|cant make ends meet|make ends meet|poverty|low income|tight for money|cost of living|"
       "budgeting|budget|finances|financial help|money advice|money help|with money|for money|about money|"
       "put food on the table|food on the table|cupboards are bare|bare cupboards|nothing in the cupboards|"
       "empty cupboards|cupboards are empty|cant feed the kids|cant feed my kids|cant afford food|cant afford to eat|"
       "skipping meals"),
    # borrowing without a loan shark: a credit union or an interest-free loan, not debt advice
    _m("an affordable loan", "money", "loan|borrow|credit union",
       "borrow|borrow money|need a loan|cheap loan|affordable loan|low interest loan|credit union|emergency loan|"
       "interest free loan|sub me|tide me over"),
    _m("debt", "money", "debt|debt advice|money",
       "debt|debts|in debt|owe money|arrears|bailiffs|bailiff|enforcement agent|ccj|county court|loan shark|"
       "payday loan|credit card|cant pay my bills|bills piling up|red letters|final demand|council tax arrears|"
       "bankrupt|bankruptcy|iva|debt relief"),
    _m("money for housing costs", "money housing", "rent arrears|housing benefit|rent",
       "cant pay my rent|cant pay rent|behind on rent|behind with rent|rent arrears|mortgage arrears|"
       "behind on my mortgage|cant pay mortgage"),
    _m("benefits advice", "money", "benefit|benefits check|claim",
       "benefits|benefit|benefits check|benefit check|entitled|entitlement|claim benefits|dwp|sanction|sanctioned|"
       "housing benefit|council tax reduction|esa|jsa|tax credits|benefit advice"),
    _m("Universal Credit (a benefit)", "money", "universal credit|benefit",
       "uc|universal credit|universal credit claim|uc claim|uc journal"),
    _m("help with disability benefit forms such as PIP", "money disability", "pip|pip form|benefit|appeal",
       "pip|pip form|pip forms|personal independence payment|pip assessment|pip appeal|dla|"
       "disability living allowance|work capability assessment|mandatory reconsideration|benefit appeal|"
       "tribunal|appeal"),
    _m("Attendance Allowance (a benefit for older people with care needs)", "money older_people",
       "attendance allowance|benefits check",
       "attendance allowance|aa form|attendance allowance form|care money|money for her care|money for his care|"
       "money for care|money for care needs"),
    _m("Pension Credit (extra money for people on a low pension)", "money older_people",
       "pension credit|benefits check", "pension credit|pension top up|low pension"),
    _m("help filling in forms", "money", "form|help with forms|paperwork",
       "forms|form filling|filling in forms|fill in a form|paperwork|letters i dont understand|official letters"),
    _m("Citizens Advice", "money", "citizens advice",
       "cab|citizens advice|citizens advise|citizen advice|citizens advice bureau|citizens advise bureau|"
       "citizen advise|citizens advice norfolk", names_organisation=True),
    _m("grants and emergency funds", "money food_fuel", "grant|hardship fund|emergency money",
       "grant|grants|hardship fund|crisis loan|emergency money|household support fund|charity grant|"
       "white goods|new cooker|fridge broke|washing machine|furniture|beds"),
    # housing
    _m("housing help", "housing", "housing|homeless|accommodation|tenancy",
       "housing|homeless|homelessness|nowhere to live|nowhere to stay|sleeping rough|rough sleeping|"
       "sofa surfing|somewhere to live|temporary accommodation|council house|housing list|"
       "housing association|landlord|tenant|tenancy|accommodation"),
    _m("facing eviction", "housing", "eviction|section 21|homeless|landlord",
       "kicked out|thrown out|evicted|eviction|eviction notice|section 21|being evicted|losing my home|"
       "lose my home|notice to quit|landlord wants me out"),
    _m("problems with damp, mould or repairs at home", "housing home_safety", "damp|mould|repair",
       "mould|mold|damp|black mould|condensation|repairs|disrepair|landlord wont fix|leaking roof|leak"),
    _m("heating and energy bills", "food_fuel", "energy|fuel|heating|warm",
       "heating|no heating|cold home|cold house|freezing|gas bill|electric bill|electricity bill|energy bill|"
       "energy bills|fuel poverty|fuel bills|prepayment meter|meter top up|cant afford heating|boiler broken|"
       "broken boiler|insulation|warm home|warm space|warm spaces|energy advice|gas|electric"),
    # food
    _m("food support", "food_fuel", "food|foodbank|food bank|meal|pantry",
       "food bank|foodbank|food parcel|food parcels|no food|hungry|cant afford food|food voucher|"
       "food vouchers|community fridge|community larder|food pantry|pantry|free meals|hot meal|meals|"
       "nothing to eat|food shop|food"),
    # loneliness
    _m("loneliness and isolation", "loneliness", "befriending|social|friendship|lonely|company",
       "lonely|loneliness|isolated|isolation|on my own|all alone|alone|no friends|no one to talk to|"
       "nobody to talk to|no family|dont see anyone|housebound|stuck indoors|meet people|make friends|"
       "social group|someone to talk to|befriending|befriender|chat|friendship|social club|coffee morning|"
       "bored|nothing to do"),
    # carers
    _m("support for carers", "carers", "carer|respite|break",
       "carer|carers|unpaid carer|caring for|looking after my mum|looking after my dad|looking after my husband|"
       "looking after my wife|looking after mum|looking after dad|looking after someone|look after my|"
       "looking after|young carer|respite|carers break|carer break|sitting service|carers allowance|"
       "caring responsibilities|cares for"),
    # mental wellbeing
    _m("low mood or mental health", "mental_wellbeing", "wellbeing|mental health|counselling|low mood|talking",
       "depressed|depression|feeling low|low mood|feeling down|sad|fed up|cant cope|not coping|struggling|"
       "stressed|stress|overwhelmed|burnt out|mental health|mh|mental health problems|counselling|"
       "talking therapy|talking therapies|therapy|therapist|wellbeing|well being|self esteem|"
       "confidence|emotional support|unhappy|miserable|crying"),
    # men who would not "see someone" may join other men who talk (a peer group)
    _m("a group where men talk", "mental_wellbeing loneliness", "men|talk|peer support|mens mental health",
       "blokes can just talk|blokes can talk|group for blokes|group for men|men can talk|talk to other men|"
       "talk to other blokes|mens group|mens mental health|lads can talk|group for lads"),
    # someone who wants to stop their own anger or abuse towards a partner, not someone harmed by it: only phrases
    # in the first person ("my temper"), since stopwords drop out of phrases ("he keeps losing his temper" must
    # lead to help for the person harmed, never to a line for people who harm)
    _m("changing angry or abusive behaviour", "domestic_abuse", "anger|abusive behaviour|want to change",
       "anger management|my anger|my temper|hit my wife|hit my partner|hit my girlfriend|hit my husband|"
       "hit my boyfriend|hitting my wife|hitting my partner|hurt my partner|hurting my partner"),
    _m("anxiety or worry", "mental_wellbeing", "anxiety|wellbeing|worry",
       "anxious|anxiety|anxiety attacks|panic attacks|panic|worried|worry|nervous|phobia|scared to go out|"
       "agoraphobia|ocd"),
    _m("sleep problems", "mental_wellbeing", "sleep|wellbeing", "cant sleep|insomnia|sleep problems|not sleeping"),
    # Clients who write like this get the crisis reply first (casework.crisis); this is for staff searching from a
    # case ("client says he will kill himself") and for "I'm safe, carry on": the suicide-support services.
    _m("suicidal thoughts", "mental_wellbeing", "suicidal|helpline|struggling",
       "suicidal|suicidal thoughts|kill himself|kill herself|kill myself|kill themselves|end his life|"
       "end her life|end my life|take his own life|take her own life|wants to die|want to die|self harm|"
       "selfharm|self harming|harming himself|harming herself|cutting himself|cutting herself|"
       "better off without me|better off without him|better off without her|cant do this anymore|"
       "cant do this any more|dont want to be here anymore|dont want to be here any more|no point living|"
       "no point in living|no reason to live|nothing to live for|end it all|want it all to end|"
       "dont want to wake up|not want to wake up|ending it|ending it all|end it|feel like ending it|"
       "thinking of ending it|thinking about ending it|end things|ending things|end everything|ending everything|"
       "cant go on|cant go on anymore|harming myself|cutting myself|do something daft|do something stupid"),
    # physical activity
    _m("getting active", "physical_activity", "exercise|activity|walking|fitness|active",
       "exercise|get fit|fitness|keep fit|gym|walking|walks|walking group|swim|swimming|yoga|tai chi|"
       "chair exercise|chair based exercise|dance|dancing|sport|football|cycling|bike|get moving|more active|"
       "stay active|active"),
    _m("healthy weight and eating", "physical_activity long_term_conditions", "weight|healthy eating",
       "lose weight|weight loss|overweight|obese|healthy eating|diet|slimming"),
    _m("gardening and outdoors", "physical_activity mental_wellbeing", "gardening|outdoors|nature|green",
       "gardening|garden|allotment|outdoors|nature|green space|growing|fresh air"),
    # older people
    _m("support for older people", "older_people", "older|later life|age",
       "elderly|old age|older person|older people|pensioner|pensioners|oap|retired|over 60s|over 65s|senior|"
       "seniors|getting older|old people|later life|age uk|lunch club|day centre|day center|old"),
    _m("memory problems or dementia", "older_people long_term_conditions", "dementia|memory",
       "dementia|alzheimers|alzheimer|memory problems|memory loss|forgetful|forgetting things|memory cafe|"
       "confused|confusion"),
    # disability
    _m("disability support", "disability", "disability|disabled|accessible",
       "disabled|disability|disabilities|wheelchair|wheelchair user|learning disability|learning disabilities|ld|"
       "autism|autistic|asd|adhd|mobility problems|blue badge|sensory impairment"),
    # losing sight or hearing are needs of their own, with services of their own, not disability in general
    _m("sight loss", "disability", "sight loss|blind|partially sighted|low vision",
       "blind|sight loss|visually impaired|partially sighted"),
    _m("hearing loss", "disability", "deaf|hard of hearing|hearing loss",
       "deaf|hard of hearing|hearing loss"),
    _m("equipment and mobility aids", "home_safety disability", "equipment|aids|adaptations|mobility",
       "walking frame|zimmer frame|zimmer|walking stick|walking aid|mobility aids|mobility scooter|scooter|"
       "grab rails|handrails|stair lift|stairlift|commode|bath lift|hoist|equipment|aids and adaptations|"
       "adaptations|occupational therapy|ot|ot assessment|wheelchair loan"),
    # home safety
    _m("falls and staying steady", "home_safety physical_activity", "falls|balance|strength|steady|walking frame",
       "fell over|fall|falls|had a fall|falling|keep falling|fallen|unsteady|balance|wobbly|fear of falling|"
       "trip hazard"),
    _m("safety at home", "home_safety", "safety|alarm|fire",
       "fire safety|smoke alarm|smoke alarms|fire check|home safety check|safe and well|"
       "burglary|security|lifeline|personal alarm|pendant alarm|careline|telecare|safe at home"),
    # scams are their own need, not fire safety: no category, so only services that deal with scams rise
    _m("scams and fraud", "", "scam|fraud|rogue trader|cold caller|call blocker|doorstep", "scam|scams|doorstep crime"),
    _m("settling back home after hospital", "home_safety older_people",
       "hospital discharge|home from hospital|settling in",
       "home from hospital|coming out of hospital|discharge|discharged|after hospital|leaving hospital|"
       "back home|settling in at home|coming home"),
    # an older person's money taken by family or a carer: abuse of an older person, with a helpline of its own
    _m("an older person's money being taken (financial abuse)", "older_people domestic_abuse",
       "financial abuse|elder abuse|family taking money",
       "elder abuse|into her bank account|into his bank account|her savings are gone|his savings are gone|"
       "savings are nearly gone|savings have gone|taking her money|taking his money|taking her pension|"
       "taking his pension|using her bank card|using his bank card|took her savings|taken her savings|"
       "emptied her account|emptied his account|helping himself to her money|helping herself to his money"),
    _m("an older person harmed or neglected (elder abuse)", "older_people domestic_abuse", "elder abuse|neglect|older",
       "|".join(f"{harm} my {elder}" for harm in ("taking advantage of", "takes advantage of", "neglecting",
                                                   "neglects", "is rough with", "are rough with", "shouts at")
                for elder in ("nan", "gran", "grandma", "grandad", "grandmother", "grandfather", "elderly mum",
                              "elderly dad", "elderly mother", "elderly father", "elderly neighbour"))
       + "|care home is neglecting|neglected in the care home|carer is rough with her|carer is rough with him"),
    # voices and paranoia are serious mental illness, not hearing loss or a voice for parents ("hearing voices")
    _m("serious mental illness such as psychosis", "mental_wellbeing",
       "mental illness|mental health crisis|mental health",
       "hearing voices|hear voices|hears voices|hearing things|seeing things that arent there|paranoid|paranoia|"
       "psychosis|psychotic|schizophrenia|schizophrenic|bipolar|manic episode"),
    # starving or purging is a matter for mental health help, never a weight-loss programme ("losing loads of weight")
    _m("an eating problem", "mental_wellbeing", "eating disorder|mental health|wellbeing",
       "eating disorder|eating disorders|anorexia|anorexic|bulimia|bulimic|binge eating|binging and purging|"
       "making myself sick|make myself sick|starving myself|starve myself|losing loads of weight|"
       "losing a lot of weight|lost loads of weight|scared to eat|frightened of food|scared of food"),
    # trouble with an employer is a matter of rights at work, not finding a job ("I'm being bullied at work")
    _m("problems at work and employment rights", "employment_learning money",
       "work problems|rights|employment rights",
       "bullied at work|bullying at work|harassed at work|harassment at work|boss is bullying me|unfair dismissal|"
       "unfairly dismissed|sacked unfairly|employer wont pay me|boss wont pay me|wages not paid|havent been paid|"
       "discriminated against at work|discrimination at work|grievance at work|disciplinary at work|"
       "disciplinary hearing|employment tribunal|sick pay|statutory sick pay|taking money from my pay|"
       "taking money out of my pay|taking money from my wages|taking money out of my wages|deductions from my pay|"
       "deductions from my wages|docked my pay|docking my pay|docked my wages|cut my hours|my hours were cut|"
       "hours were cut|my rights at work|scared to complain at work"),
    # domestic abuse
    _m("domestic abuse", "domestic_abuse", "domestic abuse|abuse|safety",
       "domestic abuse|domestic violence|dv|da|abusive partner|abusive relationship|controlling partner|"
       "coercive control|partner hits me|hit me|scared of my partner|afraid of my partner|violent partner|"
       "abuse|abused|stalking|harassment"),
    # being made to marry is honour-based abuse, which a specialist line answers first (Karma Nirvana)
    _m("forced marriage or honour-based abuse", "domestic_abuse", "forced marriage|honour",
       "forced marriage|forcing me to marry|forced to marry|making me marry|make me marry|married against my will|"
       "forcing me to get married|honour based abuse|honour based violence|honour abuse|family honour"),
    # substance use
    _m("alcohol problems", "substance_use", "alcohol|drinking|recovery",
       "drink problem|drinking problem|drinking too much|drink too much|alcohol|alcoholic|alcoholism|booze|"
       "drunk|aa meeting|aa meetings|alcoholics anonymous|drinking"),
    _m("drug problems", "substance_use", "drugs|substance|recovery",
       "drugs|drug problem|drug use|addiction|addicted|cannabis|weed|cocaine|heroin|substance misuse|"
       "substance use|needle exchange"),
    _m("gambling problems", "substance_use money", "gambling|addiction", "gambling|betting|gambler|bookies"),
    _m("stopping smoking", "long_term_conditions", "stop smoking|quit|smoking",
       "quit smoking|stop smoking|smoking|vaping|cigarettes|smokefree"),
    # bereavement
    _m("bereavement", "bereavement", "bereavement|grief|loss",
       "lost my husband|lost my wife|lost my partner|lost my mum|lost my dad|lost my son|lost my daughter|"
       "lost someone|lost a loved one|husband died|wife died|mum died|dad died|partner died|passed away|"
       "death|died|grief|grieving|bereaved|bereavement|widow|widowed|widower|funeral|"
       "funeral costs|loss"),
    # employment, volunteering and learning
    _m("work and jobs", "employment_learning", "employment|job|work|career",
       "job|jobs|work|employment|unemployed|out of work|lost my job|looking for work|find a job|job search|"
       "cv|interview|redundancy|made redundant|back to work|job centre|jobcentre|career|careers"),
    _m("volunteering", "employment_learning loneliness", "volunteer|volunteering",
       "volunteer|volunteering|volunteer work|give something back|giving back"),
    _m("learning and courses", "employment_learning", "learning|course|english|skills",
       "learning|course|courses|college|adult education|qualifications|"
       "reading and writing|literacy|maths|numeracy|training|classes"),
    # English for speakers of other languages is a need of its own, with classes of its own (ESOL)
    _m("learning English (ESOL)", "employment_learning", "esol|english classes|learn english|english lessons",
       "learn english|english lessons|esol|english classes|english class|improve my english|my english is not good|"
       "english is not good|english is not so good|my english is bad|speak english|english is poor|better english|"
       "english not very good|learning english|english course|english courses"),
    # digital inclusion
    _m("help using computers and the internet", "digital_inclusion", "digital|computer|online|internet",
       "computer help|computer|computers|laptop|tablet|ipad|smartphone|internet|online|get online|wifi|"
       "email|zoom|video call|digital skills|using the internet|apply online|online forms|digital|"
       "mobile phone|nhs app"),
    # transport
    _m("transport and getting about", "transport", "transport|travel|bus|car|lift",
       "bus pass|concessionary pass|bus|buses|transport|lift|lifts|getting to appointments|hospital transport|"
       "patient transport|community car|community transport|dial a ride|taxi|cant drive|no car|travel|"
       "getting about|getting out"),
    # long-term conditions
    _m("living with a long-term condition", "long_term_conditions", "long term condition|self management|support group",
       "long term condition|chronic illness|chronic condition|self management|chronic pain|pain|long covid|"
       "fatigue|arthritis|ms|multiple sclerosis|parkinsons|epilepsy|kidney|health condition"),
    _m("breathing problems such as COPD", "long_term_conditions", "breathing|lung|copd",
       "copd|asthma|breathing problems|breathless|lung|lungs|emphysema|breathe easy"),
    _m("heart and stroke", "long_term_conditions", "heart|stroke",
       "heart|heart failure|heart condition|heart attack|stroke|had a stroke|cardiac"),
    _m("living with diabetes", "long_term_conditions", "diabetes", "diabetes|diabetic|type 2|blood sugar"),
    _m("living with cancer", "long_term_conditions", "cancer", "cancer|tumour|chemo|chemotherapy|macmillan"),
    _m("a terminal illness", "long_term_conditions carers", "terminal illness|terminal|end of life|palliative",
       "dying|is dying|terminally ill|terminal illness|terminal cancer|end of life|palliative|palliative care|"
       "not long left|weeks to live|months to live|hospice"),
    # who the person is rather than what they need: no need category of its own, only the words services use
    _m("armed forces veterans", "", "veteran|armed forces|military",
       "veteran|veterans|ex forces|ex military|armed forces|forces|army|navy|royal navy|raf|marines|soldier|"
       "ex soldier|military|served in the army|served in the forces|service leaver|national service"),
    _m("LGBT+ people", "", "lgbt|gay|lesbian|trans",
       "lgbt|lgbtq|lgbtqia|gay|lesbian|bisexual|bi|trans|transgender|non binary|queer|came out as|coming out as|"
       "come out as|came out to my|come out to my|coming out to my|my sexuality|sexuality|gender identity|"
       "homophobia|homophobic|transphobia"),
    _m("someone else's drinking or drug use", "substance_use carers", "family|worried about someone|partner drinks",
       "his drinking|her drinking|their drinking|husband drinking|husband drinks|wife drinking|wife drinks|"
       "partner drinking|partner drinks|dad drinking|dad drinks|mum drinking|mum drinks|son drinking|"
       "son drinks|someone elses drinking|family member drinking|worried about his drinking|"
       "worried about her drinking|son on drugs|daughter on drugs|husband on drugs|partner on drugs|"
       "someone elses drug use"),
    # a partner leaving is a blow to wellbeing, not a walking group ("the wife's walked out")
    # someone who would not go to "a support group" may go to a workshop: making and mending things with others
    _m("making and mending things with others (a men's shed)", "loneliness", "men's shed|woodwork|making things",
       "good with his hands|good with my hands|good with her hands|fixing things|fixing something|mending things|"
       "making things|make things|tinkering|tinker|pottering in the shed|pottering in the garage|"
       "woodwork|woodworking|diy|likes fixing|loves fixing|always fixing|forever fixing"),
    _m("a relationship ending", "mental_wellbeing", "relationship|separation|divorce|emotional support",
       "walked out|walked out on me|left me|split up|splitting up|broke up|broken up|break up|separated|separation|"
       "divorce|divorced|getting divorced|going through a divorce|marriage breakdown|marriage has broken down|"
       "relationship breakdown|relationship ended|relationship problems|marriage problems"),
    # an older or unwell person not managing to eat needs meals brought in, not a food bank
    _m("meals at home", "food_fuel older_people", "meals on wheels|hot meals|meals|delivery",
       "not eating properly|not eating|forgetting to eat|forgets to eat|keeps forgetting to eat|cant cook|"
       "cannot cook|unable to cook|stopped cooking|not cooking|meals on wheels|meals brought in|meals delivered|"
       "hot meals delivered|meals at home|someone to cook|housebound"),
    # no device or connection: a loan, a SIM with free data, public wifi, not lessons
    _m("a computer, phone or internet connection", "digital_inclusion",
       "device|laptop|free data|no internet|no computer|borrow",
       "no internet|no wifi|no computer|no laptop|need a laptop|need a computer|need a tablet|no data|"
       "run out of data|cant afford internet|cant afford wifi|cant afford the internet|cant afford a phone|"
       "cant afford a laptop|cant afford a computer|havent got a computer|havent got any internet|"
       "havent got internet|dont have internet|dont have a computer|phone got cut off|phone cut off|"
       "cut off my phone|no phone|phone broken|phone is broken|phones been broken|broken phone|lost my phone|"
       "free data|sim card|borrow a laptop|device loan"),
)  # fmt: skip

_RELATIVES = ("husband", "wife", "partner", "boyfriend", "girlfriend", "dad", "mum", "son", "daughter", "brother",
              "sister")  # fmt: skip
_SOMEONE_ELSES_DRINKING = ("drinks", "drinking", "drinks too much", "is drinking")
_WHOSE = ("my", "our", "a", "her", "his", "their", "the")
_LOVED_ONES = (*_RELATIVES, "child", "baby", "twin", "nan", "gran", "grandad", "grandma", "grandpa", "friend",
               "best friend", "other half", "mother", "father", "husband", "boy", "girl", "little boy", "little girl")
"""Whom someone may have "lost": "lost a child", "lost our baby" (not "lost my job")."""

# More everyday, idiomatic and past-tense ways of saying the same needs, as clients, carers and ward staff write
# them (merged into LAY_MEANINGS below).
_MORE_PHRASES: dict[str, str] = {
    "money worries": "doesnt stretch|dont stretch|wont stretch|doesnt go far|doesnt go very far|"
    "struggling to pay|behind on bills|bills|cant pay bills|cant pay the bills|money is tight|"
    "on our uppers|on my uppers|not a penny|havent got a penny|down to my last|stopped paying|child maintenance|"
    "maintenance payments|no income|no money coming in|"
    "on the breadline|no savings|making ends meet|not enough money|short of cash|strapped for cash|penniless|"
    "cant afford anything|money troubles|financial problems|financial difficulties|"
    "boracic|not a bean|breadline|scraping by|robbing peter to pay paul|overdrawn|no money left|run out of money|"
    "ran out of money|until payday|till payday|til payday|counting every penny|hand to mouth|"
    "pay cheque to pay cheque",
    "debt": "borrowed off|borrowed money off|borrowed from a bloke|lent me money|keeps coming round for more|"
    "coming round for money|doorstep lender|doorstep loan|illegal lender|illegal money lender|owe a bloke|"
    "owe him money|owes money to|owe|owing|overdraft|loans|loan|catalogue debt|buy now pay later|debt collectors|"
    "debt collector|"
    "chasing me for money|chasing money|chasing me|final demands|bailiff letter|court letter|behind on payments|"
    "catalogue|catalogues|catalogue payments|store card|store cards|credit cards|klarna|missed payments|"
    "cant keep up with the payments|cant keep up with payments|cant keep up with the repayments|repayments|"
    "up to my eyes in debt|up to my neck in debt|drowning in debt|loans in my name|debts in my name|loan in my name|"
    "debt in my name|in debt up to my eyes|in debt up to my neck|debt up to my eyeballs|in debt up to my eyeballs",
    "benefits advice": "cant afford my prescriptions|cant afford prescriptions|prescription charges|"
    "paying for prescriptions|pay for my prescriptions|missing out on something|missing out on money|"
    "missing out on benefits|"
    "might be entitled|could be entitled|am i entitled|never claimed|never claimed anything|claimed anything extra|"
    "anything extra|"
    "what im entitled to|what hes entitled to|what shes entitled to|what were entitled to|"
    "benefit cap|bedroom tax|housing benefit|state pension|pension|benefits stopped|"
    "benefits cut|money stopped|universal credit sanction",
    "grants and emergency funds": "funeral payment|paying for the funeral|pay for the funeral|help with funeral|"
    "funeral to pay for|funeral to pay|cant afford the funeral|cant afford a funeral|funeral bill|funeral bills|"
    "funeral costs|cost of the funeral|cost of a funeral|"
    "crisis fund|emergency fund|cooker|fridge|bed|carpet|school uniform",
    "housing help": "kipping|kipping rough|kipping in a doorway|shop doorway|in a doorway|sleeping in a doorway|"
    "sleeping out|sleeping on the streets|street homeless|on the street|deposit|rent deposit|deposit for a flat|"
    "cant get a deposit|deposit together|bond for a flat|staying at a mates|staying at my mates|staying with a mate|"
    "staying on a mates sofa|"
    "staying on my mates sofa|on a mates sofa|on friends sofas|cant stay there forever|cant stay here forever|"
    "cant stay there much longer|cant stay here much longer|"
    "rent privately|renting privately|private rent|private tenant|private landlord|flat|my flat|"
    "council flat|bedsit|hostel|living in my car|sleeping in my car|on the streets|"
    "no fixed abode|nfa|place to live|place to stay|housing register|social housing|roof over my head|"
    "kicked out by my parents|overcrowded|need a house|move house|rehoused",
    "facing eviction": "kicked out of|thrown out of|chucked out|chucked out of|chucked me out|kicked me out|"
    "thrown me out|threw me out|kicked us out|chucked us out|turfed out|booted out|"
    "told to leave|asked to leave|leave our flat|leave my flat|leave the flat|leave our house|"
    "selling up|landlord is selling|notice to leave|section 8|possession order|court papers|repossession|"
    "repossessed|given notice|served notice|"
    "got to be out by|have to be out by|out on the street|got to move out|have to move out",
    "problems with damp, mould or repairs at home": "leaking|broken window|rats|mice|infestation|wet walls|"
    "damp flat|mouldy",
    "heating and energy bills": "cant afford to heat|cant heat|boiler|heater|no hot water|electric meter|"
    "icebox|like an icebox|like a fridge|put the heating on|turn the heating on|heating off|boiler broke|"
    "boiler broke down|boiler has broken|boiler packed up|boilers packed up|boiler has packed up|boiler not working|"
    "boiler stopped working|"
    "top up my meter|emergency credit|gas meter|electric|electricity|energy|cold|freezing cold|heat the house|"
    "meter has run out|meter run out|meters run out|meter ran out|no credit on the meter|sat in the dark|"
    "sitting in the dark|no electric|no gas|electric has gone off|lights have gone off|cant top up|key meter|"
    "card meter|gas card|electric key|gas cut off|electric cut off|electricity cut off|cold water only",
    "food support": "food bank voucher|foodbank voucher|voucher for the food bank|voucher for a food bank|"
    "referral to the food bank|referral for the food bank|cupboards are bare|bare cupboards|nothing left|"
    "no food in the house|run out of food|nothing in the fridge|fridge is empty|empty fridge|no food in the fridge|"
    "ran out of food|nothing in the cupboards|empty cupboards|cupboards are empty|cant feed my kids|"
    "cant feed the kids|cant afford to eat|starving|skipping meals|groceries|food shopping|"
    "nothing to eat|feed my family|put food on the table|food on the table|feed the family|feed my children|"
    "feed us|afford food|afford to eat|cant afford the shopping|cant afford groceries|nothing for tea",
    "loneliness and isolation": "prisoner in my own home|prisoner in my home|feel trapped at home|trapped indoors|"
    "stuck inside|never see anyone|no one visits|nobody visits|sit at home all day|on my tod|"
    "stuck in the house|stuck at home|cant get out|company|someone to chat to|make new friends|new friends|"
    "rattling around|lonesome|all on my own|by myself|live alone|lives alone|living alone|no one to speak to|"
    "spoken to a soul|speak to a soul|seen a soul|see a soul|know a soul|talk to a soul|not spoken to anyone|"
    "not seen anyone|havent seen anyone|havent spoken to anyone|dont know anyone round here|"
    "dont know anyone around here|dont know anybody round here|dont know anyone here|rattle around|rattle round|"
    "weekends are the worst|weekends are hard|weekends are long|evenings are the worst|evenings are long|"
    "days on end|get out more|get me out of the house|get him out of the house|"
    "get her out of the house|on her own|on his own|lives on her own|lives on his own|"
    "four walls|no one to see|nobody to see|days are very long|days are so long|the days are long|days drag|"
    "the days drag|miss the banter|miss the company|miss having people around|"
    "curtains dont open|curtains stay shut|curtains stay closed|curtains are still shut|curtains are still closed|"
    "without speaking to anyone|without seeing anyone|without talking to anyone|without seeing a soul|"
    "without speaking to a soul|no visitors|house is so quiet|house is quiet|quiet without him|quiet without her|"
    "nobody to chat to|no one to chat to|cup of tea and a chat|people my own age|someone my own age|"
    "friends my own age|dont really see anyone|dont see anybody|never see anybody|stopped going out",
    "support for carers": "sit with mum|sit with dad|sit with him|sit with her|someone to sit with|"
    "get a break|proper break|havent had a break|havent had a proper break|need a break|break from caring|"
    "a few hours to myself|time to myself|only carer|her only carer|his only carer|sole carer|main carer|"
    "if something happens to me|if i get taken into hospital|if i go into hospital|if im taken ill|if i fall ill|"
    "who would look after|cant lift him|cant lift her|lift him|lift her|lifting him|lifting her|"
    "lift him on my own|lift her on my own|cant lift him on my own|cant lift her on my own|caring for my|"
    "care for my|i care for|look after him|look after her|looking after him|"
    "looking after her|worn out looking after|no break|never get a break|day off|carer burnout|full time carer",
    "low mood or mental health": "rock bottom|my mood|mood is low|mood is rock bottom|mood is rubbish|mood is bad|"
    "mood swings|down in the dumps|in the dumps|feeling rubbish|cant stop crying|"
    "going under|breaking point|at breaking point|falling apart|falling to pieces|going to pieces|in bits|"
    "dark place|in a dark place|dark thoughts|cant go on|antidepressants|anti depressants|gave me tablets|"
    "on antidepressants|"
    "crying all the time|not myself|losing the plot|head all over the place|end of my tether|breakdown|"
    "bipolar|ptsd|trauma|low|down|feel low|feeling low|hopeless|no motivation|lost interest|mentally|"
    "cant be bothered|cant be bothered with anything|cant be bothered to do anything|no interest in anything|"
    "proper low|really low|so low|dont enjoy anything|no joy in anything|lost all interest|"
    "camhs|cahms|child mental health|young peoples mental health|hardly leaves his room|hardly leaves her room|"
    "hardly leaves his bedroom|hardly leaves her bedroom|wont leave his room|wont leave her room|stays in his room|"
    "stays in her room|shut away in his room|shut away in her room|stopped going to school|wont go to school|"
    "school refusal|refusing to go to school|says hes fine but|says shes fine but|not himself|not herself|"
    "stopped going out|dont go out anymore|dont go out any more|sleeping all day|in bed all day",
    "anxiety or worry": "nerves|bad nerves|my nerves|panicky|on edge|cant face going out|scared to go out|"
    "scared to leave the house|worrying|worried sick|cant stop worrying|anxiety attack|shaky|"
    "heart goes mad|heart racing|heart races|heart is racing|heart was racing|heart pounding|heart is pounding",
    "sleep problems": "lie awake|up all night|cant get to sleep|no sleep",
    "getting active": "get fitter|get in shape|keep moving|exercise class|fitness class|exercise group|"
    "move more|get out walking",
    "healthy weight and eating": "lose a few pounds|weight|eat better|eat healthier|healthy diet",
    "memory problems or dementia": "forgetting|keeps forgetting|memory going|getting lost|muddled|"
    "forgets things|memory is bad|losing his memory|losing her memory|wandering off|keeps wandering|wanders off|"
    "wandering at night|goes wandering|gets lost",
    "disability support": "barely walk|cant walk|cant walk far|struggle to walk|trouble walking|walking is hard|"
    "wheelchair bound",
    "sight loss": "cant see the telly|cant see the tv|cant read the paper|cant read the newspaper|"
    "cant read my letters|cant read the post|eyes are bad|eyes are getting worse|eyes have gone|struggling to see|"
    "sight is bad|eyes are going|eyesight|eyesight is going|cant see|going blind|macular|registered blind|"
    "lost my sight|losing my sight|sight is going|my sight|glaucoma|cataract|cataracts|macular degeneration|"
    "poor eyesight|bad eyesight|failing eyesight|cant see very well",
    "hearing loss": "cant hear|going deaf|deafness",
    "equipment and mobility aids": "adapting|adapted|adapt|adaptation|bathroom adapting|adapt the bathroom|"
    "adapt my bathroom|adapt the house|level access shower|walk in shower|wet room|getting in the shower|"
    "get in the shower|cant get in the shower|stairs|cant manage the stairs|cant get up the stairs|"
    "cant get in the bath|"
    "bath seat|shower seat|toilet seat|rails|perching stool|raised toilet seat|bed rail|"
    "in and out of the bath|in and out the bath|get in the bath|get out of the bath|getting in the bath|"
    "in and out of bed|in and out of the shower",
    "falls and staying steady": "unsteady on my feet|wobbly on my feet|fell|tripped|falling over|keeps falling|"
    "on my pins|on her pins|on his pins|wobbly on my legs|unsteady on her feet|unsteady on his feet|"
    "wobbly on her feet|wobbly on his feet|not steady on my feet|legs have gone|legs are going|legs give way",
    "scams and fraud": "came to the door offering|knocked on the door offering|knocked offering|offering to do her|"
    "offering to do his|offered to do her roof|offered to do his roof|cowboy builder|cowboy builders|cowboys|"
    "paid them cash|paid him cash|paid one of them|cash up front|"
    "nuisance calls|nuisance phone calls|cold calls|cold calling|stop these calls|stop the calls|"
    "call blocker|call blockers|saying theyre from my bank|from my bank|scam texts|dodgy calls|suspicious calls|"
    "strange calls|scammed|been scammed|conned|ripped off|fraud|pretending to be|pretending to be my bank|"
    "bank scam|cold callers|rogue trader|scam calls|phone scam|report a scam|scammers|doorstep sellers|"
    "from her bank|from his bank|from their bank|saying he was from|saying she was from|saying they were from|"
    "said he was from|said she was from|said they were from|claiming to be from|claimed to be from|"
    "gave him her card|gave him his card|gave them her card|gave them my card|card number|card details|"
    "bank details|gave her bank details|gave them my bank details|pin number",
    "settling back home after hospital": "since the op|since my op|after my op|after the op|after the operation|"
    "since the operation|since my operation|had an operation|had my op|after surgery|since surgery|"
    "going home from hospital|settle back in|settle in at home|"
    "discharged home|discharge home|going home tomorrow|sent home from hospital",
    "domestic abuse": "anger issues|he needs anger management|she needs anger management|"
    "his anger|his temper|her temper|her anger|losing his temper|loses his temper|"
   "lost his temper|scared of his temper|gets handy with me|handy with me|handy with his fists|handy with her fists|"
   "lashes out at me|raises his hand|raised his hand to me|raises his hand to me|gets rough with me|"
   "pushes me around|shoves me|grabbed me|throws things at me|ex keeps turning up|keeps turning up|"
   "turning up at my house|turns up at my house|"
    "wont leave me alone|keeps following me|following me|being followed|stalker|stalked|harassing me|harasses me|"
    "threatening messages|feel safe|dont feel safe|not safe at home|unsafe at home|safe in my own home|"
    "scared to go home|frightened of him|frightened of her|hits me|he hits me|she hits me|hurts me|knocks me about|"
    "he hits her|she hits him|husband hits her|partner hits her|boyfriend hits her|wife hits him|partner hits him|"
    "girlfriend hits him|he hit her|husband hit her|partner hit her|boyfriend hit her|knocks her about|"
    "controls the money|"
    "controls my money|checks my phone|wont let me see my friends|goes through my phone|looks through my phone|"
    "reads my messages|checks my messages|wont let me see my mates|wont let me see my family|wont let me go out|"
    "stops me seeing my friends|stops me seeing my family|stops me seeing my mates|"
    "scared of him|scared of her|threatens me|threatens to kill me|threatened to kill me|says hell kill me|"
    "said hed kill me|threatens to hurt me|threatened to hurt me|wont let me leave the house|wont let me leave|"
    "doesnt let me leave the house|wont let me out of the house|locks me in|dad hits mum|dad hits my mum|"
    "hits my mum|hit my mum|hitting my mum|hurts my mum|hits my dad|scared of my son|scared of my daughter|"
    "afraid of my son|frightened of my son|son hits me|daughter hits me|"
    "afraid of him|afraid of her|beats me|violent|violence|abusive|controls all the money|controls all my money|"
    "takes my money|takes all my money|keeps me short of money|wont let me have money|financial abuse|"
    "economic abuse|controls the finances|controls everything|controls me|loans in my name|debts in my name|"
    "loan in my name|debt in my name",
    "alcohol problems": "fond of the wine|too fond of the wine|fond of a drink|too fond of a drink|fond of the drink|"
    "fond of the bottle|too much wine|bottle of wine a night|bottle of wine every night|wine every night|on the wine|"
    "drinking wine|drinking to cope|drink to cope|started drinking|drinking heavily|heavy drinking|"
    "heavy drinker|when hes had a drink|when shes had a drink|when hes been drinking|on the drink|"
    "hitting the bottle|drinking every night|drinks too much|cut down drinking|"
    "cut down on drinking|drinker|booze|pub every day|knock the booze on the head|knock the drink on the head|"
    "knock drinking on the head|give up the booze|give up the drink|give up drinking|stop drinking|quit drinking|"
    "off the drink|off the booze|drinking again|on the cans|on the beer|on the lager|on the vodka|"
    "cant stop drinking|drinking and cant stop|"
    "problem with the bottle|on the bottle|problem with drink|problem with my drinking|on the booze|boozing|"
    "drunk every night|getting drunk|get drunk|cans every day|cans of lager|bottle of vodka|vodka|hungover|"
    "hangovers|shakes in the morning",
    "drug problems": "the gear|off the gear|on the gear|stay clean|staying clean|smoking a lot of weed|"
    "smoking loads of weed|smoking too much weed|smokes a lot of weed|smoking weed|smokes weed|smoke weed|"
    "smoking cannabis|smokes cannabis|dope|skunk|spliff|joints|"
    "smack|crack|spice|ket|ketamine|pills|using again|relapse|relapsed|dealer|drug habit|"
    "on a script|methadone",
    "gambling problems": "bets|slots|online casino|gambles online|gambling online|betting online|bets online|"
    "online gambling|online betting|fruit machines|scratch cards|gambled|gambles|gamble|"
    "flutter|having a flutter|the bookies|scratchcards|casino|chasing losses|chasing my losses|blew my wages|"
    "gambled away|bet my wages",
    "someone else's drinking or drug use": "|".join(
        f"{relative} {drinking}" for relative in _RELATIVES for drinking in _SOMEONE_ELSES_DRINKING
    ),
    "stopping smoking": "fags|give up the fags|smoke|smoker|give up smoking|nicotine|vape|stop vaping",
    "bereavement": "mrs passed|the mrs passed|missus passed|the missus passed|hubby passed|other half passed away|"
    "since he passed|since she passed|since he went|since she went|lost the mrs|lost the missus|lost my hubby|"
    "other half passed|partner passed|wife passed away|husband passed away|passed on|since he died|"
    "since she died|since mum died|since dad died|since the wife went|since my wife went|since my husband went|"
    "lost the wife|lost my other half|"
    "wife passed|husband passed|mum passed|dad passed|other half died|lost the baby|baby died|miscarriage|"
    "stillborn|stillbirth|baby loss|took his own life|took her own life|died by suicide|passed away|lost my son|"
    "lost my daughter|lost my brother|lost my sister|"
    "died suddenly|sudden death|"
    + "|".join(f"lost {whose} {person}" for whose in _WHOSE for person in _LOVED_ONES),
    "work and jobs": "got the sack|been sacked|sacked|laid off|fired|got fired|no job|jobless|out of a job|"
    "need a job|find work|applying for jobs|redundant|interviews|unemployment|work coach|"
    "been let go|on the dole|signing on|get a job",
    "volunteering": "something useful to do|do something useful|something useful|keep busy|help others|"
    "fill my days|fill my time|time on my hands|"
    "at a loose end|something to do|bored stiff|bored out of my mind",
    "learning and courses": "read and write|learn to read|cant read very well|cant read well|"
    "cant read or write|cant read and write|cant write very well|not good at reading|struggle to read|"
    "struggle with reading|help with reading|dyslexia|dyslexic|poor literacy",
    "help using computers and the internet": "facetime|whatsapp|online banking|get online|smart phone|"
    "video calls|use a computer|use the internet|computer skills",
    "breathing problems such as COPD": "bad chest|chesty|chest infection|wheezy|wheezing|short of breath|"
    "out of breath|cant breathe|cough",
    "transport and getting about": "bus doesnt come|the bus doesnt come|bus doesnt run|buses dont run|no bus service|"
    "bus doesnt go|cant get to the hospital|cant get to hospital|get to the hospital|cant get to my appointments|"
    "no way of getting there|no way to get there|buses dont come|no buses|no bus|stopped driving|lost my licence|"
    "get to hospital|hospital appointments|get to appointments|lift to hospital|lift to the hospital|"
    "get to the doctors|get to my appointment|hospital appointment|lift to the doctors|lift to the gp|"
    "lift to my appointment|lift to appointments|lift to the surgery|get to the gp|get to the surgery|"
    "getting to the doctors|take me to the doctors|take me to hospital|take me to my appointments|"
    "someone to drive me|lift to the shops|"
    "cant get about|cant get out and about|get out and about|cant drive anymore|gave up driving|bus only comes|"
    "bus service|buses are rubbish",
    "help with disability benefit forms such as PIP": "challenge the decision|appeal the decision|"
    "pip stopped|pip has been stopped|pip was stopped|lost my pip|pip refused|turned down for pip",
    "learning English (ESOL)": "my english|english better|get better at english|english skills|"
    "without my daughter translating|without my son translating|translating for me|translate for me",
    "heart and stroke": "his speech|her speech|speech has been affected|speech affected|speech problems|aphasia|"
    "cant talk properly|slurred speech",
    "an affordable loan": "borrow money cheaply|borrow cheaply|cheap credit|cheaper loan|cheaper borrowing",
    "safety at home": "hoarding|hoarder|hoards|floor to ceiling|piled high|newspapers and boxes|"
    "cant throw anything away|wont throw anything away|wont let anyone clear|fire hazard|fire risk|"
    "worried about a fire|smokes in bed|plug in heater|plug in heaters",
}

def _with_more_phrases(lay: LayMeaning) -> LayMeaning:
    more = _MORE_PHRASES.get(lay.meaning)
    return replace(lay, phrases=lay.phrases + tuple(more.split("|"))) if more else lay


LAY_MEANINGS = tuple(_with_more_phrases(lay) for lay in LAY_MEANINGS)
assert set(_MORE_PHRASES) <= {lay.meaning for lay in LAY_MEANINGS}, "a _MORE_PHRASES key names no meaning"


_IRREGULAR = {
    "men": "man", "mens": "man", "women": "woman", "womens": "woman", "children": "child", "childrens": "child",
    "people": "person", "peoples": "person", "feet": "foot",
}  # fmt: skip


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Light English stemming (plurals, -ing) so 'carers'/'carer' and 'walking'/'walk' compare equal."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "buses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 6 and word.endswith("ing"):
        word = word[:-3]
        if word[-1] == word[-2] and word[-1] not in "lsfz":
            word = word[:-1]  # swimming -> swim
    return word


_PEOPLE_STEMS = frozenset(stem(word) for word in PEOPLE_WORDS)


def is_person_word(word: str) -> bool:
    """Whether a normalised word names who a message is about, in any form ("blokes", "lads", "grandsons")."""
    return word in PEOPLE_WORDS or stem(word) in _PEOPLE_STEMS


_ALREADY_NORMAL = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")
_APOSTROPHES = re.compile(r"['`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces ("Can't pay my RENT!" -> "cant pay my rent")."""
    if _ALREADY_NORMAL.fullmatch(text):  # most of the table's own phrases: read at every start
        return text
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _APOSTROPHES.sub("", text.lower().replace("&", " and "))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def words(text: str) -> list[str]:
    """Normalised, stemmed words of `text`, stopwords included."""
    return [stem(word) for word in normalise(text).split()]


def content_words(text: str) -> tuple[str, ...]:
    """Normalised, stemmed words that carry meaning (stopwords dropped)."""
    return without_stopwords(words(text))


def without_stopwords(stemmed: Sequence[str]) -> tuple[str, ...]:
    """The words of `stemmed` that carry meaning."""
    return tuple(word for word in stemmed if word not in STOPWORDS)


def word_pairs(content: Sequence[str]) -> list[str]:
    """Adjacent content words as 'a b' keys, so "pension credit" can count for more than "pension" + "credit"."""
    return [f"{first} {second}" for first, second in pairwise(content)]


@lru_cache(maxsize=1024)
def term_keys(term: str) -> tuple[str, ...]:
    """Index keys for a directory term: the word itself, or the word pairs of a short phrase."""
    content = content_words(term)
    return content if len(content) == 1 else tuple(word_pairs(content))


def phrase_keys(phrase: str) -> set[tuple[str, ...]]:
    """Word sequences that count as saying `phrase`.

    The exact words always; the words without stopwords too ("cant pay rent" for "can't pay my rent"), unless that
    would leave one word that is not filler standing for a longer phrase: "mum" for "looking after my mum", or
    "can't ... anymore" for "can't do this anymore", which would read "my mum can't get about anymore" as despair.
    """
    exact = tuple(words(phrase))
    content = without_stopwords(exact)  # content_words(phrase), without reading the phrase twice
    keys = {exact}
    if content == exact or sum(word not in FILLER_WORDS for word in content) > 1:
        keys.add(content)
    return keys


@lru_cache(maxsize=1)
def phrase_table() -> dict[tuple[str, ...], tuple[LayMeaning, ...]]:
    """Word sequences of every lay phrase -> the meanings it carries (one phrase may mean several things)."""
    table: dict[tuple[str, ...], tuple[LayMeaning, ...]] = {}
    for lay in LAY_MEANINGS:
        for phrase in lay.phrases:
            for key in phrase_keys(phrase):
                if lay not in table.get(key, ()):
                    table[key] = (*table.get(key, ()), lay)
    return table


IDIOMS = (
    "cant make ends meet", "make ends meet", "end of my tether", "at the end of my tether", "on my uppers",
    "on our uppers", "down in the dumps", "in the dumps", "losing the plot", "falling to pieces", "going to pieces",
    "in bits", "going under", "head all over the place", "on the breadline",
    "hand to mouth", "robbing peter to pay paul", "knock the booze on the head", "hit the bottle", "on the bottle",
)  # fmt: skip
"""Lay phrases whose words say nothing of their meaning ("can't make ends meet" is not about ends, "at the end of my
tether" not end-of-life care): the phrase means its need as surely as lay words do, and its words are not searched."""


@lru_cache(maxsize=1)
def idiom_keys() -> frozenset[tuple[str, ...]]:
    """The word sequences of IDIOMS as the phrase table holds them."""
    return frozenset(key for idiom in IDIOMS for key in phrase_keys(idiom))


@lru_cache(maxsize=1)
def lay_vocabulary() -> dict[str, str]:
    """Every meaningful word of the table as written (unstemmed) -> its stem, for typo correction."""
    vocabulary: dict[str, str] = {}
    for lay in LAY_MEANINGS:
        for text in (*lay.phrases, *lay.terms):
            for word in normalise(text).split():
                if (stemmed := stem(word)) not in STOPWORDS:
                    vocabulary[word] = stemmed
    return vocabulary
