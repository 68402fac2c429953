"""`python -m directory search ...`: search the directory from a terminal, as text or JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from core.settings import Settings
from directory.areas import normalise_area
from directory.cards import how_to_access
from directory.multilingual import need_category
from directory.records import ServiceRecord
from directory.saved_index import open_if_current
from directory.search import SearchFilters, SearchHit, SearchIndex
from directory.taxonomy import CATEGORIES
from directory.vocabulary import UnmetReason

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from directory.live import LiveDirectory

EXIT_FOUND, EXIT_NOTHING_FOUND, EXIT_BAD_ARGUMENTS = 0, 1, 2


def add_search_parser(subparsers: Any) -> None:
    """Register the `search` subcommand on an argparse subparsers object."""
    parser = subparsers.add_parser("search", help="search the service directory", description=__doc__)
    parser.add_argument("query", nargs="+", help='what the person needs, in their words, e.g. "skint and lonely"')
    parser.add_argument("--category", choices=sorted(CATEGORIES), help="only this need category")
    parser.add_argument("--area", help="only services covering this place (town, district council, NR3, NR3 4AB)")
    parser.add_argument("--age", type=int, help="only services for someone of this age")
    parser.add_argument("--free", action="store_true", help="only free services")
    parser.add_argument("--open-now", action="store_true", help="only services open right now")
    parser.add_argument("--self-referral", action="store_true", help="only services people can contact themselves")
    parser.add_argument("--limit", type=int, default=10, help="how many results (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def filters_from_args(args: argparse.Namespace) -> SearchFilters:
    """The SearchFilters the command-line options ask for."""
    return SearchFilters(
        category=args.category,
        area=args.area,
        age=args.age,
        free_only=args.free,
        open_now=args.open_now,
        self_referral=args.self_referral,
    )


@dataclass(frozen=True)
class SearchAnswer:
    """What a command-line search prints and returns, and the unmet need it must record (nothing fitted)."""

    text: str
    exit_code: int
    unmet: UnmetReason | None = None


def answer_search(args: argparse.Namespace, index: SearchIndex) -> SearchAnswer:
    """Ranked results (exit 0), or that nothing fits (1, with the unmet need to record); 2 for bad options."""
    if (problem := _bad_options(args)) is not None:
        return problem
    query = " ".join(args.query)
    filters = filters_from_args(args)
    result = index.find(query, filters, limit=max(args.limit, 1))
    hits = result.hits
    category = None if hits else need_category(query)
    if category is not None:  # a need typed in another language ("pomoc z długami"): that category's services
        hits = index.browse(category, replace(filters, category=None), limit=max(args.limit, 1))
    unmet = result.unmet if category is None else None
    if args.json:
        payload = {"query": query, "filters": filters.switched_on(), "results": [_as_json(hit, index) for hit in hits]}
        text = json.dumps(payload, indent=2, ensure_ascii=False)
    elif hits:
        text = "\n\n".join(_as_text(rank, hit, index.get(hit.service_id)) for rank, hit in enumerate(hits, 1))
    elif result.unmet is None:
        text = "That asks for a person: see the talk-to-a-person contacts in the bot (/talk)."
    else:
        text = f'Nothing in the directory fits "{query}". It has been noted as unmet need (no personal details).'
    return SearchAnswer(text, EXIT_FOUND if hits else EXIT_NOTHING_FOUND, unmet)


def run_search(args: argparse.Namespace, engine: Engine, directory: LiveDirectory | None = None) -> int:
    """Print ranked results (0), or say nothing fits and record the unmet need (1); 2 for bad options.

    `directory` keeps the index between searches (and on disk when it has a path); without one the index is built
    for this search only.
    """
    # The database layer is imported here, on the path that uses it, so that `search_saved_index` (a command-line
    # search's fast start) never imports SQLAlchemy.
    from directory.live import LiveDirectory
    from directory.unmet import record_unmet_search

    if (problem := _bad_options(args)) is not None:  # before the index is loaded or built
        return _printed(problem)
    answer = answer_search(args, (directory or LiveDirectory(engine)).refresh())
    if answer.unmet is not None:
        record_unmet_search(engine, " ".join(args.query), filters_from_args(args), answer.unmet)
    return _printed(answer)


def search_saved_index(args: argparse.Namespace, settings: Settings) -> int | None:
    """Answer from the saved index alone when it is current (see `directory.saved_index`), without importing the
    database layer; None when the full path must answer: no current index, or unmet need to record."""
    index = open_if_current(settings)
    if index is None:
        return None
    answer = answer_search(args, index)
    return None if answer.unmet is not None else _printed(answer)


def _bad_options(args: argparse.Namespace) -> SearchAnswer | None:
    if args.area and normalise_area(args.area) is None:
        return SearchAnswer(f'Sorry, I don\'t know the place "{args.area}". Try a town, a council area or a postcode '
                            "like NR3.", EXIT_BAD_ARGUMENTS)  # fmt: skip
    return None


def _printed(answer: SearchAnswer) -> int:
    print(answer.text)
    return answer.exit_code


def _as_text(rank: int, hit: SearchHit, record: ServiceRecord | None) -> str:
    lines = [f"{rank}. {hit.name}  (score {hit.score:.0f})"]
    if record is not None and record.organisation_name:
        lines.append(f"   {record.organisation_name}")
    lines.append(f"   Why: {'; '.join(hit.why)}")
    if record is not None:
        contact = " · ".join(part for part in (record.phone, record.url or record.email) if part)
        if contact:
            lines.append(f"   Contact: {contact}")
        lines.append(f"   How to access: {how_to_access(record)}")
    return "\n".join(lines)


def _as_json(hit: SearchHit, index: SearchIndex) -> dict[str, Any]:
    record = index.get(hit.service_id)
    result: dict[str, Any] = {"id": hit.service_id, "name": hit.name, "score": hit.score, "why": list(hit.why)}
    if record is not None:
        result.update(
            organisation=record.organisation_name,
            phone=record.phone,
            email=record.email,
            url=record.url,
            how_to_access=how_to_access(record),
            referral_route=str(record.referral_route),
            access_methods=list(record.access_methods),
            opening_hours=record.opening_hours,
            cost=str(record.cost),
            capacity_status=str(record.capacity_status),
            town=record.town,
            categories=list(record.categories),
        )
    return result
