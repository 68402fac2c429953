"""Client conversation: welcome, find help (search with paging, details, filters), browse topics, talk to a person."""

from __future__ import annotations

from dataclasses import replace

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from casework.crisis import suggests_crisis
from casework.self_referral import asks_for_someone_else
from casework.validation import InputProblem, clean_text, normalise
from core.dialogs import Dialog
from core.i18n import N_
from core.identifiers import identifier_in
from directory.areas import normalise_area
from directory.cards import details_card, short_card
from directory.models import Service
from directory.multilingual import need_category
from directory.saved_search import FILTER_ACTIONS, SavedSearch
from directory.search import MAX_QUERY_CHARS, SearchFilters
from directory.taxonomy import CATEGORIES
from directory.unmet import record_unmet_search
from handlers.followup import redeem_checkin
from handlers.kit import STALE_BUTTON, Buttons, Conversation, Turn, callback_parts, chunk, on_update, small_number
from handlers.menus import STAFF_HELP
from handlers.safety import screened
from handlers.talk import CARER_BUTTON, offer_call_back, set_carer_mode
from scheduler.checkins import DEEP_LINK_PREFIX
from scheduler.providers import owe_listing_problem

PAGE_SIZE = 3
MAX_QUERY = MAX_QUERY_CHARS  # a whole Telegram message: people write two or three sentences
QUOTED_QUERY_CHARS = 60  # how much of a long message a reply repeats back
RESULTS, AREA = "results", "area"
OUT_OF_DATE = N_("Those results are out of date. Please type what you need again.")

WELCOME = N_(
    "Hello! I can help you find local support — like help with money, housing, feeling lonely, caring for someone, "
    "or staying well.\n\n"
    'Just type what you need in your own words, for example: "help with bills" or "lonely".\n'
    "Or tap a button below."
)
HELP = N_(
    "How to use me:\n"
    '• Type what you need, for example "debt advice", "food bank" or "carer support".\n'
    "• /find followed by words also works, e.g. /find benefits form.\n"
    "• Tap a number to see details: phone, opening times, cost.\n"
    "• Use the buttons to show only free services, those open now, or near you.\n"
    "• /talk if you'd rather speak to a person.\n\n"
    "I'm an automatic helper, not a person, and I'm not watched around the clock. "
    "In an emergency call 999. For urgent mental health help call NHS 111 or Samaritans on 116 123."
)
IDENTIFIER_FROM_STAFF = (
    "That looks like a patient identifier ({kind}), so I haven't searched for it or saved it.{removed}\n\n"
    "To refer a patient, send /refer: identifiers are only kept inside a referral, encrypted. To search the "
    "directory, type what the patient needs, e.g. \"debt advice\"."
)
REMOVED_FROM_CHAT = " I've removed your message from this chat."
TALK_BUTTON = (N_("🙋 Talk to a person"), "menu:talk")
TOPICS_BUTTON = (N_("📚 Browse topics"), "menu:topics")
START_BUTTONS: Buttons = [[(N_("🔎 Find help"), "menu:find"), TOPICS_BUTTON], [TALK_BUTTON], [CARER_BUTTON]]
DIRECTORY_NOTE = N_("Service names and descriptions are shown as each organisation wrote them, in English.")


def translated(turn: Turn, rows: Buttons) -> Buttons:
    """Button rows with their labels in the person's language."""
    return [[(turn.t(label), data) for label, data in row] for row in rows]
SEARCH = Conversation("search", "s", gone=OUT_OF_DATE, moved_hint=OUT_OF_DATE, waits_for_answers=False)
# "Report a problem with this listing": what can be wrong (code -> words the provider or admin reads).
PROBLEMS: dict[str, str] = {
    "contact": "the phone number or contact details are wrong",
    "closed": "it has closed or no longer runs",
    "times": "the opening times or place are wrong",
    "other": "something else in the listing is wrong",
}
PROBLEM_THANKS = ("Thank you for telling us. We've passed it on to the people who keep this listing up to date. "
                  "(We don't pass on who you are.)")


