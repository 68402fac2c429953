"""Spotting messages that suggest crisis: suicide, self-harm, overdose, or danger from someone else.

Two levels, so the bot neither misses a crisis nor alarms people asking for a tablet-computer class:

- CLEAR: the words say someone is in danger now (intent, a plan or means, an overdose taken, a threat to kill).
  The bot answers with the emergency contacts at once and does nothing else.
- POSSIBLE: the words suggest risk without saying it is happening now (hopelessness, "better off without me",
  self-harm, "not safe at home"). The bot asks gently "Are you safe right now?" with the contacts and two buttons.

Why rules and not a model: every decision has to be explainable to a clinical safety officer, testable line by line
and fixed the day a miss is reported, with no model download and no network. The method, in order:

1. `canonical` rewrites the text the way a reader would hear it: Unicode and invisible characters normalised,
   contractions and text-speak spelled out ("kms" -> "kill myself", "wanna" -> "want to", "2nite" -> "tonight"),
   common misspellings mapped, and a few long, distinctive words ("suicidal", "overdose", "myself", "tablets")
   fuzzy-corrected with rapidfuzz, guarded by a list of real words that sit close to them ("subside", "tables").
2. `_BENIGN` masks phrases that contain crisis words but are not a crisis of the writer: bereavement by suicide
   ("after my brother's suicide"), training and prevention ("suicide prevention training"), a preferred place of
   death ("wants to die at home"), figures of speech ("this form is killing me"), clear negations ("I'm not
   suicidal"). Masking removes only that phrase, so "since my brother's suicide I want to die too" still fires.
3. `_RULES` are named patterns over the canonical text, each with a concern and a level.
4. Context rules adjust the level: about someone else and not happening now -> POSSIBLE; the writer's own distant
   past ("years ago", "used to") -> POSSIBLE; a joke marker ("lol") -> POSSIBLE; self-harm with "tonight" or
   "going to" -> CLEAR; home-safety words ("fall", "stairs", "grab rails") cancel "not safe at home"; accident
   words ("fell", "lifting") cancel "hurt myself".

`tests/crisis_messages.csv` holds the labelled set; `benchmarks/crisis_bench.py` prints recall and false alarms
beside the old regex list and a keyword/fuzzy baseline; `tests/test_crisis.py` keeps a floor on both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA

from casework.validation import normalise
from core.i18n import N_, Translate, english


class Level(StrEnum):
    NONE = "none"
    POSSIBLE = "possible"
    CLEAR = "clear"


class Concern(StrEnum):
    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    OVERDOSE = "overdose"
    HARM_FROM_OTHERS = "harm_from_others"


CONCERN_LABELS: dict[Concern, str] = {
    Concern.SUICIDE: "suicide",
    Concern.SELF_HARM: "self-harm",
    Concern.OVERDOSE: "overdose",
    Concern.HARM_FROM_OTHERS: "harm from someone else (safeguarding)",
}
_RANK = {Level.NONE: 0, Level.POSSIBLE: 1, Level.CLEAR: 2}


@dataclass(frozen=True)
class Assessment:
    """What a message suggests. `rule` names the rule that decided (for tests and benchmarks, never for logs)."""

    level: Level = Level.NONE
    concern: Concern | None = None
    about_someone_else: bool = False
    rule: str = ""
    bereavement: bool = False  # mentions a death by suicide: bereavement support, not a crisis of the writer
    sexual_violence: bool = False  # harm from others that names rape or sexual abuse: the specialist lines too
    young_writer: bool = False  # harm from others, written by someone who says they are under 19: Childline too

    @property
    def is_crisis(self) -> bool:
        return self.level is not Level.NONE


# --------------------------------------------------------------------------------------------- 1. canonical text

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"'})
# Contractions with an apostrophe (pronoun + 's is "is"; any other 's is a possessive and is dropped).
_APOSTROPHE_FORMS: tuple[tuple[str, str], ...] = (
    (r"\bod'?d\b", "overdosed"),
    (r"\bod'?ing\b", "overdosing"),
    (r"\bcan'?t\b", "cannot"),
    (r"\bwon'?t\b", "will not"),
    (r"\bain'?t\b", "is not"),
    (r"\bshan'?t\b", "shall not"),
    (r"n't\b", " not"),
    (r"'m\b", " am"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"'d\b", " would"),
    (r"\b(he|she|it|that|there|what|who|where|here|how|everything|nothing|life|everyone|someone)'s\b", r"\1 is"),
    (r"'s\b", ""),
    (r"'", ""),
)
# Whole-word rewrites: contractions typed without the apostrophe, text-speak, and misspellings of short words
# (too short to fuzzy-match safely: "kil" is one letter from "kit", "dei" from "den").
_WORDS: dict[str, str] = {
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not", "wasnt": "was not",
    "arent": "are not", "werent": "were not", "wouldnt": "would not", "couldnt": "could not",
    "shouldnt": "should not", "havent": "have not", "hasnt": "has not", "hadnt": "had not", "wont": "will not",
    "cant": "cannot", "cnt": "cannot", "carnt": "cannot", "im": "i am", "ive": "i have", "youre": "you are",
    "theyre": "they are", "hes": "he is", "shes": "she is", "thats": "that is", "theres": "there is",
    "whats": "what is", "wats": "what is", "theyll": "they will", "itll": "it will", "idk": "i do not know",
    "idc": "i do not care", "wanna": "want to", "wana": "want to", "gonna": "going to", "gunna": "going to",
    "gna": "going to", "gona": "going to", "finna": "going to", "tryna": "trying to", "gotta": "got to",
    "u": "you", "ur": "your", "r": "are", "b": "be", "2nite": "tonight", "2night": "tonight", "tonite": "tonight",
    "2day": "today", "4ever": "forever", "rn": "right now", "pls": "please", "plz": "please", "bout": "about",
    "w": "with", "cos": "because", "coz": "because", "cuz": "because", "bc": "because", "ppl": "people",
    "bf": "boyfriend", "gf": "girlfriend", "hubby": "husband", "hx": "history", "mom": "mum", "mam": "mum",
    "kms": "kill myself", "kys": "kill yourself", "ctb": "suicide", "od": "overdose", "ods": "overdoses",
    "kil": "kill", "kll": "kill", "kilk": "kill", "killin": "killing", "kiling": "killing", "dei": "die",
    "ded": "dead", "dieing": "dying", "dyin": "dying", "lfe": "life", "lif": "life", "lyf": "life", "lyfe": "life",
    "liv": "live", "livin": "living", "livng": "living", "liveing": "living", "anymoar": "anymore",
    "anymor": "anymore", "nemore": "anymore", "anymre": "anymore", "piont": "point", "poimt": "point",
    "slef": "self", "myslef": "myself", "mysefl": "myself", "mself": "myself", "myslf": "myself",
    "tkaen": "taken", "takn": "taken", "takin": "taking", "tabelts": "tablets", "tablts": "tablets",
    "tabs": "tablets", "wnat": "want", "wnt": "want", "whant": "want", "cuting": "cutting", "cuttin": "cutting",
    "harmimg": "harming", "harmin": "harming", "harmng": "harming", "goin": "going", "feelin": "feeling",
    "thinkin": "thinking", "nite": "night", "ende": "end", "everythin": "everything", "nothin": "nothing",
    "somethin": "something", "painkiller": "painkillers", "meds": "medication", "medicine": "medication",
    "pils": "pills", "dnt": "do not", "dint": "did not", "cba": "cannot be bothered", "tn": "tonight",
    "wan2": "want to", "wana2": "want to", "tuk": "took", "suicde": "suicide",
}  # fmt: skip
# Phrases rewritten before and after the word map (order matters; all on lower-case text).
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bself[\s\-_]*(harm|injur)", r"self \1"),
    (r"\bmy ?sel(f|ves)\b", "myself"),
    (r"\bhim ?self\b", "himself"),
    (r"\bher ?self\b", "herself"),
    (r"\bthem ?sel(f|ves)\b", "themselves"),
    (r"\bover ?dos", "overdos"),
    (r"\bpain ?killers?\b", "painkillers"),
    (r"\bsewer ?s(lide|ide)\w*", "suicide"),
    (r"\bunaliv(e|ing)\s+(myself|himself|herself|themselves)", r"kill \2"),
    (r"\bunaliv\w*", "suicide"),
    (r"\b(relapsed? on|relapsed? with|urges? to|did|doing|started|my|no|again with) sh\b", r"\1 self harm"),
    (r"\bsh (again|urges?|scars?|relapse)\b", r"self harm \1"),
    (r"\b(want|wnt|going|need|ready|about|wish|like) 2\b", r"\1 to"),
    (r"\b(to|too|2) (die|end|kill|live|be)\b", r"to \2"),
    (r"\bwill not to\b", "want to"),  # "i wont to die": a misspelt "want"
    (r"\bit al\b", "it all"),
    (r"\b(want|wanna|going|ready|wish) to (?:di|dy|dei)\b", r"\1 to die"),
    (r"\b(to|want|wanna|going|gonna) (?:ned|edn|nd) (it|my|everything|things)\b", r"\1 end \2"),
    (r"\bpoint n\b", "point in"),
    (r"\bbetter of\b", "better off"),
    (r"\bto many\b", "too many"),
    (r"\b(he|she) ?ll (kill|hurt|stab|beat|hit|shoot|get|find|strangle)\b", r"\1 will \2"),
    (r"\b(he|she)ll\b(?= (kill|hurt|stab|beat|hit|shoot|get|find|strangle)\b)", r"\1 will"),
)
# Long, distinctive words worth fuzzy-correcting ("suicdal", "tabelts"), and real words that sit close to them.
_FUZZY_WORDS = ("suicide", "suicidal", "overdose", "overdosed", "overdosing", "paracetamol", "myself", "himself",
                "herself", "themselves", "tablets")  # fmt: skip
_SUICIDE_FAMILY = ("suicide", "suicidal")  # matched more loosely ("sueside"): no common word starts "su…cide"
_NOT_TYPOS = frozenset({
    "tables", "tablet", "overdone", "overdue", "subside", "subsided", "subsides", "sunside", "seaside",
    "suited", "decide", "suede", "sulfide", "sulphide", "subsidy", "oversee", "overuse", "overdraw", "mysql",
    "himalaya", "hersey", "paramedic", "paramedics", "cabinets", "tablespoons", "tablelets",
})  # fmt: skip
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9]+|[.!?;,]")


def canonical(text: str) -> str:
    """The text as plain lower-case words and clause marks, with text-speak and misspellings spelled out."""
    lowered = normalise(text).lower().translate(_QUOTES)
    for pattern, replacement in _APOSTROPHE_FORMS:
        lowered = re.sub(pattern, replacement, lowered)
    for pattern, replacement in _PHRASES:
        lowered = re.sub(pattern, replacement, lowered)
    words = [_WORDS.get(word, word) for word in (_fix_spelling(token) for token in _TOKEN.findall(lowered))]
    spaced = " ".join(words)
    for pattern, replacement in _PHRASES:
        spaced = re.sub(pattern, replacement, spaced)
    return spaced


def _fix_spelling(token: str) -> str:
    if _REPEATS.search(token):  # "dieee" -> "die", "sooo" -> "so"; "feeel" -> "feel" (2 kept when 1 is unknown)
        single = _REPEATS.sub(r"\1", token)
        token = single if single in _RULE_WORDS or single in _WORDS else _REPEATS.sub(r"\1\1", token)
    if len(token) >= 5 and token.endswith("in") and token + "g" in _RULE_WORDS:  # a dropped g: "endin", "cuttin"
        return token + "g"
    if len(token) < 5 or token in _NOT_TYPOS or token in _RULE_WORDS or token in _WORDS or not token.isalpha():
        return token
    best = process.extractOne(token, _FUZZY_WORDS, scorer=OSA.normalized_similarity, score_cutoff=0.8)
    if best is None and token.startswith("su") and token.endswith(("de", "dal", "del", "dle", "dial")):
        best = process.extractOne(token, _SUICIDE_FAMILY, scorer=OSA.normalized_similarity, score_cutoff=0.7)
    return best[0] if best else token


# --------------------------------------------------------------------------------------------- shared fragments

_REFLEXIVE = r"(?:myself|himself|herself|themselves|yourself)"
_OTHER_REFLEXIVE = r"(?:himself|herself|themselves)"
_POSSESSIVE = r"(?:my|his|her|their|your)"
_DIE = r"(?:die|dye(?! (?:my|her|his|your|the|it|hair|clothes|fabric|wool)\b))"
_WANT = r"(?:want|wants|wanted|wanting|wish|wishes|wished|would like|ready|need|needs|trying|tried)"
_MEDS = (
    r"(?:tablets|pills|medication|prescription|prescriptions|paracetamol|co codamol|codamol|codeine|ibuprofen|"
    r"aspirin|tramadol|morphine|oxycodone|diazepam|valium|zopiclone|sertraline|citalopram|fluoxetine|mirtazapine|"
    r"amitriptyline|venlafaxine|quetiapine|lithium|insulin|methadone|heroin|propranolol|pregabalin|gabapentin|"
    r"antidepressants|painkillers|sleeping pills|sleeping tablets|capsules)"
)
_QUANTITY = (
    r"(?:all|every|everything|whole|a load of|loads of|load of|lots of|a lot of|too many|too much|more|the lot|"
    r"a handful of|handfuls of|a box of|a pack of|a packet of|a bottle of|boxes of|packs of|packets of|"
    r"(?:a )?(?:full|whole) (?:box|pack|packet|bottle|strip|blister)e?s? of|(?:a )?bunch of|a heap of|a fistful of|"
    r"\d+|ten|twenty|thirty|forty|fifty|double|triple)"
)
_PERSON = (
    r"(?:he|she|they|someone|somebody|(?:my|our|her|his) (?:\w+ )?(?:husband|wife|partner|ex|boyfriend|girlfriend|"
    r"dad|father|stepdad|mum|mother|stepmum|son|daughter|brother|sister|uncle|carer|neighbour|landlord|family)|"
    r"(?:husband|wife|partner|ex|boyfriend|girlfriend|dad|father|stepdad|mum|mother|son|daughter|carer|neighbour))"
)
_HARM_VERB = r"(?:kill|stab|shoot|strangle|choke|burn|hurt|beat|hit|batter|attack|harm)"
_END_OF_CLAUSE = (  # nothing more in this clause: "i can't go on" but not "i can't go on the bus"
    r"(?=\s*(?:$|[.!?;,~]|(?:and|but|so|i|lol|tbh|tho|though|ngl|honestly|really|now|x|please|since|because|after|"
    r"without|today|tonight)\b))"
)


@dataclass(frozen=True)
class _Rule:
    name: str
    concern: Concern
    level: Level
    pattern: re.Pattern[str]
    act: bool = False  # an act done or under way (not a wish or a threat): it stays CLEAR whoever it is about


def _rule(name: str, concern: Concern, level: Level, pattern: str, *, act: bool = False) -> _Rule:
    return _Rule(name, concern, level, re.compile(pattern), act)


S, SH, OD, D = Concern.SUICIDE, Concern.SELF_HARM, Concern.OVERDOSE, Concern.HARM_FROM_OTHERS
CLEAR, POSSIBLE = Level.CLEAR, Level.POSSIBLE

# --------------------------------------------------------------------------------- 2. phrases that are not crisis

_RELATIVE = (
    r"(?:husband|wife|partner|boyfriend|girlfriend|son|daughter|child|baby|brother|sister|mum|mother|dad|father|"
    r"friend|mate|cousin|uncle|aunt|auntie|nan|gran|grandad|grandma|grandson|granddaughter|parent|nephew|niece|"
    r"colleague|neighbour|family|fiance|fiancee)"
)
_BENIGN: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        # bereavement by suicide: support after someone else's death
        ("bereavement", r"\b(?:bereaved|bereavement|bereavements|died|death|deaths|loss|losses|lost|losing|lose) "
                        r"(?:\w+ ){0,3}?(?:by|to|through|from) suicide\b"),
        ("bereavement", r"\bsuicide (?:bereavement|bereaved|loss|losses)\b"),
        ("bereavement", r"\b(?:after|following) (?:a )?suicide\b(?! attempt)"),
        ("bereavement", r"\b(?:after|since|following|explain|through|grieving|grief) (?:a|the|his|her|their|our) "
                        r"(?:\w+ ){0,2}?suicide\b"),
        ("bereavement", rf"\b(?:his|her|their|a|my|our) (?:\w+ )?{_RELATIVE}s? suicide\b"),
        ("bereavement", r"\b(?:a|the) suicide in (?:the|my|our) family\b"),
        ("bereavement", rf"\b(?:{_RELATIVE}|he|she|they|who) (?:(?!has |have |just )\w+ )?(?:committed suicide|"
                        rf"took (?:his|her|their) own li(?:fe|ves)|killed {_OTHER_REFLEXIVE}|ended (?:his|her|their) "
                        rf"(?:own )?li(?:fe|ves))"),
        ("bereavement", r"\b(?:took|taken) (?:his|her|their) own li(?:fe|ves) (?:in|last|years|months|\d)"),
        # training, prevention, awareness: staff and volunteers learning, not a person in crisis
        ("training", r"\b(?:suicide|self harm|overdose|suicidal|mental health|crisis) (?:prevention|awareness|"
                     r"intervention|first aid|training|course|courses|workshop|workshops|alliance|research|"
                     r"statistics|rates?|policy|policies|strategy|toolkit|skills)\b"),
        ("training", r"\b(?:prevention of|training on|training about|course on|workshop on|awareness of|"
                     r"information about|information on|leaflets? (?:on|about)|facts about|how to talk about|"
                     r"talking to \w+ about) (?:\w+ ){0,2}?(?:suicide|self harm|overdose|suicidal)\b"),
        ("training", r"\b(?:safe ?talk|asist|zero suicide)\b"),
        # a preferred place of death in end-of-life care
        ("end_of_life", rf"\b(?:want|wants|wanted|wish|wishes|wished|like|choose|chooses|prefer|prefers|able) to "
                        rf"{_DIE} (?:at home|in (?:hospital|the hospice|a hospice|(?:his|her|my|their) own bed|"
                        rf"peace|comfort|dignity)|peacefully|with dignity|surrounded by)"),
        # figures of speech
        ("figurative", r"\b(?!he\b|she\b|they\b)\w+ (?:is|are) killing me\b"),
        ("figurative", r"\b(?:will|would|going to) kill me if i (?:miss|forget|forgot|am late|spend|eat|break|lose|"
                       r"buy|do not (?:ring|call|visit|come))\b"),
        ("figurative", r"\bkilling time\b|\bto die for\b|\b(?:dying|die) (?:for a|to (?:get|meet|try|see|go|know))\b"),
        # clear negations of the writer's own risk
        ("negated", r"\b(?:not|never|no longer) (?:been |feeling |feel |actually |at all )?(?:suicidal|self harming|"
                    r"in danger|going to (?:hurt|harm|kill) myself)\b"),
        ("negated", r"\b(?:do not|never|would never|will not|not going to) (?:want to |going to )?(?:hurt|harm|kill|"
                    r"cut) myself\b"),
        ("negated", r"\bno (?:thoughts|plans|intention|intentions|intent|urges) (?:of|to|about) (?:suicide|self harm|"
                    r"harming myself|ending (?:my|it)|killing myself)\b"),
    )
)  # fmt: skip

# ----------------------------------------------------------------------------------------------- 3. the rules

_RULES: tuple[_Rule, ...] = (
    # -- overdose: an act, CLEAR whoever it is about (999 either way)
    _rule("overdose word", OD, CLEAR, r"\boverdos(?:e|ed|es|ing)\b", act=True),
    _rule("took a quantity of medication", OD, CLEAR,
          rf"\b(?:taken|took|swallowed|swallow|had|drank|necked|downed|(?:going|want|about|planning|ready) to "
          rf"(?:take|swallow|neck)|will take|gonna take)\b(?: \w+){{0,3}}? {_QUANTITY}\b(?: [\w ]{{0,30}}?)? "
          rf"{_MEDS}\b", act=True),
    _rule("took every tablet", OD, CLEAR,
          r"\b(?:taken|took|swallowed|(?:going|want|about|planning|ready) to (?:take|swallow)|will take) (?:\w+ )?"
          r"(?:every|each) (?:single )?(?:tablet|pill)\b", act=True),
    _rule("saving up medication", OD, CLEAR,
          rf"\b(?:saving|saved|save|stockpiling|stockpiled|stockpile|hoarding|hoarded|storing|stored|collecting|"
          rf"keeping) (?:up )?(?!up for\b|for\b)(?:\w+ ){{0,2}}?{_MEDS}\b|\b{_MEDS} (?:saved|stockpiled|stored) up\b"),
    _rule("how many to die", OD, CLEAR, rf"\bhow (?:many|much) {_MEDS}\b(?: \w+){{0,3}}? (?:take|kill|die)\b"),
    _rule("pills laid out", OD, CLEAR, r"\b(?:tablets|pills) (?:out|ready|lined up|counted out)\b"),
    _rule("more than prescribed", OD, CLEAR,
          rf"\b(?:taken|took|swallowed|had)\b.*\b{_MEDS}\b.*\bmore than (?:i|you|he|she) (?:should|was meant|am meant|"
          rf"are meant|is meant)|\b(?:taken|took|swallowed) (?:\w+ )?(?:my|his|her|the) {_MEDS} to (?:end|stop|die)\b"
          rf"|\b(?:taken|took|swallowed) {_MEDS} to (?:end|stop|die)\b", act=True),
    _rule("looking at the pills", OD, POSSIBLE,
          rf"\b(?:staring|looking|stare|look) at (?:the|my|all the|all my) {_MEDS}\b|\b(?:has|got|with|taken) "
          rf"(?:his|her|their|all his|all her) {_MEDS}\b.*\bgoodbye\b|\bgoodbye\b.*\b(?:has|got|with|taken) "
          rf"(?:his|her|their|all his|all her) {_MEDS}\b"),
    _rule("not waking up", OD, CLEAR,
          r"\b(?:is not|are not|was not) (?:waking up|breathing|responding)\b|\bcannot wake (?:him|her|them)\b"
          r"|\bnot breathing\b|\b(?:unconscious|unresponsive)\b", act=True),
    # -- suicide: intent, plans, means
    _rule("voices", S, CLEAR, r"\bvoices (?:are )?(?:telling|tell|told) me to\b"),  # command hallucinations
    _rule("suicide word", S, CLEAR, r"\bsuicid(?:e|es|al|ally)\b"),
    _rule("kill oneself", S, CLEAR,
          rf"\b(?:kill|killing|killed|kills|hang|hanging|hanged|hung|shoot|shooting|drown|drowning|gas|gassing|"
          rf"poison|poisoning|throw|throwing|threw) {_REFLEXIVE}\b"),
    _rule("end or take a life", S, CLEAR,
          rf"\b(?:end|ending|ended|ends|take|taking|takes) {_POSSESSIVE} (?:own )?li(?:fe|ves|ve)\b"),
    _rule("end it all", S, CLEAR,
          r"(?<!the )(?<!an )\b(?:end|ending|ended) (?:it all|it|everything|things)\b(?! (?:with|between)\b)"),
    _rule("want to die", S, CLEAR, rf"\b{_WANT} (?:to )?{_DIE}\b|\b(?:want|wants) to be dead\b"),
    _rule("should just die", S, POSSIBLE,
          rf"\b(?:should|might as well|may as well|could|would rather|d rather|rather) (?:just )?(?:{_DIE}|be dead)\b"
          r"|\b(?:hope|wish|pray) (?:i|that i) (?:do not|never|will not|would not) wake up\b"
          rf"|\b(?:do not|does not) "
          r"deserve to (?:live|be alive|be here|exist)\b|\b(?:stop|cease to|not) exist(?:ing)?\b"
          r"|\b(?:any|no|a|one) reason to (?:be alive|live|stay alive|be here|go on|carry on|keep going)\b"),
    _rule("do it tonight", S, CLEAR, r"\b(?:going to|gonna|will) do it (?:tonight|today|now|right now)\b"),
    _rule("not want to live", S, CLEAR,
          r"\b(?:do not|does not|did not) (?:want|wish) to (?:live|be alive|stay alive)\b"),
    _rule("no reason to live", S, CLEAR,
          r"\bno (?:point|reason|purpose) (?:in |of |to )?(?:living|live|life|being alive|staying alive)\b"
          r"|\b(?:see|is) (?:no |the |any )?point (?:in|of) (?:living|life|being alive)\b|\bnot worth living\b"),
    _rule("better off dead", S, CLEAR, r"\b(?:better off|rather be|happier if i (?:was|were)) dead\b"),
    _rule("method", S, CLEAR,
          r"\b(?:jump|jumping|jumped|step|stepping|throw myself|lie down|lay down) (?:off|from) (?:a|the) (?:bridge|"
          r"cliff|roof|building|car park|multi storey|balcony|ledge|tower|flats)\b|\b(?:jump|jumping|jumped|step|"
          r"stepping|walk|walking|lie down|lay down|throw myself) (?:in front of|under|onto) (?:a|the) (?:train|bus|"
          r"lorry|car|tracks|traffic)\b|\bin front of (?:a|the) (?:train|lorry)\b|\bthreatening to jump\b"
          r"|\b(?:jump|jumping|throw myself|walk|walking) (?:in|into|off into) (?:the )?(?:river|sea|canal|lake|"
          r"water|broads)\b"
          r"|\bdrive (?:my |the )?car (?:into|off)\b|\b(?:standing|am|is|are|sat|sitting) on (?:the|a) "
          r"(?:bridge|cliff|edge|roof|ledge|railway|tracks)\b"
          r"|\b(?:a|the|my) rope (?:ready|in (?:the|his|her|my) (?:garage|shed|loft)|tonight)\b|\bwith a rope\b"
          r"|\buse it on myself\b|\bways? to die\b|\bhow to die\b|\b(?:easiest|quickest|painless|best|fastest) way "
          r"(?:to die|out)\b|\bhow (?:do|can|would|could|should) i (?:kill myself|end it|end my life|die)\b"),
    _rule("suicide note or goodbye", S, CLEAR,
          r"\b(?:written|wrote|writing|left) (?:a|my|the) (?:suicide )?note\b(?! (?:to|for) (?:the|my) "
          r"(?:landlord|council|school|doctor|gp|boss|work|teacher)\b)|\bletters to my (?:kids|children|family)\b"
          r"|\bsaid goodbye to (?:everyone|everybody|people|my (?:family|kids|children))\b"),
    _rule("rope bought", S, CLEAR, r"\b(?:bought|got|buy|get|have|found) (?:a|some|the) rope" + _END_OF_CLAUSE),
    _rule("planning how", S, POSSIBLE,
          r"\bi (?:have|have got|got|made) (?:a|the|my) plan(?: and i am going to do it)?" + _END_OF_CLAUSE
          + r"|\b(?:planning|planned|plan|decided|worked out|working out|thinking about|thought about) "
          r"(?:how|when|where) (?:i would|i will|i could|i am going to|to) (?:do it|end it|go)\b"
          r"|\b(?:tonight|today|tomorrow) is (?:when|the day|the night) i\b"
          r"|\b(?:drive|driving|drove|crash|crashing) (?:my car |the car )?(?:off|into) (?:the road|a cliff|the cliff|"
          r"a bridge|a wall|a tree|the river|the sea)\b|\bcrash (?:my|the) car on purpose\b"),
    # -- suicide: hopelessness, burden, goodbyes, passive wishes
    _rule("wish I was dead", S, POSSIBLE,
          r"\bwish(?:es|ed)? (?:i|he|she|they) (?:was|were|would be|would have) (?:dead|gone|not here|never been "
          r"born)\b"
          r"|\bnever been born\b|\bwish i was not here\b|\bwish(?:es)? (?:i|he|she) could (?:just )?disappear\b"),
    _rule("not want to be here", S, POSSIBLE,
          r"\b(?:do not|does not) (?:want|wish) to (?:be here|exist|wake up|carry on|go on|be around|keep going|"
          r"keep living)\b"),
    _rule("sleep and not wake", S, POSSIBLE,
          r"\b(?:sleep|go to sleep) (?:and )?(?:never|not) wake up\b|\bsleep forever\b|\bnever wake up\b"),
    _rule("cannot go on", S, POSSIBLE,
          rf"\bcannot (?:go on|carry on|keep going|keep on|hold on|cope|take it|take anymore|take any more|live like "
          rf"this|face (?:another day|life|living)|do life)(?: (?:anymore|any more|no more|any longer|much longer|like "
          rf"this|of this|of it|with (?:life|this|it all|everything))){{0,2}}{_END_OF_CLAUSE}|\bcannot (?:do this|do "
          rf"it|take this|handle (?:it|this|life)|cope) (?:anymore|any more|no more|any longer)\b"),
    _rule("cannot keep going", S, POSSIBLE,
          r"\b(?:how much longer|do not think|not sure|not strong enough|do not know if) (?:i can |to |i could )?"
          r"(?:keep going|keep living|go on|carry on|hold on)\b"),
    _rule("no point", S, POSSIBLE,
          r"\b(?:no|the|any) point (?:anymore|any more|in anything|of anything|in (?:me|going on|carrying on|trying|"
          r"being here|anything)|to anything|to (?:me|life|going on))\b|\bwhat is the point (?:of|in) (?:anything|"
          r"going on|carrying on|me|life|living|it all|trying|being here)\b|\bno point\b" + _END_OF_CLAUSE),
    _rule("no way out", S, POSSIBLE,
          r"\bno (?:way out|escape)\b|\b(?:i have|there is) no (?:future|hope)" + _END_OF_CLAUSE
          + r"|\bcannot see (?:a|any) (?:way out|future|end to this)\b|\b(?:feel|feeling|so|life is|everything is) "
          r"(?:hopeless|pointless)\b|\bnothing (?:left )?(?:to live for|left for me)\b"),
    _rule("better off without me", S, POSSIBLE,
          r"\bbetter (?:off )?without me\b|\b(?:everyone|everybody|family|kids|children|they|world|people|husband|"
          r"wife) (?:would|will|d|are|is) (?:be )?(?:better|happier) (?:off )?without\b"
          r"|\bif i (?:just )?(?:was|were) (?:not here|not around|gone|dead)\b|\b(?:better|easier|happier|relieved)"
          r"(?: \w+){0,3} if i (?:just )?(?:died|was gone|were gone|disappeared|was not here)\b|\b(?:time|better) "
          r"(?:that |if )?i "
          r"(?:was|were) (?:not here|not around|gone)\b"),
    _rule("burden", S, POSSIBLE, r"\bi am (?:such |just |only )?a burden\b|\bburden (?:to|on) (?:everyone|my)\b"),
    _rule("tired of living", S, POSSIBLE,
          r"\b(?:tired|sick) of (?:living|being alive|life|it all|everything)\b|\bdone with (?:life|living|it all)\b"
          r"|\bhad enough (?:of )?(?:life|living|this life|being alive|of everything|of it all)\b"
          r"|\b(?:cannot be bothered|done) with (?:life|living|everything|it all)\b|\bmy life is (?:over|finished)\b"
          r"|\bi am finished" + _END_OF_CLAUSE + r"|\bwant to disappear" + _END_OF_CLAUSE +
          r"|\bgiv(?:e|ing|en) up on (?:life|living|everything)\b|\bgiven up" + _END_OF_CLAUSE
          + r"|\bhad enough" + _END_OF_CLAUSE + r"|\bi am (?:so )?done" + _END_OF_CLAUSE),
    _rule("want it to end", S, POSSIBLE,
          r"\bwant (?:it|it all|everything|this|my life) (?:all )?to (?:stop|end|be over)\b"
          r"|\b(?:stop|end|over) (?:for good|forever|permanently)\b|\bwant out" + _END_OF_CLAUSE
          + r"|\bwant (?:it|it all|everything) (?:all )?over(?: with)?\b|\bgo to sleep and stay asleep\b"
          + r"|\b(?:pain|it) to end (?:for good|forever|permanently)\b"),
    _rule("not around much longer", S, POSSIBLE,
          r"\bnot (?:be |going to be |being )?(?:here|around) (?:much longer|for long|anymore|any more|for much longer)"
          r"\b|\bwill not be (?:a problem|a burden|here|around) (?:for )?(?:much )?longer\b|\bnot being (?:here|around)"
          r"\b|\bwill not be (?:here|around) (?:next week|tomorrow|by|for christmas|much)\b|\b(?:was|were) not here "
          r"tomorrow"
          r"\b|\bthink about not being\b"),
    _rule("nobody would miss me", S, POSSIBLE,
          r"\b(?:no one|nobody|noone|no body|you|they|anyone) (?:would|will|wd)? ?(?:not )?(?:even )?"
          r"(?:miss|notice|care)"
          r"(?: me)? if i (?:died|was gone|was dead|disappeared|was not here|killed myself)\b"
          r"|\bdisappear (?:forever|for good)\b"),
    _rule("goodbye", S, POSSIBLE,
          r"\bthis is goodbye\b|\bgoodbye (?:messages?|notes?|letters?|texts?)\b|\bsorry for everything\b"
          r"|\bgiv(?:e|ing|en) (?:away )?(?:all )?(?:my|his|her) (?:things|stuff|belongings|possessions)"
          r"(?: away)?\b|\bsorted (?:out )?my affairs\b|\bmy affairs in order\b|\bmade my mind up\b"
          r"|\btonight is the night\b|\b(?:saying|said|say) (?:my )?goodbyes\b"
          r"|\bsaying goodbye to (?:people|everyone|everybody)\b|\b(?:gone|went) (?:out )?saying goodbye\b"),
    _rule("warning signs", S, POSSIBLE, r"\bdo something stupid\b|\bmy own funeral\b|\bbeachy head\b"
          r"|\bend of my (?:rope|tether)" + _END_OF_CLAUSE),
    _rule("reasons to keep going", S, POSSIBLE,
          r"\b(?:run out of|no|lost all) reasons? to (?:keep going|live|carry on|stay)\b"),
    # -- self-harm
    _rule("self-harm word", SH, POSSIBLE, r"\bself (?:harm|harming|harmed|harmer|harms|injury|injuring|injure)\b"),
    _rule("harming oneself", SH, POSSIBLE,
          rf"\b(?:cut|cutting|cuts|burn|burning|burnt|burned|hit|hitting|punch|punching|scratch|scratching|hurt|"
          rf"hurting|hurts|harm|harming|harmed|punish|punishing|starve|starving|starved|injure|injuring|bite|biting)"
          rf" {_REFLEXIVE}\b"),
    _rule("cutting", SH, POSSIBLE,
          rf"\b(?:started|start|keep|keeps|been|back to|am|is|stop|stopped|was|relapsed) cutting(?: (?:again|for "
          rf"(?:a \w+|\d+ \w+|years|months|weeks|ages)|(?:my|his|her|their) (?:arms?|legs?|wrists?|skin|thighs?|"
          rf"stomach)))?{_END_OF_CLAUSE}|\bcutting (?:my|his|her|their) (?:arms?|legs?|wrists?|skin|thighs?)\b"
          rf"|\burges? to (?:cut|burn|hurt|self harm)\b|\b(?:want|wanted|need) to (?:cut|burn|hurt)(?: again)?"
          rf"{_END_OF_CLAUSE}|\b(?:fresh|new|deep) cuts\b|\bcuts on my (?:arms?|legs?|wrists?|thighs?)\b"
          rf"|\brelapsed and cut\b|\bcut (?:too|so|really) deep\b|\bcut deeper\b|\b(?:till|until) (?:they|it|i|"
          rf"my \w+) bleeds?\b|\bhead (?:against|on) (?:the )?walls?\b"
          rf"|\b(?:cut|cutting|slit|slitting|slash|slashed|slashing|burn|burning|burnt|burned|scratch|scratching|carve|"
          rf"carving|carved) (?:my|his|her|their) (?:wrists?|arms?|legs?|thighs?|skin|stomach|body)\b"
          rf"|\b(?:blade|blades|razor|razors)\b(?: \w+)?(?: out| again| to cut| on my)\b"),
    _rule("bleeding", SH, CLEAR,
          r"\b(?:bleeding|blood) (?:and )?(?:cannot|will not|wont|does not|not) (?:stop|stopping)\b"
          r"|\bcuts? (?:are|is|were|was) (?:really |so |too |very )?deep\b"
          r"|\b(?:will not|cannot|does not) stop bleeding\b|\bcut (?:too|so) deep\b", act=True),
    # -- danger from someone else
    _rule("threat to kill or hurt me", D, CLEAR,
          rf"\b{_PERSON}\b(?: \w+){{0,4}}? (?:will|would|going to|gonna|is going to|threatening to|threatened to|"
          rf"threatens to|says (?:he|she|they) will|said (?:he|she|they) (?:will|would)) {_HARM_VERB} "
          rf"(?:me|us|my (?:kids|children|baby|son|daughter|mum|dad))\b"),
    _rule("threat to burn", D, CLEAR,
          rf"\bthreat\w* to (?:burn|set fire|torch)\b|\bthreat\w* to (?:\w+ ){{0,4}}?{_HARM_VERB} (?:me|us)\b"
          r"|\b(?:scared|fear|fearing|afraid|frightened|terrified) for (?:my|our) (?:life|lives|safety)\b"),
    _rule("will not live to see", D, CLEAR, r"\bi will not live to see\b|\bi will be dead (?:by|when|if)\b"),
    _rule("strangled", D, CLEAR,
          rf"\b{_PERSON}\b(?: \w+){{0,3}}? (?:strangled|strangles|strangling|choked|chokes|choking) me\b"),
    _rule("danger now", D, CLEAR,
          r"\b(?:has|got|with|holding) (?:a|his|her) (?:knife|gun|weapon|machete|hammer)\b|\btrying to (?:break|get|"
          r"force (?:his|her|their) way) in(?:to)?\b|\bbanging on the door\b|\bwill not let me (?:out|leave|go)\b"
          r"|\blocked (?:me )?in (?:the|my) \w+\b"
          r"|\b(?:he|she|they) (?:is|are) on (?:his|her|their) way\b|\bi am in danger\b|\bwe are in danger\b"),
    _rule("violence against me", D, POSSIBLE,
          rf"\b{_PERSON}\b(?: \w+){{0,6}}? (?:hits|hit|hitting|beats|beat|beating|punched|punches|punching|kicked|"
          rf"kicks|kicking|pushed|pushes|slapped|slaps|attacked|attacks|raped|rapes|hurts|hurting|hurt|abuses|"
          rf"abused|abusing|touches|touched|touching|bit|bites|threatening|threatens|threatened|assaulted|"
          rf"is following|keeps following|following) me\b"),
    _rule("sexual violence or assault", D, POSSIBLE,  # with no one named ("I was raped", "I got spiked")
          r"\bi (?:was|have been|had been|got|am being|been) (?:raped|sexually (?:assaulted|abused)|molested|groped|"
          r"spiked|beaten up)\b|\b(?:raped|sexually (?:assaulted|abused)|molested|groped|spiked) me\b"),
    _rule("abuse at home", D, POSSIBLE,
          rf"\bi am being (?:abused|hurt|beaten|hit|threatened|controlled|forced)\b|\b(?:threatening|threatens|"
          rf"threatened) me\b|\b(?:escape|flee|run away) from (?:him|her|them|{_PERSON})\b|\b{_PERSON} (?:is|are) "
          rf"(?:violent|abusive|dangerous)\b|\bbruises (?:\w+ )?from (?:him|her|them)\b|\bforc(?:e|ed|ing) me to "
          rf"marry\b|\bbeing forced to marry\b|\bget away from (?:him|her|them)\b"
          rf"|\bneed (?:a )?refuge\b"),
    _rule("scared of someone", D, POSSIBLE,
          rf"\b(?:scared|frightened|terrified|afraid) (?:of (?:him|her|{_PERSON})\b|to go (?:back )?home\b|"
          rf"(?:of )?what (?:he|she|they) (?:will|might|would|could) do\b|(?:he|she|they) (?:will|might|is going to) "
          rf"(?:find|hurt|kill|come|get)\b)"),
    _rule("not safe at home", D, POSSIBLE,
          r"\b(?:not|do not feel|never feel|feel un|am not|is not) ?safe (?:at home|to go (?:back )?home|here|with "
          r"(?:him|her|them|my \w+)|tonight|in (?:my|our) (?:own )?(?:home|house|flat)|going home)\b"
          r"|\bi am not safe\b|\bunsafe at home\b"),
)

RULE_NAMES = tuple(rule.name for rule in _RULES)

# --------------------------------------------------------------------------------------------- 4. context rules

_RULE_WORDS = frozenset(
    word
    for source in [rule.pattern.pattern for rule in _RULES] + [pattern.pattern for _, pattern in _BENIGN]
    for word in re.findall(r"[a-z]{3,}", source)
)
_MASK = " ~ "
_CLAUSE = re.compile(r"[.!?;]| but | because ")
_OTHER_SUBJECT = re.compile(
    rf"\b(?:he|she|they|him|his|her|their|someone|somebody|{_RELATIVE}|client|patient|student|lad|teenager|flatmate|"
    r"housemate|grandson|granddaughter)\b"
)
_SELF_SUBJECT = re.compile(r"\b(?:i|me|my life|myself)\b")
_IMMINENT = re.compile(
    r"\b(?:tonight|right now|today|going to|about to|planning|plan to|threatening to|not answering|will not open|"
    r"not picking up|locked|knife|rope|on the bridge|suicide note)\b"
)
_DISTANT_PAST = re.compile(
    r"\b(?:used to|years ago|year ago|last year|in the past|when i was (?:younger|young|a teenager|a kid|at school|"
    r"\d+)|as a (?:teenager|kid|child)|history of|previously|a while ago|months ago|in (?:19|20)\d\d)\b"
)
_JOKING = re.compile(r"\b(?:lol|lmao|lmfao|haha+|jk|jokes|joking)\b")
# Harm from someone else that is sexual, or written by a child ("i am 15 and my stepdad hits me"): the reply adds
# the Rape Crisis line and Childline, or Childline.
CHILDLINE_AGE = 19  # Childline is for anyone under 19
_WRITERS_AGE = re.compile(r"\bi am (?:only |just )?(\d{1,2})(?: years old| yrs old| year old)?\b(?! (?:weeks|months))")
_SEXUAL_VIOLENCE = re.compile(
    r"\b(?:rap(?:e|ed|es|ing)|sexual(?:ly)? (?:assault(?:ed|s|ing)?|abuse[ds]?|abusing)|molest(?:ed|s|ing)?|"
    r"grop(?:ed|es|ing)|touch(?:es|ed|ing) me)\b"
)
_HOME_SAFETY = re.compile(
    r"\b(?:fall|falls|fell|falling|stairs|grab rails?|rails|frail|mobility|equipment|fire|heater|heating|alarm|"
    r"pendant|keysafe|dementia|on (?:her|his|my) own|alone|hip|walking|trip|trips|slip)\b"
)
_DANGER_CUE = re.compile(
    r"\b(?:with|from|of) (?:him|her|them|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|son|stepdad))\b"
    r"|\b(?:hits|hurts|threat\w*|violent|abus\w*|scared|frightened|afraid|terrified)\b"
)
_GRIEF = re.compile(r"\b(?:bereaved|bereavement|grief|grieving|died|death|lost|loss|losing|funeral|widow\w*)\b")
_ACCIDENT = re.compile(
    r"\b(?:fell|fall|falling|tripped|slipped|lifting|accident|accidentally|shaving|cooking|oven|gardening|playing|"
    r"at work|at the gym|sport|football|dog)\b"
)


def assess(text: str) -> Assessment:
    """How strongly `text` suggests crisis, about whom, and which rule decided (English, then the phrases of the
    other languages the bot speaks)."""
    canon = canonical(text)
    found = _assess(canon)
    if found.is_crisis:
        if found.concern is Concern.HARM_FROM_OTHERS:
            young = (age := _WRITERS_AGE.search(canon)) is not None and int(age.group(1)) < CHILDLINE_AGE
            return replace(found, sexual_violence=bool(_SEXUAL_VIOLENCE.search(canon)), young_writer=young)
        return found
    other = _assess_other_languages(text)
    return other if other.is_crisis else found


# ------------------------------------------------------------------------------ other languages (issue 17)
# Common first-person ways of saying it in the languages Signpost speaks, matched without accents ("chcę umrzeć"
# and "chce umrzec" alike). Far smaller than the English rules: they catch the plain statements, not every
# wording, so a message in these languages that is missed still gets the crisis contacts from /help and the
# welcome. Bare stems ("samobójstwo", "sinucidere") are only POSSIBLE: they also name support services. They run
# only when the English rules found nothing, so nothing here may also be an English word.
_OTHER_LANGUAGE_PHRASES: tuple[tuple[str, Concern, Level, str], ...] = (
    # Polish
    ("pl", Concern.SUICIDE, Level.CLEAR, r"\b(chce|chcialbym|chcialabym) (umrzec|sie zabic|skonczyc ze soba)\b"),
    ("pl", Concern.SUICIDE, Level.CLEAR, r"\b(zabije sie|odbiore sobie zycie|nie chce (juz )?zyc)\b"),
    ("pl", Concern.SELF_HARM, Level.CLEAR, r"\b(tne sie|okaleczam sie|zrobie sobie krzywde)\b"),
    ("pl", Concern.OVERDOSE, Level.CLEAR,
     r"\b(wzialem|wzielam|polknalem|polknelam|lyknalem|lyknelam) wszystkie tabletki\b"),
    ("pl", Concern.HARM_FROM_OTHERS, Level.POSSIBLE, r"\b(bije mnie|on mnie bije|ona mnie bije|boje sie go)\b"),
    ("pl", Concern.SUICIDE, Level.POSSIBLE, r"\bsamobojst"),
    # Portuguese
    ("pt", Concern.SUICIDE, Level.CLEAR, r"\b(quero morrer|me matar|matar-me|nao quero (mais )?viver)\b"),
    ("pt", Concern.SUICIDE, Level.CLEAR, r"\b(acabar com a minha vida|tirar a minha (propria )?vida)\b"),
    ("pt", Concern.SELF_HARM, Level.CLEAR, r"\b(me cortar|cortar-me|me corto|magoar-me)\b"),
    ("pt", Concern.OVERDOSE, Level.CLEAR, r"\btomei todos os comprimidos\b"),
    ("pt", Concern.HARM_FROM_OTHERS, Level.POSSIBLE, r"\b(ele me bate|ele bate-me|tenho medo dele)\b"),
    # (no bare "suicid" stem: it is the English word too, whose benign uses the English rules have already cleared)
    # Lithuanian
    ("lt", Concern.SUICIDE, Level.CLEAR, r"\b(noriu mirti|noriu nusizudyti|nusizudysiu|nenoriu (daugiau )?gyventi)\b"),
    ("lt", Concern.SUICIDE, Level.CLEAR, r"\b(pasidarysiu sau gala|atimsiu sau gyvybe)\b"),
    ("lt", Concern.SELF_HARM, Level.CLEAR, r"\b(pjaustau save|save zaloju|susizalosiu)\b"),
    ("lt", Concern.OVERDOSE, Level.CLEAR, r"\b(isgeriau|prarijau) visas tabletes\b"),
    ("lt", Concern.HARM_FROM_OTHERS, Level.POSSIBLE, r"\b(jis mane musa|bijau jo)\b"),
    ("lt", Concern.SUICIDE, Level.POSSIBLE, r"\bsavizud"),
    # Romanian
    ("ro", Concern.SUICIDE, Level.CLEAR, r"\b(vreau sa mor|vreau sa ma omor|ma sinucid|ma omor)\b"),
    ("ro", Concern.SUICIDE, Level.CLEAR, r"\b(nu mai vreau sa traiesc|sa-mi iau viata|imi iau viata)\b"),
    ("ro", Concern.SELF_HARM, Level.CLEAR, r"\b(ma tai pe maini|sa ma tai|ma autoranesc)\b"),
    ("ro", Concern.OVERDOSE, Level.CLEAR, r"\bam (luat|inghitit) toate pastilele\b"),
    ("ro", Concern.HARM_FROM_OTHERS, Level.POSSIBLE, r"\b(ma bate|mi-e frica de el)\b"),
    ("ro", Concern.SUICIDE, Level.POSSIBLE, r"\bsinucid"),
    # Spanish (searched often enough to carry the vocabulary; not a shipped interface language)
    ("es", Concern.SUICIDE, Level.CLEAR, r"\b(quiero morir(me)?|matarme|no quiero vivir|quitarme la vida)\b"),
)
_COMPILED_OTHER = tuple((lang, concern, level, re.compile(pattern))
                        for lang, concern, level, pattern in _OTHER_LANGUAGE_PHRASES)
_NO_ACCENTS = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "’": "'", "ʼ": "'"})
CRISIS_LANGUAGES = tuple(dict.fromkeys(lang for lang, *_ in _OTHER_LANGUAGE_PHRASES))


def plain_letters(text: str) -> str:
    """Lower case without accents: 'Chcę umrzeć' -> 'chce umrzec', 'să mor' -> 'sa mor'."""
    decomposed = unicodedata.normalize("NFKD", normalise(text).translate(_NO_ACCENTS).lower())
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())


def _assess_other_languages(text: str) -> Assessment:
    plain = plain_letters(text)
    best = Assessment()
    for lang, concern, level, pattern in _COMPILED_OTHER:
        if _RANK[level] > _RANK[best.level] and pattern.search(plain):
            best = Assessment(level, concern, rule=f"{lang}:{concern.value}")
    return best


def suggests_crisis(text: str) -> bool:
    """True when the text suggests crisis at either level."""
    return assess(text).is_crisis


def _assess(canon: str, *, about_patient: bool = False) -> Assessment:
    """`about_patient`: staff writing about their patient, so 'he will kill himself' weighs as if he said it."""
    masked, bereavement = _masked(canon)
    best = Assessment(bereavement=bereavement)
    for rule in _RULES:
        for match in rule.pattern.finditer(masked):
            found = _judge(rule, masked, match, bereavement, about_patient)
            if found is not None and _RANK[found.level] > _RANK[best.level]:
                best = found
    return best


def _masked(canon: str) -> tuple[str, bool]:
    """The text with its benign phrases masked, and whether one of them was a bereavement by suicide."""
    bereavement = False
    for kind, pattern in _BENIGN:
        canon, count = pattern.subn(_MASK, canon)
        bereavement = bereavement or (kind == "bereavement" and count > 0)
    return canon, bereavement


def _judge(rule: _Rule, text: str, match: re.Match[str], bereavement: bool, about_patient: bool) -> Assessment | None:
    clause = _clause_around(text, match.start(), match.end())
    if rule.name == "not safe at home" and _HOME_SAFETY.search(text) and not _DANGER_CUE.search(text):
        return None
    if rule.name == "harming oneself" and _ACCIDENT.search(clause):
        return None
    if rule.name == "suicide word" and _GRIEF.search(text):  # a bereaved family is asked, never blocked
        return Assessment(Level.POSSIBLE, rule.concern, False, rule.name, bereavement)
    if rule.concern is Concern.HARM_FROM_OTHERS and _DISTANT_PAST.search(clause):
        return None  # "my ex used to hit me years ago": past abuse; support, not an emergency
    someone_else = not about_patient and rule.concern is not Concern.HARM_FROM_OTHERS and _about_someone_else(
        text, match
    )
    level = rule.level
    if _DISTANT_PAST.search(clause):  # "I overdosed in 2019", "I used to self-harm": history, not danger now
        level = Level.POSSIBLE
    elif rule.concern in (Concern.SUICIDE, Concern.SELF_HARM) and not rule.act:
        if (someone_else and not _IMMINENT.search(text)) or _JOKING.search(text):  # reported, not now; "lol"
            level = Level.POSSIBLE
        elif rule.concern is Concern.SELF_HARM and not someone_else and _IMMINENT.search(clause):
            level = Level.CLEAR
    return Assessment(level, rule.concern, someone_else, rule.name, bereavement)


def _clause_around(text: str, start: int, end: int) -> str:
    before = [m.end() for m in _CLAUSE.finditer(text, 0, start)]
    after = _CLAUSE.search(text, end)
    return text[before[-1] if before else 0 : after.start() if after else len(text)]


def _about_someone_else(text: str, match: re.Match[str]) -> bool:
    """Whether the matched words are about someone else: a third-person word in the match itself, else the nearest
    subject before it in the same clause ('my son says he wants to die' vs 'I want to die')."""
    span = match.group(0)
    if re.search(r"\b(?:himself|herself|themselves|his|her|their)\b", span):
        return True
    if re.search(r"\b(?:myself|my|me|i)\b", span):
        return False
    before = text[: match.start()]
    clause_start = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    for window in (before[clause_start:], before):
        others = [m.end() for m in _OTHER_SUBJECT.finditer(window)]
        selves = [m.end() for m in _SELF_SUBJECT.finditer(window)]
        if others or selves:
            return max(others, default=-1) > max(selves, default=-1)
    return False


# ------------------------------------------------------------------------------------------- referral risks

_RISK_MENTION: tuple[tuple[Concern, re.Pattern[str]], ...] = (
    (Concern.SUICIDE, re.compile(r"\b(?:suicid\w*|si|ideation|ligatures?|kill (?:himself|herself|themselves|myself)"
                                 r"|end (?:his|her|their) (?:own )?life)\b")),
    (Concern.SELF_HARM, re.compile(r"\b(?:self harm\w*|self injur\w*|dsh|sh|cutting|harm to self|risk to self)\b")),
    (Concern.OVERDOSE, re.compile(r"\b(?:overdos\w*|ods?)\b")),
    (Concern.HARM_FROM_OTHERS, re.compile(r"\b(?:domestic (?:abuse|violence)|dv|abuse|abused|abusive|coercive|"
                                          r"assault\w*|violence from|at risk from)\b")),
)


_CLINICAL_NEGATION = re.compile(
    r"\b(?:denies|denied|denying|no|nil|not|without|none|negative for|no evidence of|no current)\b"
)


def assess_risks(text: str) -> Assessment:
    """A ward's 'risks' answer (about the patient, written by staff): the detector's finding, never CLEAR when it
    holds a clinical negation ('denies suicidal ideation'), and at least POSSIBLE when it merely mentions a crisis
    concern (history, shorthand like DSH, SI or OD, even 'no self-harm') — the link worker reads it first."""
    canon = canonical(text)
    found = _assess(canon, about_patient=True)
    if found.level is Level.CLEAR and _CLINICAL_NEGATION.search(canon):
        return replace(found, level=Level.POSSIBLE)
    if found.is_crisis:
        return found
    for concern, pattern in _RISK_MENTION:
        if pattern.search(canon):
            return Assessment(Level.POSSIBLE, concern, rule=f"mentions {concern.value}")
    return found


def risk_flag_note(level: str, concern: str) -> str:
    """The line shown on a flagged case (team post and case card): no patient text, just what to do."""
    if not level or level == Level.NONE:
        return ""
    label = CONCERN_LABELS.get(Concern(concern), "a crisis risk") if concern else "a crisis risk"
    current = " and may mean current danger" if level == Level.CLEAR else ""
    return f"⚠ Risk flag: the risks mention {label}{current}. Read them before contact."


# ------------------------------------------------------------------------------------------------ what to say

CONTACT_LINES = (
    N_("• In danger now, or someone is hurt or has taken an overdose: call 999."),
    N_("• NHS 111: call 111 and choose the mental health option (24/7)."),
    N_("• Samaritans: call 116 123, free, any time, day or night."),
    N_("• Shout: text SHOUT to 85258, free, 24/7."),
)
ABUSE_LINES = (
    N_("• If you can't speak, call 999 from a mobile, stay on the line and press 55 when asked."),
    N_("• National Domestic Abuse Helpline: 0808 2000 247, free, 24/7."),
)
# National lines (Rape Crisis: England and Wales; Childline: the whole UK), with whom each service says it is for.
RAPE_CRISIS_LINE = N_("• Rape Crisis 24/7 Support Line, for anyone 16 or over affected by rape or sexual abuse: "
                      "0808 500 2222, free.")
CHILDLINE = N_("• Childline, if you are under 19: 0800 1111, free, any time.")
CONTACTS = "\n".join(CONTACT_LINES)
ABUSE_CONTACTS = "\n".join(ABUSE_LINES)
NOT_WATCHED = N_("This bot is not watched by a person, so it can't send help or answer in an emergency.")
UK_NUMBERS = ("999", "111", "116 123", "85258", "SHOUT", "0808 2000 247", "55", "0808 500 2222", "0800 1111")  # as is
IN_DANGER_FROM_SOMEONE = N_("It sounds like you may be in danger from someone. If you are in danger now, call 999.")
SOMEONE_IN_DANGER = N_("It sounds like someone may be in danger. If they have hurt themselves, taken an overdose "
                       "or may act on it now, call 999. Stay with them if it is safe to.")
REALLY_HARD = N_("It sounds like things are really hard right now. You don't have to face this alone.")
IS_EVERYONE_SAFE = N_("Before I go on: is everyone safe right now?")
ARE_YOU_SAFE = N_("Before I go on: are you safe right now?")


def _lines(lines: tuple[str, ...], t: Translate) -> str:
    return "\n".join(t(line) for line in lines)


def _abuse_lines(found: Assessment, t: Translate) -> str:
    """The lines for harm from someone else: with the Rape Crisis line and Childline when the message names sexual
    violence, with Childline when its writer says they are under 19."""
    extra = (RAPE_CRISIS_LINE,) if found.sexual_violence else ()
    if found.sexual_violence or found.young_writer:
        extra += (CHILDLINE,)
    return _lines(ABUSE_LINES + extra, t)


def emergency_reply(found: Assessment, t: Translate = english) -> str:
    """The reply for clear danger (or 'I need help now'): the contacts at once, nothing else — in the person's
    language (`t`), with the UK numbers exactly as in English."""
    contacts, not_watched = _lines(CONTACT_LINES, t), t(NOT_WATCHED)
    if found.concern is Concern.HARM_FROM_OTHERS:
        return f"{t(IN_DANGER_FROM_SOMEONE)}\n\n{contacts}\n{_abuse_lines(found, t)}\n\n{not_watched}"
    opening = t(SOMEONE_IN_DANGER) if found.about_someone_else else t(REALLY_HARD)
    return f"{opening}\n\n{contacts}\n\n{not_watched}"


def safety_question(found: Assessment, t: Translate = english) -> str:
    """The gentle check for a POSSIBLE crisis, with the contacts in case they don't tap anything."""
    question = t(IS_EVERYONE_SAFE) if found.about_someone_else else t(ARE_YOU_SAFE)
    extra = f"\n{_abuse_lines(found, t)}" if found.concern is Concern.HARM_FROM_OTHERS else ""
    return f"{question}\n\n{_lines(CONTACT_LINES, t)}{extra}\n\n{t(NOT_WATCHED)}"


