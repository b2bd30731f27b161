"""Which thread an inbound email joins, and what it finally is: explainable threading.

The ingestion handler looks up each signal in order and hands the hits here:
In-Reply-To, then References (newest first), against every Message-ID received or sent;
then our token in a plus-address the mail was sent to (the Reply-To we gave), then in the
subject. Never bare subject text. A hit counts only for the same contact: a stranger who
quotes a token opens a thread of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_channels.domain.mail import MailKind
from ticketflow_contracts import MatchedBy, MessageClassification


@dataclass(frozen=True)
class ThreadHit:
    """A conversation a signal points at, and the message it names (None for a token)."""

    conversation_id: str
    contact_id: str
    matched_by: MatchedBy
    parent_classification: MessageClassification | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class ThreadMatch:
    conversation_id: str | None  # None: the message opens a thread (if it may)
    matched_by: MatchedBy
    classification: MessageClassification


def match_thread(kind: MailKind, hits: list[ThreadHit], contact_id: str) -> ThreadMatch:
    """The first hit of the sender's own, in the order the signals were looked up.

    A reply to a message that was a forward is `reply_to_forward`; a message that says it
    is a reply (by its headers or subject) but matches none of our threads is `new`."""
    hit = next((h for h in hits if h.contact_id == contact_id), None)
    if kind is MailKind.BOUNCE or kind is MailKind.AUTO_REPLY:
        classification = MessageClassification(kind.value)
    elif hit is None:
        classification = (
            MessageClassification.FORWARD if kind is MailKind.FORWARD else MessageClassification.NEW
        )
    elif kind is MailKind.FORWARD:
        classification = MessageClassification.FORWARD
    elif hit.parent_classification in (
        MessageClassification.FORWARD,
        MessageClassification.REPLY_TO_FORWARD,
    ):
        classification = MessageClassification.REPLY_TO_FORWARD
    else:
        classification = MessageClassification.REPLY
    if hit is None:
        return ThreadMatch(None, MatchedBy.NONE, classification)
    return ThreadMatch(hit.conversation_id, hit.matched_by, classification)
