"""Client conversation: welcome, find help (search with paging, details, filters), browse topics, talk to a person."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.clock import utcnow
from casework.crisis import CRISIS_REPLY, suggests_crisis
from casework.dialogs import Dialog, advance_dialog, start_dialog
from casework.validation import InputProblem, clean_text, normalise
from directory.areas import normalise_area
from directory.search import SearchFilters
from directory.taxonomy import CATEGORIES
from directory.unmet import record_unmet_search
from handlers.cards import details_card, short_card
from handlers.common import (
    DIALOG_TEXT_HANDLERS,
    STALE_BUTTON,
    Buttons,
    Context,
    answer_callback,
    callback_parts,
    chunk,
    command_args,
    db,
    dialog_button,
    edit_or_reply,
    ids,
    message_text,
    reply,
    runtime,
    search_index,
    small_number,
)

SEARCH = "search"
PAGE_SIZE = 3
MAX_RESULTS = 30
MAX_QUERY = 200

WELCOME = (
    "Hello! I can help you find local support — like help with money, housing, feeling lonely, caring for someone, "
    "or staying well.\n\n"
    'Just type what you need in your own words, for example: "help with bills" or "lonely".\n'
    "Or tap a button below."
)
HELP = (
    "How to use me:\n"
    '• Type what you need, for example "debt advice", "food bank" or "carer support".\n'
    "• /find followed by words also works, e.g. /find benefits form.\n"
    "• Tap a number to see details: phone, opening times, cost.\n"
    "• Use the buttons to show only free services, those open now, or near you.\n"
    "• /talk if you'd rather speak to a person.\n\n"
    "I'm an automatic helper, not a person, and I'm not watched around the clock. "
    "In an emergency call 999. For urgent mental health help call NHS 111 or Samaritans on 116 123."
)
TALK_BUTTON = ("🙋 Talk to a person", "menu:talk")
TOPICS_BUTTON = ("📚 Browse topics", "menu:topics")
START_BUTTONS: Buttons = [[("🔎 Find help", "menu:find"), TOPICS_BUTTON], [TALK_BUTTON]]


async def start(update: Update, context: Context) -> None:
    payload = command_args(context)
    if payload.startswith("checkin-"):
        from handlers.followup import checkin_from_start

        await checkin_from_start(update, context, payload.removeprefix("checkin-"))
        return
    await reply(update, WELCOME, START_BUTTONS)


async def help_command(update: Update, context: Context) -> None:
    await reply(update, HELP, START_BUTTONS)


async def talk(update: Update, context: Context) -> None:
    await reply(update, runtime(context).settings.talk_to_person_text)


async def find(update: Update, context: Context) -> None:
    words = command_args(context)
    if not words.strip():
        await reply(update, 'What do you need help with? Type a few words, for example "help with bills".')
        return
    await search_and_show(update, context, words)


async def menu(update: Update, context: Context) -> None:
    """The welcome buttons."""
    assert update.callback_query is not None
    await answer_callback(update.callback_query)
    choice = (callback_parts(update, "menu", 1) or [""])[0]
    if choice == "find":
        await reply(update, "Type what you need help with, in your own words.")
    elif choice == "topics":
        await show_topics(update)
    elif choice == "talk":
        await reply(update, runtime(context).settings.talk_to_person_text)
    else:
        await reply(update, STALE_BUTTON)


async def show_topics(update: Update) -> None:
    rows = chunk([(category.label, f"cat:{category.id}") for category in CATEGORIES.values()], 2)
    await reply(update, "Choose a topic:", rows)


async def browse_topic(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await answer_callback(update.callback_query)
    parts = callback_parts(update, "cat", 1)
    if parts is None or parts[0] not in CATEGORIES:
        await reply(update, STALE_BUTTON)
        return
    await search_and_show(update, context, "", {"category": parts[0]})


async def on_crisis_or_search(update: Update, context: Context, text: str) -> None:
    """What happens to typed text when no other conversation is waiting for it."""
    await search_and_show(update, context, text)


async def search_and_show(
    update: Update, context: Context, raw_query: str, filters: dict[str, Any] | None = None
) -> None:
    """Run a search (unless the words suggest crisis), remember it for paging, and show page one."""
    if raw_query and suggests_crisis(raw_query):
        await reply(update, CRISIS_REPLY, [[TALK_BUTTON]])
        return
    try:
        query = clean_text(raw_query, MAX_QUERY, "That message") if raw_query else ""
    except InputProblem as problem:
        await reply(update, f'{problem} Try a few words, like "help with bills".')
        return
    chat_id, user_id = ids(update)
    state = {"q": query, "f": filters or {}, "page": 0}
    state.update(_run(context, query, state["f"]))
    with db(context) as session:
        dialog = start_dialog(session, chat_id, user_id, SEARCH, "results", state)
        if not state["ids"] and query:
            record_unmet_search(session, query, _filters(state["f"]))
    await _show(update, context, dialog, new_message=True)


def _filters(raw: dict[str, Any]) -> SearchFilters:
    return SearchFilters(
        category=raw.get("category"),
        area=raw.get("area"),
        free_only=bool(raw.get("free")),
        open_now=bool(raw.get("open")),
        self_referral=bool(raw.get("self")),
    )


def _run(context: Context, query: str, raw_filters: dict[str, Any]) -> dict[str, Any]:
    index = search_index(context)
    filters = _filters(raw_filters)
    now = utcnow().astimezone(runtime(context).settings.tz)
    if query:
        hits = index.search(query, filters, limit=MAX_RESULTS, now=now)
    else:
        category = filters.category or ""
        hits = index.browse(category, replace(filters, category=None), limit=MAX_RESULTS)
    return {"ids": [hit.service_id for hit in hits], "why": {hit.service_id: list(hit.why) for hit in hits}}


def _filter_row(dialog: Dialog) -> list[tuple[str, str]]:
    raw, v = dialog.data["f"], dialog.version

    def tick(key: str) -> str:
        return "☑" if raw.get(key) else "☐"

    return [
        (f"{tick('free')} Free", f"s:{v}:f:free"),
        (f"{tick('open')} Open now", f"s:{v}:f:open"),
        (f"📍 {raw.get('area') or 'Area'}", f"s:{v}:area"),
    ]


def _results_view(dialog: Dialog, index: Any) -> tuple[str, Buttons]:
    found, page, v = dialog.data["ids"], dialog.data["page"], dialog.version
    topic = dialog.data["f"].get("category")
    label = f'"{dialog.data["q"]}"' if dialog.data["q"] else CATEGORIES[topic].label if topic else "that"
    if not found:
        text = (
            f"Sorry, I couldn't find a service for {label}"
            f"{' with those filters' if any(dialog.data['f'].values()) else ''}.\n\n"
            "You could try other words, browse topics, or talk to a person."
        )
        rows: list[list[tuple[str, str]]] = [[TOPICS_BUTTON, TALK_BUTTON]]
        if any(k != "category" and val for k, val in dialog.data["f"].items()):
            rows.insert(0, [("Clear filters", f"s:{v}:f:clear")])
        return text, rows
    start = page * PAGE_SIZE
    shown = found[start : start + PAGE_SIZE]
    cards = [short_card(start + i + 1, index.get(service_id)) for i, service_id in enumerate(shown)]
    header = f"Here's what I found for {label} ({start + 1}–{start + len(shown)} of {len(found)}):"
    text = header + "\n\n" + "\n\n".join(cards) + "\n\nTap a number for details."
    nav = []
    if page > 0:
        nav.append(("◀ Back", f"s:{v}:pg:{page - 1}"))
    if start + PAGE_SIZE < len(found):
        nav.append(("More ▶", f"s:{v}:pg:{page + 1}"))
    numbers = [(str(start + i + 1), f"s:{v}:d:{start + i}") for i in range(len(shown))]
    return text, [numbers, nav, _filter_row(dialog), [TALK_BUTTON]]


async def _show(update: Update, context: Context, dialog: Dialog, new_message: bool = False) -> None:
    text, rows = _results_view(dialog, search_index(context))
    if new_message:
        await reply(update, text, rows)
    else:
        await edit_or_reply(update, text, rows)


async def on_search_button(update: Update, context: Context) -> None:
    """Paging, details, filters: all checked against the user's current search so stale buttons change nothing."""
    dialog, parts = await dialog_button(update, context, "s", SEARCH)
    if dialog is None or parts is None:
        await reply(update, "Those results are out of date. Please type what you need again.")
        return
    action, arg = parts[0], parts[1] if len(parts) > 1 else ""
    data = dict(dialog.data)
    number = small_number(arg)
    if action == "pg" and number is not None and number * PAGE_SIZE < max(len(data["ids"]), 1):
        data["page"] = number
    elif action == "d" and number is not None and number < len(data["ids"]):
        service_id = data["ids"][number]
        record = search_index(context).get(service_id)
        if record is None:
            await reply(update, STALE_BUTTON)
            return
        why = tuple(data["why"].get(service_id, ()))
        await edit_or_reply(update, details_card(record, why), [[("◀ Back to list", f"s:{dialog.version}:back")]])
        return
    elif action == "back":
        pass
    elif action == "f" and arg in {"free", "open", "self", "clear", "anywhere"}:
        data["f"] = _toggle_filter(data["f"], arg)
        data.update(_run(context, data["q"], data["f"]), page=0)
    elif action == "area":
        with db(context) as session:
            advance_dialog(session, dialog, "area", data)
        await reply(
            update,
            "Which town or postcode? For example: Norwich, Great Yarmouth or NR3.",
            [[("Anywhere", f"s:{dialog.version + 1}:f:anywhere")]],
        )
        return
    else:
        await reply(update, STALE_BUTTON)
        return
    with db(context) as session:
        dialog = advance_dialog(session, dialog, "results", data)
    await _show(update, context, dialog)