@on_update()
def start(turn: Turn) -> None:
    if turn.args.startswith(DEEP_LINK_PREFIX):
        redeem_checkin(turn, turn.args.removeprefix(DEEP_LINK_PREFIX))
        return
    turn.say(turn.t(WELCOME), translated(turn, START_BUTTONS))


STAFF_SEARCH_NOTE = "\n\nTo search the directory, type what someone needs, e.g. \"debt advice\"."


@on_update()
def help_command(turn: Turn) -> None:
    """/help: what this person can do — staff see their role's commands, clients how to find help."""
    if turn.role is not None:
        turn.say(STAFF_HELP[turn.role] + STAFF_SEARCH_NOTE)
        return
    turn.say(turn.t(HELP), translated(turn, START_BUTTONS))


def offer_a_person(turn: Turn) -> None:
    """The human route (from /talk, the button, or a message asking for someone): a call back, or a number."""
    offer_call_back(turn)


@on_update()
def find(turn: Turn) -> None:
    if not turn.args.strip():
        turn.say(turn.t(N_('What do you need help with? Type a few words, for example "help with bills".')))
        return
    search_and_show(turn, turn.args)


@on_update()
def menu(turn: Turn) -> None:
    """The welcome buttons."""
    choice = (callback_parts(turn, "menu", 1) or [""])[0]
    if choice == "find":
        turn.say(turn.t(N_("Type what you need help with, in your own words.")))
    elif choice == "topics":
        rows = chunk([(category.label, f"cat:{category.id}") for category in CATEGORIES.values()], 2)
        turn.say(turn.t(N_("Choose a topic:")), rows)
    elif choice == "talk":
        offer_a_person(turn)
    elif choice in {"carer", "self"}:
        set_carer_mode(turn, choice == "carer")
    else:
        turn.say(STALE_BUTTON)


@on_update()
def browse_topic(turn: Turn) -> None:
    parts = callback_parts(turn, "cat", 1)
    if parts is None or parts[0] not in CATEGORIES:
        turn.say(STALE_BUTTON)
        return
    _show_new(turn, SavedSearch(category=parts[0]))


def search_and_show(turn: Turn, raw_query: str, *, checked: bool = False) -> None:
    """Run a search (after the crisis check, unless `checked`), remember it for paging, and show page one."""
    if not checked and screened(turn, raw_query, "search"):
        return
    try:
        query = clean_text(raw_query, MAX_QUERY, "That message")
    except InputProblem as problem:
        turn.say(f'{problem} Try a few words, like "help with bills".')
        return
    if asks_for_someone_else(query):
        set_carer_mode(turn, True)
        return
    if (category := _need_in_other_language(turn, query)) is not None:
        _show_new(turn, SavedSearch(category=category))
        return
    if turn.role is not None and (kind := identifier_in(query)) is not None:
        # a nurse typing a hospital or NHS number after /cancel or a lost dialog: not a search, not kept anywhere
        if turn.is_private:  # bots may delete what people send them in private chats
            turn.delete()
        turn.say(IDENTIFIER_FROM_STAFF.format(kind=kind, removed=REMOVED_FROM_CHAT if turn.is_private else ""))
        return
    _show_new(turn, SavedSearch(query=query), record_unmet=not checked)


def _need_in_other_language(turn: Turn, query: str) -> str | None:
    """The directory category a need typed in another language names ('pomoc z długami' -> money): first for
    someone using another language, and for anyone when the English search would find nothing."""
    category = need_category(query)
    if category is None:
        return None
    return category if turn.language != "en" or not turn.index.find(query, SearchFilters(), limit=1).hits else None


def _show_new(turn: Turn, search: SavedSearch, *, record_unmet: bool = True) -> None:
    search = search.run(turn.index, turn.now_local())
    if search.wants_person:
        offer_a_person(turn)
        if not search.found:
            return  # they only asked for a person: no "nothing found", nothing recorded
    dialog = SEARCH.start(turn, RESULTS, search.to_data())
    if search.unmet is not None and search.query and record_unmet:  # words that raised a crisis check: never kept
        searcher = turn.runtime.cipher.pseudonym(turn.user_id)
        record_unmet_search(turn.session, search.query, search.filters, search.unmet, searcher)
    turn.say(*_results_view(turn, dialog, search))


