"""A one-page, large-print PDF of up to five services that a client can keep (many are 70–90): name, what it does,
phone, opening times, how to get help and what to say when you call. Printable on the ward.

Made with fpdf2 in DejaVu Sans (the font matplotlib ships, so no extra download), which covers accented and
Polish/Lithuanian/Romanian letters. Body text is 14 pt; when five services would spill onto a second page their
descriptions are shortened, never the print size. No patient details are ever put in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from matplotlib import get_data_path

from directory.cards import how_to_reach, readable_hours, summary_of
from directory.records import ServiceRecord
from directory.taxonomy import category_label

MAX_SERVICES = 5
BODY_PT = 14
NAME_PT = 16
TITLE_PT = 22
LINE_MM = 6.2  # 14 pt with comfortable leading
MARGIN_MM = 12
DESCRIPTION_LIMITS = (150, 110, 70, 45)  # tried in turn until everything fits on one page
_FONTS = Path(get_data_path()) / "fonts" / "ttf"


@dataclass(frozen=True)
class HandoutText:
    """The fixed words (English by default; pass translated ones for a client's language)."""

    title: str = "Your local support"
    intro: str = "Services that can help. Keep this somewhere handy."
    phone: str = "Phone"
    open_at: str = "Open"
    how: str = "How to get help"
    say: str = "When you call, you could say"
    script: str = "Hello, the social prescribing service told me about you. I'd like help with {topic}."
    footer: str = "Questions? Call the social prescribing team on {phone}. In an emergency call 999."
    source_note: str = "Service details are as each organisation gave them."


def handout_pdf(records: Sequence[ServiceRecord], team_phone: str, words: HandoutText = HandoutText()) -> bytes:
    """The handout for the first `MAX_SERVICES` records, on one A4 page."""
    chosen = list(records)[:MAX_SERVICES]
    pdf = _render(chosen, team_phone, words, DESCRIPTION_LIMITS[0])
    for limit in DESCRIPTION_LIMITS[1:]:
        if pdf.page_no() == 1:
            break
        pdf = _render(chosen, team_phone, words, limit)
    return bytes(pdf.output())


def _render(records: list[ServiceRecord], team_phone: str, words: HandoutText, description_chars: int) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_font("DejaVu", "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(words.title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", TITLE_PT)
    pdf.multi_cell(0, 10, words.title, new_x="LMARGIN", new_y="NEXT")
    _line(pdf, words.intro)
    for number, record in enumerate(records, start=1):
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", NAME_PT)
        pdf.multi_cell(0, 7.2, f"{number}. {record.name}", new_x="LMARGIN", new_y="NEXT", align="L")
        if description_chars and (about := summary_of(record.description, description_chars)):
            _line(pdf, about)
        contact = f"{words.phone}: {record.phone}" if record.phone else (record.url or record.email)
        hours = f"{words.open_at}: {readable_hours(record.opening_hours)}" if record.opening_hours else ""
        _line(pdf, "   ·   ".join(part for part in (contact, hours) if part), bold=True)
        _line(pdf, f"{words.how}: {how_to_reach(record)}")
        topic = category_label(record.categories[0]).lower() if record.categories else "my situation"
        _line(pdf, f"{words.say}: “{words.script.format(name=record.name, topic=topic)}”")
    pdf.ln(3)
    _line(pdf, words.footer.format(phone=team_phone), bold=True)
    _line(pdf, words.source_note)
    return pdf


def _line(pdf: FPDF, text: str, *, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", BODY_PT)
    pdf.multi_cell(0, LINE_MM, text, new_x="LMARGIN", new_y="NEXT", align="L")