def _toggle_filter(current: dict[str, Any], which: str) -> dict[str, Any]:
    """Filters after tapping one filter button (the topic being browsed is kept)."""
    if which == "clear":
        return {"category": current.get("category")}
    if which == "anywhere":
        return {key: value for key, value in current.items() if key != "area"}
    return {**current, which: not current.get(which)}


async def on_area_typed(update: Update, context: Context, dialog: Dialog) -> bool:
    """The user typed a place after tapping 'Area'. Other typed text is a new search (returns False)."""
    if dialog.step != "area":
        return False
    typed = normalise(message_text(update) or "")
    if suggests_crisis(typed):
        await reply(update, CRISIS_REPLY, [[TALK_BUTTON]])
        return True
    area = normalise_area(typed)
    if area is None:
        await reply(
            update,
            "Sorry, I don't know that place. Try a town like Norwich or a postcode like NR3, or tap Anywhere.",
            [[("Anywhere", f"s:{dialog.version}:f:anywhere")]],
        )
        return True
    data = dict(dialog.data)
    data["f"] = {**data["f"], "area": area}
    data.update(_run(context, data["q"], data["f"]), page=0)
    with db(context) as session:
        dialog = advance_dialog(session, dialog, "results", data)
    await _show(update, context, dialog, new_message=True)
    return True


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("talk", talk))
    application.add_handler(CommandHandler("find", find))
    application.add_handler(CallbackQueryHandler(menu, pattern=r"^menu:"))
    application.add_handler(CallbackQueryHandler(browse_topic, pattern=r"^cat:"))
    application.add_handler(CallbackQueryHandler(on_search_button, pattern=r"^s:"))
    DIALOG_TEXT_HANDLERS[SEARCH] = on_area_typed