def staff_search_note(text: str, then: str = "Services for your search are below.") -> str:
    """For a link worker's search (or other words they type) inside a case: never blocks; a reminder when the words
    suggest danger now. 'suicide prevention' or 'self-harm support' finds services without a note."""
    found = assess(text)
    if found.level is not Level.CLEAR:
        return ""
    return (
        "If your client may be in danger now: call 999, or NHS 111 and choose the mental health option, and follow "
        f"your safeguarding procedure. {then}"
    )


def referral_guidance(found: Assessment) -> str:
    """For the referrer when the risks suggest crisis: this service is not for crisis; what to do instead."""
    label = CONCERN_LABELS[found.concern] if found.concern else "a crisis risk"
    if found.level is Level.CLEAR:
        first = (
            f"⚠ These risks suggest {label} and possible danger now. Social prescribing is not a crisis service and "
            "cannot take patients who are actively suicidal, severely self-harming or in mental health crisis."
        )
    else:
        first = f"⚠ These risks mention {label}."
    return (
        f"{first}\n\n"
        "If the patient is at risk now, please follow your ward's procedure today: the mental health liaison or "
        "crisis team (NHS 111, mental health option, out of hours), a safeguarding referral if someone is at risk "
        "from others, and 999 in an emergency.\n\n"
        "If you send this referral, the case will be flagged so the link worker and the team see it and read the "
        "risks before contact."
    )


MISPLACED_RISK = (  # a referrer typed crisis words into a question that isn't about risks
    "That sounds like a risk or safety concern, so I haven't saved it as the answer to this question. Risks have "
    "their own question in this form. If anyone is in danger now, follow your ward's emergency procedure (999 in an "
    "emergency)."
)
