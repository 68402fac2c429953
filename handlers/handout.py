"""The large-print PDF handout (directory.handout), sent as a document: by the link worker from a case (the services
it was signposted to) or by the ward nurse after a referral (services suggested from its reasons). It holds no
patient details, so it can be printed on the ward or forwarded to the client."""

from __future__ import annotations

import logging

from telegram.ext import Application, CallbackQueryHandler

from casework.models import Referral, Role
from casework.referrals import get_referral, signposted_service_ids
from casework.roles import may
from casework.signposting import suggest_services
from directory.handout import MAX_SERVICES, handout_pdf
from handlers.cases import NOT_FOUND
from handlers.kit import STALE_BUTTON, Turn, callback_parts, on_update, staff_only

log = logging.getLogger(__name__)
HANDOUT_BUTTON = "🖨 Large-print handout"
NOTHING_TO_LIST = "There are no services to put on a handout yet: signpost the case to a service first."
NOT_YOURS = "Only the referrer or a link worker can make a handout for this referral."


def handout_button(reference: str) -> tuple[str, str]:
    return HANDOUT_BUTTON, f"hd:{reference}"


def _may_make(referral: Referral, user_id: int, role: Role | None) -> bool:
    return referral.referrer_user_id == user_id or may(role, "casework")


@on_update(staff_only("refer"))
def on_handout(turn: Turn) -> None:
    """`hd:<reference>`: the handout PDF for the case, sent to this chat as a document."""
    parts = callback_parts(turn, "hd", 1)
    if parts is None:
        turn.say(STALE_BUTTON)
        return
    referral = get_referral(turn.session, parts[0])
    if referral is None:
        turn.say(NOT_FOUND)
        return
    if not _may_make(referral, turn.user_id, turn.role):
        turn.say(NOT_YOURS)
        return
    ids = signposted_service_ids(turn.session, referral) or [
        hit.service_id for hit in suggest_services(turn.index, list(referral.reasons), MAX_SERVICES)]
    records = [record for sid in ids if (record := turn.index.get(sid)) is not None][:MAX_SERVICES]
    if not records:
        turn.say(NOTHING_TO_LIST)
        return
    turn.document(handout_pdf(records, turn.settings.talk_phone), f"support-{referral.reference}.pdf",
                  f"Large-print handout for {referral.reference} ({len(records)} services, no patient details): "
                  "print it, or forward it to the client.")
    log.info("handout for %s sent", referral.reference)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(on_handout, pattern=r"^hd:"))
