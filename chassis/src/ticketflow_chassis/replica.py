"""Revision-checked replicas of another service's facts: a snapshot replaces the held one
only when its revision is newer, so the order and duplication of events do not matter."""

from __future__ import annotations

from ticketflow_chassis.store.port import Document
from ticketflow_chassis.uow import Session


async def apply_if_newer(
    session: Session, collection: str, document: Document, revision: int
) -> bool:
    """Store `document` (with its `id`) at `revision` unless a newer or equal one is held.

    Returns whether it was applied; two concurrent applications conflict on the version
    check, and the consumer's retry then finds the newer one held.
    """
    current = await session.get(collection, document["id"])
    if current is not None and current["revision"] >= revision:
        return False
    await session.put(
        collection,
        {**document, "revision": revision},
        expected_version=current["version"] if current is not None else None,
    )
    return True
