"""The bad-input corpus (issue 6): hostile or odd inputs for every conversation, and what a user should see.

Pure data. `tests/test_bad_input_corpus.py` runs each `Case` through the real bot and checks that it got a clear,
kind reply (`expect`), that nothing crashed, that only the tables in `changes` changed, and that nothing
identifiable was logged. Payloads may use placeholders filled in by the case's `setup`:
{v} / {v_old} (current / earlier dialog version), {ref_new} (unclaimed), {ref_mine} (claimed by WORKER),
{ref_other} (claimed by OTHER_WORKER), {ref_closed}, {ref_missing} (well-formed, never issued), {code} (an invite
or check-in code), {fu} (a follow-up id).

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from _pytest.mark.structures import ParameterSet

ADMIN, NURSE, WORKER, OTHER_WORKER, CLIENT, OTHER_CLIENT, NEWBIE = 1000, 2001, 3001, 3002, 4001, 4002, 5001
ACTOR_NAMES = {ADMIN: "admin", NURSE: "nurse", WORKER: "worker", OTHER_WORKER: "other_worker",
               CLIENT: "client", OTHER_CLIENT: "other_client", NEWBIE: "newbie"}  # fmt: skip

# --------------------------------------------------------------------------------------- what users should see
STALE = "button has expired"
OUT_OF_DATE = "out of date"
EARLIER = "from an earlier question"
NOT_STAFF = "only for (registered staff|link workers|admins)"  # clients: "staff"; staff: the role needed (issue 17)
PRIVATE = "private chat"
VERY_LONG = "(very|too) long"  # issue 17: mid-referral "too long … your referral so far is kept"
BIT_LONG = "a bit long"
EMPTY = "looks empty"
TEXT_ONLY = "only read typed words"
USE_BUTTONS = "Please use the buttons"
SEARCHED = "Here's what I found|couldn't find a service"
CRISIS = "call 999.*116 123"
NOT_FOUND_CASE = "couldn't find that case"
CODE_FAILED = "code didn't work"
PERIOD_HELP = "Say which period you want"
NO_ROLE = "Which role\\?"
JOIN_HOW = "Please send /join followed by your invite code"
ANOTHER_WORKER = "belongs to another link worker"

# ---------------------------------------------------------------------------------------------- hostile texts
HUGE = ("I need help with my bills and my rent please " * 100)[:4096]  # exactly 4096 characters
TEXTS: dict[str, str] = {
    "huge_4096": HUGE,
    "emoji_4096_utf16": "👍" * 2048,  # 4096 UTF-16 code units: Telegram's limit
    "long_600": "help " * 120,
    "control_chars": "J\x00S\x1b[0m\x07",
    "control_only": "\x00\x01\x1b\x7f",
    "whitespace_only": " \t\n \u3000 ",
    "punctuation_only": "?!...,;:",
    "rtl_override": "\u202eJS\u202c",
    "rtl_arabic": "أحتاج مساعدة",
    "emoji_zwj": "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈",
    "zero_width_only": "\u200b\u200c\u200d\u2060\ufeff",
    "zero_width_inside": "J\u200bS",
    "combining_zalgo": "Z\u0337\u0322\u031ba\u0334l\u0338g\u0336o\u0335",
    "fullwidth_digits": "９４３４７６５９１９",
    "fullwidth_letters": "ＪＳ",
    "sql_drop": "'; DROP TABLE referral;--",
    "sql_or": "' OR 1=1 --",
    "html": "<b>bold</b><script>alert(1)</script>",
    "markdown": "*_[`",
    "backslash": "\\",
    "markdown_link": "[tap](tg://user?id=1)",
    "formula_hyperlink": '=HYPERLINK("http://x.example","x")',
    "formula_plus": "+cmd|' /C calc'!A0",
    "formula_at": "@SUM(1+1)",
    "path_traversal": "../../../etc/passwd",
    "null": "null",
    "None": "None",
    "undefined": "undefined",
    "format_string": "%s %n {0} {}",
    "crlf_log_injection": "ok\r\nINFO forged log line",
    "dashes_slashes": "---///",
}
TOO_LONG = {"huge_4096": VERY_LONG, "emoji_4096_utf16": VERY_LONG, "long_600": BIT_LONG}
BLANK = ("control_only", "whitespace_only", "zero_width_only")

@dataclass(frozen=True)
class Outcome:
    """What the user should see (`expect`, a regex), which tables may change, and the dialog step afterwards."""

    expect: str
    changes: frozenset[str] = frozenset()
    step_after: str | None = None  # "dialog name:step" of the acting user's dialog afterwards


@dataclass(frozen=True)
class Case:
    """One hostile input: who sends what (after `setup`), in which chat, and the outcome a user should notice."""

    conversation: str
    setup: str
    actor: int
    kind: str  # "text" (also commands), "callback", "sticker", "photo"
    payload: str
    outcome: Outcome
    chat: str = "private"  # "private" (the actor's own chat), "group", "team" (the link-worker team chat)
    private_text: bool = False  # the payload is personal: it must never reach the logs
    frozen_at: datetime | None = None  # run under this (UTC) clock
    label: str = field(default="", compare=False)


def case(
    conversation: str,
    label: str,
    setup: str,
    actor: int,
    kind: str,
    payload: str,
    outcome: Outcome,
    **extra: object,
) -> ParameterSet:
    item = Case(conversation, setup, actor, kind, payload, outcome, label=label, **extra)  # type: ignore[arg-type]
    return pytest.param(item, id=f"{conversation}-{ACTOR_NAMES[actor]}-{label}")


def typed(
    conversation: str,
    setup: str,
    actor: int,
    outcomes: Iterable[tuple[Outcome, Iterable[str]]],
) -> list[ParameterSet]:
    """Cases typing TEXTS[label] for each label listed under its expected outcome."""
    return [
        case(conversation, label, setup, actor, "text", TEXTS[label], outcome, private_text=True)
        for outcome, labels in outcomes
        for label in labels
    ]  # fmt: skip


def too_long_or_blank() -> list[tuple[Outcome, list[str]]]:
    """Over-long and blank text: a kind 'too long' / 'looks empty' and nothing changes."""
    return [*((Outcome(expect), [label]) for label, expect in TOO_LONG.items()),
            (Outcome(EMPTY), list(BLANK))]  # fmt: skip


def not_text(conversation: str, setup: str, actor: int, expect: str = TEXT_ONLY) -> list[ParameterSet]:
    """A sticker and a captioned photo where typed words are expected: explained kindly, nothing changes."""
    return [
        case(conversation, "sticker", setup, actor, "sticker", "", Outcome(expect)),
        case(conversation, "photo", setup, actor, "photo", "'; DROP TABLE referral;--", Outcome(expect)),
    ]


def taps(conversation: str, setup: str, actor: int, outcome: Outcome, data: Iterable[str],
         chat: str = "private") -> list[ParameterSet]:  # fmt: skip
    """Forged or stale button taps (callback data, placeholders allowed), each with the same expected outcome."""
    return [
        case(conversation, _label(item), setup, actor, "callback", item, outcome, chat=chat)
        for item in data
    ]  # fmt: skip


def messages(conversation: str, setup: str, actor: int, outcome: Outcome, texts: Iterable[str], chat: str = "private",
             private_text: bool = False) -> list[ParameterSet]:  # fmt: skip
    """Typed messages or commands (the full text), each with the same expected outcome."""
    return [
        case(conversation, _label(text), setup, actor, "text", text, outcome, chat=chat, private_text=private_text)
        for text in texts
    ]  # fmt: skip


def _label(payload: str) -> str:
    """A short, readable, ASCII test id for a payload."""
    shown = payload.encode("ascii", "backslashreplace").decode()
    return shown if len(shown) <= 40 else f"{shown[:30]}...({len(payload)})"


# ------------------------------------------------------------------------------------------------ the corpus
DIALOG = frozenset({"dialog_state"})
SEARCH_CHANGES = frozenset({"dialog_state", "unmet_search"})
HOSTILE_WORDS = ("sql_drop", "sql_or", "html", "markdown", "backslash", "markdown_link", "formula_hyperlink",
                 "formula_plus", "formula_at", "path_traversal", "null", "None", "undefined",
                 "format_string")  # fmt: skip


def _search_cases() -> list[ParameterSet]:
    searched = Outcome(SEARCHED, SEARCH_CHANGES, "search:results")
    # A search may be a whole Telegram message (issue 13): long texts are searched, not refused.
    no_words = ["punctuation_only", "emoji_zwj", "markdown", "backslash", "dashes_slashes", "emoji_4096_utf16"]
    found_anything = [label for label in TEXTS if label not in (*BLANK, *no_words)]
    crisis = Outcome(CRISIS)
    return [
        *typed("search", "none", CLIENT, [(Outcome(EMPTY), list(BLANK)), (searched, found_anything),
                                          (Outcome("needs some letters or numbers"), no_words)]),
        *not_text("search", "none", CLIENT, expect="I can only read typed words. Type what you need"),
        *messages("search", "none", CLIENT, crisis, ["I WANT TO DIE", "ｉ ｗａｎｔ ｔｏ ｄｉｅ", "\u202ei want to die"],
                  private_text=True),
        *messages("search", "none", CLIENT, crisis, ["i want to d\u200bie"], private_text=True),
        *messages("find", "none", CLIENT, searched, ["/find '; DROP TABLE service;--", "/find <b>food</b> bank",
                  "/find =HYPERLINK(\"x\")", "/find ../../etc/passwd", "/find null"], private_text=True),
        *messages("find", "none", CLIENT, Outcome("What do you need help with"), ["/find", "/find \u3000 \t"]),
        *messages("find", "none", CLIENT, Outcome(EMPTY), ["/find \u200b\u200b", "/find \x00\x1b"]),
        *messages("find", "none", CLIENT, searched, ["/find " + HUGE[:4090]], private_text=True),
        *messages("find", "none", CLIENT, crisis, ["/find overdose"], private_text=True),
    ]  # fmt: skip


def _area_cases() -> list[ParameterSet]:
    unknown = Outcome("I don't know that place")
    shown = Outcome(SEARCHED, DIALOG, "search:results")
    odd_but_valid = ["ＮＲ３", "NR3\u200b", "\u202eNR3\u202c"]
    return [
        *typed("area", "area", CLIENT, [
            (unknown, ["huge_4096", "emoji_4096_utf16", "long_600",
                       "control_only", "whitespace_only", "zero_width_only", "punctuation_only",
                       "rtl_arabic", "emoji_zwj", "combining_zalgo", "fullwidth_digits", *HOSTILE_WORDS]),
        ]),
        *not_text("area", "area", CLIENT, expect="I can only read typed words"),
        *messages("area", "area", CLIENT, shown, ["  nOrWiCh  ", "nr3 4ab", "Kings Lynn"], private_text=True),
        *messages("area", "area", CLIENT, shown, odd_but_valid, private_text=True),
        *messages("area", "area", CLIENT, Outcome(CRISIS), ["i want to die"], private_text=True),
    ]  # fmt: skip


REFER_NEXT = {
    "initials": "Hospital number",
    "hospital_ref": "NHS number",
    "nhs_number": "Which ward or area",
    "ward": "Reasons for referral",
    "risks": "Best way for the link worker",
    "discharge": "Please check the referral",
}
REFER_ORDER = ("consent", "consent_gp", "initials", "hospital_ref", "nhs_number", "ward", "reasons", "urgency",
               "risks", "contact_route", "discharge", "confirm")  # fmt: skip
TEXT_STEPS = ("initials", "hospital_ref", "nhs_number", "ward", "risks", "discharge")
PUNCTUATION = ["punctuation_only", "markdown", "backslash", "dashes_slashes"]
NO_WORDS = [*PUNCTUATION, "emoji_zwj"]  # nothing a person could read as an answer
PUNCTUATION_REFUSED = Outcome("looks empty|letters|numbers|words")
FREE_TEXT_OK = ["control_chars", "rtl_override", "rtl_arabic", "zero_width_inside", "combining_zalgo",
                "fullwidth_letters", "sql_drop", "sql_or", "html", "markdown_link", "formula_hyperlink",
                "formula_plus", "formula_at", "path_traversal", "format_string", "crlf_log_injection"]  # fmt: skip
NOT_A_CODE = ["control_chars", "punctuation_only", "rtl_override", "rtl_arabic", "emoji_zwj", "zero_width_inside",
              "combining_zalgo", "fullwidth_letters", "sql_drop", "sql_or", "html", "markdown", "backslash",
              "markdown_link", "formula_hyperlink", "formula_plus", "formula_at", "path_traversal", "format_string",
              "crlf_log_injection"]  # fmt: skip
INITIALS_OK = ["rtl_override", "zero_width_inside", "fullwidth_letters"]  # all read as "JS"
TODAY_IN_CORPUS = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _accepted(step: str) -> Outcome:
    following = REFER_ORDER[REFER_ORDER.index(step) + 1]
    return Outcome(REFER_NEXT[step], DIALOG, f"refer:{following}")


def _refer_typed_cases() -> list[ParameterSet]:
    """Every text step of /refer: rejected answers re-ask kindly and leave the dialog exactly where it was."""
    discharge_refused = Outcome(f"date like 28/11|too far away|{BIT_LONG}")
    return [
        *typed("refer:initials", "refer:initials", NURSE, [
            *too_long_or_blank(),
            (Outcome(f"initials only|{BIT_LONG}"),
             [*(x for x in NOT_A_CODE if x not in INITIALS_OK), "fullwidth_digits", "undefined", "dashes_slashes"]),
            (_accepted("initials"), INITIALS_OK),
        ]),
        *typed("refer:hospital_ref", "refer:hospital_ref", NURSE, [
            *too_long_or_blank(),
            (Outcome(f"hospital number or ward reference|{BIT_LONG}"),
             [x for x in NOT_A_CODE if x != "crlf_log_injection"]),
            (_accepted("hospital_ref"), ["fullwidth_digits", "crlf_log_injection"]),  # spaces are dropped
            (PUNCTUATION_REFUSED, ["dashes_slashes"]),
        ]),
        *typed("refer:nhs_number", "refer:nhs_number", NURSE, [
            *too_long_or_blank(),
            (Outcome(f"valid NHS number|{BIT_LONG}"), [*NOT_A_CODE, "null", "None", "undefined", "dashes_slashes"]),
            (_accepted("nhs_number"), ["fullwidth_digits"]),
        ]),
        *messages("refer:nhs_number", "refer:nhs_number", NURSE, Outcome("valid NHS number"),
                  ["9434765918", "943 476 591", "94347659190", "+44 9434765919"], private_text=True),
        *messages("refer:nhs_number", "refer:nhs_number", NURSE, _accepted("nhs_number"),
                  ["943 476 5919", "943-476-5919"], private_text=True),
        *typed("refer:ward", "refer:ward", NURSE, [
            *too_long_or_blank(), (_accepted("ward"), FREE_TEXT_OK), (PUNCTUATION_REFUSED, NO_WORDS),
        ]),
        *typed("refer:risks", "refer:risks", NURSE, [
            *too_long_or_blank(), (_accepted("risks"), [*FREE_TEXT_OK, "None"]), (PUNCTUATION_REFUSED, NO_WORDS),
        ]),
        *typed("refer:discharge", "refer:discharge", NURSE, [
            *too_long_or_blank(),
            (discharge_refused, [*(x for x in NOT_A_CODE if x != "zero_width_inside"), "fullwidth_digits", "null",
                                 "None", "undefined", "dashes_slashes"]),
        ]),
        *messages("refer:discharge", "refer:discharge", NURSE, discharge_refused,
                  ["31/02", "00/00/0000", "99/99", "28/11/1999", "1/1/1", "-1/-1", "28/11/99999"]),
        *[case("refer:discharge", _label(text), "refer:discharge", NURSE, "text", text, _accepted("discharge"),
               frozen_at=TODAY_IN_CORPUS) for text in ("  NOT KNOWN  ", "ＴＯＤＡＹ", "٢٨/١١/٢٠٢٦", "28.11")],
        case("refer:discharge", "29-02-in-a-leap-year", "refer:discharge", NURSE, "text", "29/02", discharge_refused,
             frozen_at=datetime(2028, 6, 1, 10, tzinfo=UTC)),
        *[item for step in TEXT_STEPS for item in not_text(f"refer:{step}", f"refer:{step}", NURSE)],
        *not_text("refer:consent", "refer:consent", NURSE),
        case("refer:consent", "typed-yes", "refer:consent", NURSE, "text", "yes", Outcome(USE_BUTTONS)),
        case("refer:reasons", "typed-reasons", "refer:reasons", NURSE, "text", "money, housing", Outcome(USE_BUTTONS)),
        case("refer:confirm", "typed-sql", "refer:confirm", NURSE, "text", TEXTS["sql_drop"], Outcome(USE_BUTTONS)),
    ]  # fmt: skip


def _refer_button_cases() -> list[ParameterSet]:
    earlier = Outcome(EARLIER)
    stale = Outcome(STALE)
    return [
        *taps("refer:consent", "refer:consent", NURSE, stale,
              ["r:{v}:maybe", "r:{v}:yes:extra", "r:{v}:YES", "r:{v}:!drop", "r:{v}:!", "r:{v}:\u202eyes"]),
        *taps("refer:consent", "refer:consent", NURSE, earlier, ["r:{v_old}:yes", "r:99999999999999999999:yes",
                                                                "r:-1:yes", "r:\u202e:yes", "r:{v}", "r:"]),
        *taps("refer:initials", "refer:initials", NURSE, stale, ["r:{v}:JS", "r:{v}:t:money", "r:{v}:submit"]),
        *taps("refer:nhs_number", "refer:nhs_number", NURSE, Outcome(REFER_NEXT["nhs_number"], DIALOG, "refer:ward"),
              ["r:{v}:skip"]),
        *taps("refer:reasons", "refer:reasons", NURSE, stale,
              ["r:{v}:t:../../etc/passwd", "r:{v}:t:", "r:{v}:t:MONEY", "r:{v}:money", "r:{v}:t:money:housing"]),
        *taps("refer:reasons", "refer:reasons", NURSE, Outcome("at least one reason"), ["r:{v}:done"]),
        *taps("refer:urgency", "refer:urgency", NURSE, stale, ["r:{v}:critical", "r:{v}:t:money", "r:{v}:done"]),
        *taps("refer:contact_route", "refer:contact_route", NURSE, stale, ["r:{v}:carrier_pigeon", "r:{v}:PHONE"]),
        *taps("refer:discharge", "refer:discharge", NURSE, stale, ["r:{v}:yesterday", "r:{v}:29/02/2999"]),
        *taps("refer:confirm", "refer:confirm", NURSE, stale, ["r:{v}:t:money", "r:{v}:submit:again", "r:{v}:yes"]),
        # a double tap on Send (issue 10): answered truthfully with the reference, nothing created twice
        *taps("refer:confirm", "refer:submitted", NURSE, Outcome("already sent"), ["r:{v}:submit"]),
        *taps("refer:confirm", "refer:confirm", CLIENT, stale, ["r:{v}:submit", "r:0:yes"]),
        *taps("refer:confirm", "refer:confirm", WORKER, stale, ["r:{v}:submit"]),
    ]


def _staff_cases() -> list[ParameterSet]:
    unchanged_invites = Outcome(NO_ROLE)
    bad_roles = ["/invite", "/invite superuser", "/invite '; DROP TABLE invite;--", "/invite ａｄｍｉｎ",
                 "/invite admin\u200b", "/invite ward ward", "/invite <b>admin</b>", "/invite null",
                 "/invite ../../admin", "/invite " + HUGE[:4088]]  # fmt: skip
    return [
        *messages("staff:invite", "none", ADMIN, unchanged_invites, bad_roles),
        *[case("staff:invite", f"by-{ACTOR_NAMES[who]}", "none", who, "text", "/invite admin", Outcome(NOT_STAFF))
          for who in (NURSE, WORKER, CLIENT)],
        case("staff:invite", "admin-in-group", "none", ADMIN, "text", "/invite admin", Outcome(PRIVATE), chat="group"),
        *messages("staff:join", "none", NEWBIE, Outcome(JOIN_HOW),
                  ["/join", "/join '; DROP TABLE invite;--", "/join " + HUGE[:4090], "/join \u3000"],
                  private_text=True),
        *messages("staff:join", "none", NEWBIE, Outcome("code wasn't recognised"),
                  ["/join AAAA-AAAA", "/join ../../etc", "/join null", "/join \u202eABCD-EFGH", "/join %s%n",
                   "/join <b>X</b>", "/join =1+1"], private_text=True),
        *messages("staff:join", "invite:fresh", NEWBIE, Outcome("code wasn't recognised"),
                  ["/join {code_zw}", "/join {code_fullwidth}"], private_text=True),
        *[case("staff:join", f"replayed-by-{ACTOR_NAMES[who]}", "invite:used", who, "text", "/join {code}",
               Outcome("already been used"), private_text=True) for who in (NEWBIE, OTHER_CLIENT, NURSE)],
        case("staff:join", "expired", "invite:expired", NEWBIE, "text", "/join {code}", Outcome("has expired"),
             private_text=True),
        case("staff:join", "valid-code-in-group", "invite:fresh", NEWBIE, "text", "/join {code}", Outcome(PRIVATE),
             chat="group", private_text=True),
        case("staff:whoami", "forged-args", "none", CLIENT, "text", "/whoami admin", Outcome("public directory")),
    ]  # fmt: skip


def _casework_cases() -> list[ParameterSet]:
    return [
        *messages("case", "none", WORKER, Outcome(NOT_FOUND_CASE),
                  ["/case '; DROP TABLE referral;--", "/case {ref_missing}", "/case ＳＰ-ＡＢＣ２３４",
                   "/case " + HUGE[:4090], "/case <b>SP-ABC234</b>", "/case \u202eSP-ABCDEF",
                   "/case ../../etc/passwd", "/case null", "/case %s%n", "/case SP-ABC234\x00",
                   "/case =HYPERLINK(\"x\")"]),
        *messages("case", "none", WORKER, Outcome("Which case"), ["/case", "/case \u3000"]),
        *[case("case", f"{name}-by-{ACTOR_NAMES[who]}", "none", who, "text", f"/{name} {{ref_mine}}",
               Outcome(NOT_STAFF)) for who in (NURSE, CLIENT) for name in ("case", "inbox")],
        case("case", "in-group", "none", WORKER, "text", "/case {ref_mine}", Outcome(PRIVATE), chat="group"),
        case("refer", "by-client", "none", CLIENT, "text", "/refer", Outcome(NOT_STAFF)),
        case("refer", "nurse-in-group", "none", NURSE, "text", "/refer", Outcome(PRIVATE), chat="group"),
        case("cancel", "nothing-to-cancel", "none", CLIENT, "text", "/cancel", Outcome("nothing to cancel")),
        *messages("unknown-command", "none", CLIENT, Outcome("don't know that command"),
                  ["/etc/passwd", "/DROP_TABLE", "/" + "a" * 32, "/start@someone_else_bot"]),
        *not_text("signpost", "signpost", WORKER),
        *typed("signpost", "signpost", WORKER, [
            *too_long_or_blank(),
            # a search in a case that finds nothing fitting is unmet need (issue 13)
            (Outcome("Pick a service|Nothing in the directory fits", SEARCH_CHANGES, "signpost:pick"), [
                "sql_drop", "html", "formula_hyperlink", "path_traversal", "rtl_override", "null"]),
            (PUNCTUATION_REFUSED, ["emoji_zwj"]),
        ]),
    ]  # fmt: skip


def _report_cases() -> list[ParameterSet]:
    junk = ["/report '; DROP TABLE referral;--", "/report 2025-13", "/report 2025-02-30 2025-03-01",
            "/report 2025-03-31 2025-01-01", "/report " + HUGE[:4088], "/report <b>month</b>",
            "/report =HYPERLINK(\"x\")", "/report null", "/report \u202emonth", "/report ../../etc/passwd",
            "/report 2025-00", "/report -2025-01"]  # fmt: skip
    overflow = ["/report 0000-01", "/report 9999-12", "/report 0001-01-01 9999-12-31"]
    return [
        *messages("report", "none", ADMIN, Outcome(f"{PERIOD_HELP}|is after the end date"), junk),
        *messages("report", "none", ADMIN, Outcome(PERIOD_HELP), overflow),
        *messages("report", "none", ADMIN, Outcome("Signpost report"), ["/report  MONTH ", "/report ２０２５-０１"]),
        case("report", "by-nurse", "none", NURSE, "text", "/report", Outcome("only for link workers and admins")),
        case("report", "by-client", "none", CLIENT, "text", "/report month", Outcome(NOT_STAFF)),
        case("report", "admin-in-group", "none", ADMIN, "text", "/report", Outcome(PRIVATE), chat="group"),
    ]  # fmt: skip


def _followup_cases() -> list[ParameterSet]:
    failed = Outcome(CODE_FAILED)
    return [
        *messages("checkin", "none", CLIENT, failed,
                  ["/checkin '; DROP TABLE client_checkin;--", "/checkin " + HUGE[:4087], "/checkin ＡＢＣＤ-ＥＦＧＨ",
                   "/checkin \u200b", "/checkin ../../etc/passwd", "/checkin null", "/checkin <b>x</b>",
                   "/start checkin-'; DROP TABLE follow_up;--", "/start checkin-\u202eABCD"], private_text=True),
        *messages("checkin", "none", CLIENT, Outcome("Please send the code"), ["/checkin", "/start checkin-"]),
        *[case("checkin", f"replayed-{text.split()[0][1:]}", "checkin:used", who, "text", text, failed,
               private_text=True)
          for who in (CLIENT, OTHER_CLIENT) for text in ("/checkin {code}", "/start checkin-{code}")],
        case("checkin", "expired", "checkin:expired", CLIENT, "text", "/checkin {code}", failed, private_text=True),
        *[case("checkin", f"{name}-in-group", "checkin:fresh", CLIENT, "text", text, Outcome(PRIVATE),
               chat="group", private_text=True)
          for name, text in (("checkin", "/checkin {code}"), ("start", "/start checkin-{code}"))],
        case("checkin", "stop-when-not-signed-up", "none", OTHER_CLIENT, "text", "/stopcheckins",
             Outcome("nothing to stop")),
        *messages("checkincode", "none", WORKER, Outcome("Please give the case reference"),
                  ["/checkincode", "/checkincode '; DROP TABLE referral;--", "/checkincode {ref_missing}",
                   "/checkincode " + HUGE[:4080]]),
        *messages("checkincode", "none", WORKER, Outcome("isn't one of your cases"),
                  ["/checkincode {ref_other}", "/checkincode {ref_new}"]),
        *messages("checkincode", "none", WORKER, Outcome("is closed"), ["/checkincode {ref_closed}"]),
        *[case("checkincode", f"by-{ACTOR_NAMES[who]}", "none", who, "text", "/checkincode {ref_mine}",
               Outcome(NOT_STAFF)) for who in (NURSE, CLIENT)],
        case("checkincode", "in-group", "none", WORKER, "text", "/checkincode {ref_mine}", Outcome(PRIVATE),
             chat="group"),
        *messages("retryfollowup", "none", ADMIN, Outcome("give the follow-up number"),
                  ["/retryfollowup -1", "/retryfollowup '; DROP TABLE follow_up;--", "/retryfollowup 1e3",
                   "/retryfollowup " + "9" * 19]),
        *messages("retryfollowup", "none", ADMIN, Outcome("give the follow-up number"),
                  ["/retryfollowup ²", "/retryfollowup ¹²", "/retryfollowup 99999999999", "/retryfollowup ٣"]),
        *messages("retryfollowup", "none", ADMIN, Outcome("isn't a failed follow-up"), ["/retryfollowup #{fu}"]),
        *[case("retryfollowup", f"{name}-by-{ACTOR_NAMES[who]}", "none", who, "text", f"/{name} 1",
               Outcome(NOT_STAFF)) for who in (WORKER, CLIENT) for name in ("retryfollowup", "failedfollowups")],
    ]  # fmt: skip


def _forgetme_cases() -> list[ParameterSet]:
    return [
        case("forgetme", "by-staff", "refer:initials", NURSE, "text", "/forgetme", Outcome("registered as staff")),
        case("forgetme", "client-asks", "search", CLIENT, "text", "/forgetme forget everything", Outcome("Go ahead")),
        *taps("forgetme", "search", CLIENT, Outcome("nothing has been changed"), ["forget:no"]),
        *taps("forgetme", "search", CLIENT, Outcome(STALE),
              ["forget:maybe", "forget:", "forget:YES", "forget:yes:please", "forget:yes;DROP", "forget:" + "y" * 57]),
        case("forgetme", "forged-yes-by-nurse-mid-referral", "refer:initials", NURSE, "callback", "forget:yes",
             Outcome("registered as staff")),
    ]  # fmt: skip


def _case_button_cases() -> list[ParameterSet]:
    stale = Outcome(STALE)
    missing = Outcome(NOT_FOUND_CASE)
    long_ref = "SP-000000" + "X" * 47  # 'c:close:' + this is exactly 64 bytes
    return [
        *taps("c:", "none", WORKER, missing, ["c:view:{ref_missing}", "c:view:'; DROP TABLE referral;--",
                                             "c:view:\u202eXZZZZZ-PS", "c:view:" + long_ref,
                                             "c:view:ＳＰ-ＡＢＣ２３４"]),
        *taps("c:", "none", WORKER, stale, ["c:", "c::", "c:view:", "c:claim:{ref_missing}", "c:nuke:{ref_mine}",
                                           "c:VIEW:{ref_mine}", "c:cl:{ref_mine}:exploded", "c:cl:{ref_mine}",
                                           "c:cl:{ref_mine}:", "c:try:{ref_missing}", "c:cl:{ref_missing}:died"]),
        *taps("c:", "none", WORKER, Outcome("already been claimed by another"), ["c:claim:{ref_other}"]),
        *taps("c:", "fresh_claimed", WORKER, Outcome("already been claimed by you"), ["c:claim:{ref_fresh}"]),
        *taps("c:", "none", WORKER, Outcome(ANOTHER_WORKER),
              ["c:try:{ref_other}", "c:first:{ref_other}", "c:cl:{ref_other}:died", "c:cl:{ref_other}:engaged"]),
        *taps("c:", "none", WORKER, Outcome("is closed"), ["c:try:{ref_closed}", "c:cl:{ref_closed}:died"]),
        *taps("c:", "none", WORKER, Outcome("hasn't been claimed yet"), ["c:first:{ref_new}"]),
        *taps("c:", "none", WORKER, Outcome("hasn't been claimed yet"), ["c:sp:{ref_new}"]),
        *taps("c:", "none", WORKER, Outcome("is closed"), ["c:sp:{ref_closed}"]),
        *taps("c:", "none", WORKER, Outcome("couldn't find that case"), ["c:sp:{ref_missing}"]),
        *taps("c:", "none", WORKER, Outcome(ANOTHER_WORKER), ["c:sp:{ref_other}"]),
        *taps("c:", "none", WORKER, missing, ["c:close:{ref_missing}", "c:close:'; DROP TABLE referral;--"]),
        *taps("c:", "none", WORKER, Outcome("is closed"), ["c:close:{ref_closed}"]),
        *taps("c:", "none", WORKER, missing, ["c:close:" + long_ref]),
        *taps("c:", "none", WORKER, Outcome("isn't one of your cases"), ["c:code:{ref_other}", "c:code:{ref_new}"]),
        *taps("c:", "none", WORKER, Outcome(f"{NOT_FOUND_CASE}|give the case reference"), ["c:code:{ref_missing}"]),
        *[item for who in (NURSE, CLIENT) for item in taps(
            f"c:by-{ACTOR_NAMES[who]}", "none", who, Outcome(NOT_STAFF),
            ["c:claim:{ref_new}", "c:view:{ref_mine}", "c:cl:{ref_mine}:died", "c:try:{ref_mine}",
             "c:sp:{ref_mine}", "c:code:{ref_mine}"])],
        *taps("c:team-chat", "none", WORKER, Outcome(PRIVATE), ["c:view:{ref_new}", "c:sp:{ref_mine}"], chat="team"),
        *taps("c:team-chat", "none", NURSE, Outcome(NOT_STAFF), ["c:claim:{ref_new}"], chat="team"),
        *taps("c:team-chat", "none", WORKER, stale, ["c:claim:{ref_missing}", "c:claim:"], chat="team"),
    ]  # fmt: skip


def _other_button_cases() -> list[ParameterSet]:
    stale = Outcome(STALE)
    out_of_date = Outcome(OUT_OF_DATE)
    superscripts = ["s:{v}:pg:²", "s:{v}:d:²", "s:{v}:d:³"]
    return [
        *taps("s:", "search", CLIENT, stale, ["s:{v}:pg:999", "s:{v}:pg:-1", "s:{v}:d:99", "s:{v}:d:-1",
                                             "s:{v}:f:admin", "s:{v}:zz", "s:{v}:pg:" + "9" * 55, "s:{v}:d:",
                                             "s:{v}:f:FREE"]),
        *taps("s:", "search", CLIENT, stale, superscripts),
        *taps("s:", "search", CLIENT, out_of_date, ["s:{v_old}:pg:1", "s:abc:pg:1", "s:", "s:{v}:", "s:-1:d:0",
                                                   "s:" + "9" * 62]),
        *taps("s:", "search", OTHER_CLIENT, out_of_date, ["s:{v}:pg:1", "s:{v}:d:0"]),
        *taps("s:", "area", CLIENT, out_of_date, ["s:{v_old}:f:anywhere"]),
        *taps("p:", "signpost:pick", WORKER, stale, ["p:{v}:99", "p:{v}:-1", "p:{v_old}:0", "p:{v}:", "p:{v}:x",
                                                    "p:" + "9" * 62]),
        *taps("p:", "signpost:pick", WORKER, stale, ["p:{v}:²"]),
        *taps("p:", "signpost:picked", WORKER, Outcome("already signposted"), ["p:{v}:0"]),  # double tap
        *taps("p:", "signpost:pick", OTHER_WORKER, stale, ["p:{v}:0"]),
        *[item for who in (NURSE, CLIENT)
          for item in taps(f"p:by-{ACTOR_NAMES[who]}", "signpost:pick", who, Outcome(NOT_STAFF), ["p:{v}:0"])],
        *taps("fu:", "followup", WORKER, Outcome("button has expired"),
              ["fu:{fu}:zzz", "fu:{fu}:ENG", "fu:{fu}:yes", "fu:{fu}:eng:extra", "fu:999999:eng", "fu:abc:eng",
               "fu:", "fu:-1:eng", "fu:999999999999999999:eng", "fu:9999999999999999999:eng", "fu:{fu}:" + "e" * 50]),
        *[item for who in (OTHER_WORKER, CLIENT, NURSE) for item in taps(
            f"fu:by-{ACTOR_NAMES[who]}", "followup", who, Outcome("button has expired"), ["fu:{fu}:eng"])],
        *taps("fu:", "followup:answered", WORKER, Outcome("Already answered"), ["fu:{fu}:dec"]),  # double tap
        *taps("menu:", "none", CLIENT, stale, ["menu:admin", "menu:", "menu:../../etc", "menu:" + "x" * 59,
                                              "menu:FIND"]),
        *taps("cat:", "none", CLIENT, stale, ["cat:../../etc/passwd", "cat:", "cat:'; DROP TABLE service;--",
                                             "cat:MONEY", "cat:" + "é" * 30, "cat:__proto__"]),
        *taps("unknown", "none", CLIENT, stale, ["zz:\u202e\x00", "admin:grant:1000", "__proto__", '{"a":1}',
                                                "x" * 64, "🔥" * 16, " ", "null", "undefined", "r", "fu", "menu"]),
        *taps("unknown", "none", WORKER, stale, ["zz:claim"], chat="team"),
        *taps("unknown", "none", CLIENT, stale, ["admin:invite"], chat="group"),
    ]  # fmt: skip


CORPUS: list[ParameterSet] = [
    *_search_cases(),
    *_area_cases(),
    *_refer_typed_cases(),
    *_refer_button_cases(),
    *_staff_cases(),
    *_casework_cases(),
    *_report_cases(),
    *_followup_cases(),
    *_forgetme_cases(),
    *_case_button_cases(),
    *_other_button_cases(),
]

# Inputs whose handling depends on the database (big ids and numbers, codes, claims, double taps, control
# characters that PostgreSQL text cannot hold, ids beyond its INTEGER range): run on PostgreSQL too.
POSTGRES_CONVERSATIONS = ("fu:", "retryfollowup", "staff:join", "checkin", "refer:confirm", "p:")


def _on_postgres(item: ParameterSet) -> bool:
    case_: Case = item.values[0]  # type: ignore[assignment]
    return (
        case_.conversation.startswith(POSTGRES_CONVERSATIONS)
        or "claim" in case_.payload
        or case_.label in ("control_chars", "control_only", "crlf_log_injection")
    )


POSTGRES_CORPUS: list[ParameterSet] = [item for item in CORPUS if _on_postgres(item)]