def _quoted(query: str) -> str:
    """The person's words to repeat back: a long message is shortened."""
    shown = query if len(query) <= QUOTED_QUERY_CHARS else query[: QUOTED_QUERY_CHARS - 1].rstrip() + "…"
    return f'"{shown}"'


NOTHING_FITS = N_("Sorry, I couldn't find a service that fits {label}.")
NOTHING_FITS_FILTERED = N_("Sorry, I couldn't find a service that fits {label} with those filters.")
TRY_OTHER_WORDS = N_("You could try other words, choose a topic below, or talk to a person.")
FOUND = N_("Here's what I found for {label} ({first}–{last} of {total}):")
FOUND_FOR_THEM = N_("Here's what I found for the person you're helping, for {label} ({first}–{last} of {total}):")
TAP_A_NUMBER = N_("Tap a number for details.")
ANYWHERE = N_("Anywhere")
FREE, OPEN_NOW, AREA_BUTTON = N_("Free"), N_("Open now"), N_("Area")


def _nothing_fits(turn: Turn, label: str, filtered: bool, narrowed: bool, version: int) -> tuple[str, Buttons]:
    """Said kindly: nothing fits; the topics to browse and a person to talk to."""
    text = turn.t(NOTHING_FITS_FILTERED if filtered else NOTHING_FITS).format(label=label)
    text += "\n\n" + turn.t(TRY_OTHER_WORDS)
    topics = [(category.label, f"cat:{category.id}") for category in CATEGORIES.values()]
    rows: list[list[tuple[str, str]]] = chunk(topics, 2)
    rows.append([(turn.t(TALK_BUTTON[0]), TALK_BUTTON[1])])
    if narrowed:
        rows.insert(0, [(turn.t(N_("Clear filters")), f"s:{version}:f:clear")])
    return text, rows


def _filter_row(turn: Turn, search: SavedSearch, version: int) -> list[tuple[str, str]]:
    def tick(key: str) -> str:
        return "☑" if key in search.switched_on else "☐"

    return [
        (f"{tick('free')} {turn.t(FREE)}", f"s:{version}:f:free"),
        (f"{tick('open')} {turn.t(OPEN_NOW)}", f"s:{version}:f:open"),
        (f"📍 {search.area or turn.t(AREA_BUTTON)}", f"s:{version}:area"),
    ]


def _results_view(turn: Turn, dialog: Dialog, search: SavedSearch) -> tuple[str, Buttons]:
    v = dialog.version
    topic = search.category
    label = _quoted(search.query) if search.query else CATEGORIES[topic].label if topic else "that"
    if not search.found:
        return _nothing_fits(turn, label, search.narrowed or topic is not None, search.narrowed, v)
    start = search.page * PAGE_SIZE
    shown = search.found[start : start + PAGE_SIZE]
    cards = [
        short_card(start + i + 1, record, turn.t)
        for i, service_id in enumerate(shown)
        if (record := turn.index.get(service_id)) is not None
    ]
    found = FOUND_FOR_THEM if turn.preferences.for_someone_else else FOUND
    header = turn.t(found).format(label=label, first=start + 1, last=start + len(shown), total=len(search.found))
    note = "\n\n" + turn.t(DIRECTORY_NOTE) if turn.language != "en" else ""
    text = header + "\n\n" + "\n\n".join(cards) + "\n\n" + turn.t(TAP_A_NUMBER) + note
    nav = []
    if search.page > 0:
        nav.append((turn.t(N_("◀ Back")), f"s:{v}:pg:{search.page - 1}"))
    if start + PAGE_SIZE < len(search.found):
        nav.append((turn.t(N_("More ▶")), f"s:{v}:pg:{search.page + 1}"))
    numbers = [(str(start + i + 1), f"s:{v}:d:{start + i}") for i in range(len(shown))]
    return text, [numbers, nav, _filter_row(turn, search, v), [(turn.t(TALK_BUTTON[0]), TALK_BUTTON[1])]]


