"""Where each case's card sits in each chat, so a case is shown once per chat: later views edit or replace it."""

from __future__ import annotations

from sqlmodel import Session, delete, select

from casework.models import CaseCard
from core.clock import utcnow


def shown_card(session: Session, chat_id: int, referral_id: int) -> int | None:
    """The message id of the case's card in this chat, if one is known."""
    card = session.get(CaseCard, (chat_id, referral_id))
    return card.message_id if card else None


def remember_card(session: Session, chat_id: int, referral_id: int, message_id: int) -> None:
    """Record (or move) the case's card in this chat."""
    card = session.get(CaseCard, (chat_id, referral_id)) or CaseCard(
        chat_id=chat_id, referral_id=referral_id, message_id=message_id
    )
    card.message_id, card.shown_at = message_id, utcnow()
    session.add(card)


def forget_cards(session: Session, *, chat_id: int | None = None, referral_id: int | None = None) -> list[CaseCard]:
    """Forget the cards of one chat and/or one case; returns them so their messages can be removed."""
    criteria = [
        *([CaseCard.chat_id == chat_id] if chat_id is not None else []),
        *([CaseCard.referral_id == referral_id] if referral_id is not None else []),
    ]
    cards = list(session.exec(select(CaseCard).where(*criteria)).all())
    if cards:
        session.execute(delete(CaseCard).where(*criteria))
    return cards
