"""Open Referral UK identifiers: every ORUK `id` is a UUID, so Signpost's own ids (slugs such as
`citizens-advice-norwich`) are written as stable UUIDs (uuid5 of the kind and the id) with the original beside
them in `x_signpost_id`; ids that already are UUIDs (data imported from other publishers) are written unchanged."""

from __future__ import annotations

import uuid

# Fixed for ever: changing it would give every exported record a new id.
NAMESPACE = uuid.UUID("5e7a0c1e-3f0b-5d2a-9a57-6f1c2b8e4d10")
X = "x_signpost_"  # prefix of the fields Signpost holds that ORUK has no place for
X_ID = X + "id"


def is_uuid(text: str) -> bool:
    """Whether `text` is written as a UUID (what ORUK's `format: uuid` accepts)."""
    try:
        uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return len(text) == 36 and all(text[position] == "-" for position in (8, 13, 18, 23))


def oruk_id(kind: str, our_id: str) -> str:
    """The ORUK id of a Signpost record: the id itself when it is a UUID, otherwise uuid5 of kind and id."""
    return our_id if is_uuid(our_id) else str(uuid.uuid5(NAMESPACE, f"{kind}:{our_id}"))


def child_id(parent: str, part: str, number: int = 0) -> str:
    """A stable id for a part of a record with no id of its own in Signpost (a schedule, a phone...)."""
    return str(uuid.uuid5(NAMESPACE, f"{parent}/{part}/{number}"))


def with_id(kind: str, our_id: str) -> dict[str, str]:
    """The `id` fields of an exported record: the ORUK id, and `x_signpost_id` when that differs."""
    exported = oruk_id(kind, our_id)
    return {"id": exported} if exported == our_id else {"id": exported, X_ID: our_id}