@on_update()
def on_search_button(turn: Turn) -> None:
    """Paging, details, filters: all checked against the person's current search so stale buttons change nothing."""
    tapped = SEARCH.tapped(turn)
    if tapped is None:
        return
    dialog, parts = tapped
    action, arg = parts[0], parts[1] if len(parts) > 1 else ""
    search = SavedSearch.from_data(dialog.data)
    number = small_number(arg)
    if action == "pg" and number is not None and (paged := search.on_page(number, PAGE_SIZE)) is not None:
        search = paged
    elif action == "d" and number is not None and number < len(search.found):
        service_id = search.found[number]
        record = turn.index.get(service_id)
        if record is None:
            turn.say(STALE_BUTTON)
            return
        back = [[(turn.t(N_("◀ Back to list")), f"s:{dialog.version}:back")],
                [(turn.t(N_("⚠ Report a problem with this listing")), f"s:{dialog.version}:rp:{number}")]]
        turn.edit(details_card(record, search.why_found(turn.index, service_id, turn.now_local()), turn.t), back)
        return
    elif action == "rp" and number is not None and number < len(search.found):
        _report_problem(turn, dialog, search.found[number], number, parts[2] if len(parts) > 2 else None)
        return
    elif action == "back":
        pass
    elif action == "f" and arg in FILTER_ACTIONS:
        search = search.toggled(arg).run(turn.index, turn.now_local())
    elif action == "area":
        moved = SEARCH.advance(turn, dialog, AREA, dialog.data)
        turn.say(
            turn.t(N_("Which town or postcode? For example: Norwich, Great Yarmouth or NR3.")),
            [[(turn.t(ANYWHERE), f"s:{moved.version}:f:anywhere")]],
        )
        return
    else:
        turn.say(STALE_BUTTON)
        return
    dialog = SEARCH.advance(turn, dialog, RESULTS, search.to_data())
    turn.edit(*_results_view(turn, dialog, search))


def _report_problem(turn: Turn, dialog: Dialog, service_id: str, number: int, problem: str | None) -> None:
    """Ask what is wrong, then pass it on to the listing's provider (or the admins when it has none)."""
    record = turn.index.get(service_id)
    if record is None:
        turn.say(STALE_BUTTON)
        return
    back = [("◀ Back to list", f"s:{dialog.version}:back")]
    if problem not in PROBLEMS:
        rows = [[(words[0].upper() + words[1:], f"s:{dialog.version}:rp:{number}:{code}")]
                for code, words in PROBLEMS.items()]
        turn.edit(f"What's wrong with the listing for {record.name}?", [*rows, back])
        return
    service = turn.session.get(Service, service_id)
    if service is not None:
        owe_listing_problem(turn.session, service, PROBLEMS[problem], turn.runtime.cipher.pseudonym(turn.user_id),
                            turn.today(), turn.services.followups.policy)
    turn.edit(PROBLEM_THANKS, [back])


def on_area_typed(turn: Turn, dialog: Dialog) -> bool:
    """The person typed a place after tapping 'Area'. Other typed text is a new search (returns False)."""
    if dialog.step != AREA:
        return False
    typed = normalise(turn.text or "")
    if suggests_crisis(typed):
        return False  # not a place: the router checks it like any typed message
    area = normalise_area(typed)
    if area is None:
        turn.say(
            turn.t(N_("Sorry, I don't know that place. Try a town like Norwich or a postcode like NR3, or tap "
                      "Anywhere.")),
            [[(turn.t(ANYWHERE), f"s:{dialog.version}:f:anywhere")]],
        )
        return True
    search = replace(SavedSearch.from_data(dialog.data), area=area).run(turn.index, turn.now_local())
    dialog = SEARCH.advance(turn, dialog, RESULTS, search.to_data())
    turn.say(*_results_view(turn, dialog, search))
    return True


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("find", find))
    application.add_handler(CallbackQueryHandler(menu, pattern=r"^menu:"))
    application.add_handler(CallbackQueryHandler(browse_topic, pattern=r"^cat:"))
    application.add_handler(CallbackQueryHandler(on_search_button, pattern=r"^s:"))
