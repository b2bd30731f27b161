"""Conversations, their messages and the Message-IDs that thread them <-> documents.

- `conversations` `<account_id>:<id>`: the token unique per account (how a reply that lost
  its headers finds its thread);
- `messages` `<account_id>:<id>`: inbound and outbound; outbound ones waiting to be sent are
  found by (state, next_attempt_at) across accounts;
- `email_ids` `<account_id>:<sha256 of the Message-ID>`: every Message-ID received or sent,
  with its message and conversation. Its id is the dedupe backstop: two workers storing the
  same message both write it, and the second one's transaction conflicts.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from ticketflow_channels.domain.conversations import (
    Conversation,
    ConversationMessage,
    Participant,
    SendState,
    StoredAttachment,
)
from ticketflow_chassis.store.port import (
    Collection,
    Document,
    Eq,
    Index,
    Query,
    Range,
    SortKey,
    scoped_id,
    stored_time,
)
from ticketflow_chassis.uow import Session
from ticketflow_contracts import (
    ChannelType,
    HeldReason,
    MatchedBy,
    MessageClassification,
    MessageDirection,
    SendOrigin,
)

CONVERSATIONS = "conversations"
MESSAGES = "messages"
EMAIL_IDS = "email_ids"
NO_CONVERSATION = ""  # a held message's conversation_id in its document (an indexed string)

CONVERSATION_COLLECTIONS = (
    Collection(
        CONVERSATIONS,
        (
            Index(("account_id", "token"), unique=True),
            Index(("account_id", "-last_message_at")),
            Index(("account_id", "channel", "-last_message_at")),
            Index(("account_id", "contact_id", "-last_message_at")),
            Index(("account_id", "ticket_id", "-last_message_at")),
        ),
        field_types={
            "account_id": "string",
            "token": "string",
            "last_message_at": "string",
            "channel": "string",
            "contact_id": "string",
            "ticket_id": "string",
        },
    ),
    Collection(
        MESSAGES,
        (
            Index(("account_id", "conversation_id", "occurred_at")),
            Index(("account_id", "contact_id", "occurred_at")),
            Index(("state", "next_attempt_at")),
        ),
        field_types={
            "account_id": "string",
            "conversation_id": "string",
            "occurred_at": "string",
            "contact_id": "string",
            "state": "string",
            "next_attempt_at": "string",
        },
    ),
    Collection(EMAIL_IDS),
)


def email_id_key(account_id: str, email_message_id: str) -> str:
    """Message-IDs are compared as written (RFC 5322: case-sensitive), without brackets."""
    digest = hashlib.sha256(email_message_id.strip().strip("<>").encode()).hexdigest()[:40]
    return scoped_id(account_id, digest)


def _time(moment: datetime | None) -> str | None:
    return stored_time(moment) if moment is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def conversation_to_doc(conversation: Conversation) -> Document:
    return {
        "id": scoped_id(conversation.account_id, conversation.id),
        "conversation_id": conversation.id,
        "account_id": conversation.account_id,
        "channel": conversation.channel.value,
        "connection_id": conversation.connection_id,
        "contact_id": conversation.contact_id,
        "subject": conversation.subject,
        "token": conversation.token,
        "ticket_id": conversation.ticket_id or "",
        "created_at": _time(conversation.created_at),
        "last_message_at": _time(conversation.last_message_at),
        "message_count": conversation.message_count,
    }


def conversation_from_doc(doc: Document) -> Conversation:
    return Conversation(
        id=doc["conversation_id"],
        account_id=doc["account_id"],
        channel=ChannelType(doc["channel"]),
        connection_id=doc["connection_id"],
        contact_id=doc["contact_id"],
        subject=doc["subject"],
        token=doc["token"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        last_message_at=datetime.fromisoformat(doc["last_message_at"]),
        ticket_id=doc["ticket_id"] or None,
        message_count=doc["message_count"],
        version=doc["version"],
    )


def _participant(value: dict[str, Any] | None) -> Participant | None:
    return Participant(value["address"], value.get("name", "")) if value else None


def message_to_doc(message: ConversationMessage) -> Document:
    return {
        "id": scoped_id(message.account_id, message.id),
        "message_id": message.id,
        "account_id": message.account_id,
        "channel": message.channel.value,
        "direction": message.direction.value,
        "occurred_at": _time(message.occurred_at),
        "conversation_id": message.conversation_id or NO_CONVERSATION,
        "contact_id": message.contact_id or "",
        "sender": vars(message.sender) if message.sender else None,
        "recipients": [vars(r) for r in message.recipients],
        "subject": message.subject,
        "text": message.text,
        "full_text": message.full_text,
        "html": message.html,
        "email_message_id": message.email_message_id,
        "in_reply_to": message.in_reply_to,
        "references": list(message.references),
        "attachments": [vars(a) for a in message.attachments],
        "classification": message.classification.value if message.classification else None,
        "signal": message.signal,
        "matched_by": message.matched_by.value if message.matched_by else None,
        "held": message.held.value if message.held else None,
        "automated": message.automated,
        "connection_id": message.connection_id,
        "raw_sha256": message.raw_sha256,
        "problems": list(message.problems),
        "origin": message.origin.value if message.origin else None,
        "ticket_id": message.ticket_id,
        "user_id": message.user_id,
        "state": message.state.value,
        "attempts": message.attempts,
        "next_attempt_at": _time(message.next_attempt_at),
        "error": message.error,
    }


def message_from_doc(doc: Document) -> ConversationMessage:
    return ConversationMessage(
        id=doc["message_id"],
        account_id=doc["account_id"],
        channel=ChannelType(doc["channel"]),
        direction=MessageDirection(doc["direction"]),
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
        conversation_id=doc["conversation_id"] or None,
        contact_id=doc["contact_id"] or None,
        sender=_participant(doc["sender"]),
        recipients=tuple(Participant(r["address"], r.get("name", "")) for r in doc["recipients"]),
        subject=doc["subject"],
        text=doc["text"],
        full_text=doc["full_text"],
        html=doc["html"],
        email_message_id=doc["email_message_id"],
        in_reply_to=doc["in_reply_to"],
        references=tuple(doc["references"]),
        attachments=tuple(StoredAttachment(**a) for a in doc["attachments"]),
        classification=(
            MessageClassification(doc["classification"]) if doc["classification"] else None
        ),
        signal=doc["signal"],
        matched_by=MatchedBy(doc["matched_by"]) if doc["matched_by"] else None,
        held=HeldReason(doc["held"]) if doc["held"] else None,
        automated=doc["automated"],
        connection_id=doc["connection_id"],
        raw_sha256=doc["raw_sha256"],
        problems=tuple(doc["problems"]),
        origin=SendOrigin(doc["origin"]) if doc["origin"] else None,
        ticket_id=doc["ticket_id"],
        user_id=doc["user_id"],
        state=SendState(doc["state"]),
        attempts=doc["attempts"],
        next_attempt_at=_parse_time(doc["next_attempt_at"]),
        error=doc["error"],
        version=doc["version"],
    )


class ConversationRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, conversation_id: str) -> Conversation | None:
        doc = await self._session.get(CONVERSATIONS, scoped_id(account_id, conversation_id))
        return conversation_from_doc(doc) if doc else None

    async def by_token(self, account_id: str, token: str) -> Conversation | None:
        query = Query((Eq("account_id", account_id), Eq("token", token)), limit=1)
        page = await self._session.find(CONVERSATIONS, query)
        return conversation_from_doc(page.items[0]) if page.items else None

    async def save(self, conversation: Conversation) -> None:
        await self._session.put(
            CONVERSATIONS, conversation_to_doc(conversation), expected_version=conversation.version
        )

    async def page(
        self,
        account_id: str,
        *,
        channel: ChannelType | None,
        contact_id: str | None,
        ticket_id: str | None,
        limit: int,
        after: str | None,
    ) -> tuple[list[Conversation], str | None]:
        """Most recently active first, filtered by at most one of channel, contact, ticket."""
        filters: list[Eq] = [Eq("account_id", account_id)]
        if channel is not None:
            filters.append(Eq("channel", channel.value))
        elif contact_id is not None:
            filters.append(Eq("contact_id", contact_id))
        elif ticket_id is not None:
            filters.append(Eq("ticket_id", ticket_id))
        query = Query(tuple(filters), (SortKey("last_message_at", descending=True),), limit, after)
        page = await self._session.find(CONVERSATIONS, query)
        return [conversation_from_doc(doc) for doc in page.items], page.next_after


class MessageRepository:
    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, message_id: str) -> ConversationMessage | None:
        doc = await self._session.get(MESSAGES, scoped_id(account_id, message_id))
        return message_from_doc(doc) if doc else None

    async def save(self, message: ConversationMessage) -> ConversationMessage:
        """Insert, or replace at the version it was read at; returns it at its new version."""
        stored = await self._session.put(
            MESSAGES, message_to_doc(message), expected_version=message.version
        )
        return replace(message, version=stored["version"])

    async def in_conversation(
        self, account_id: str, conversation_id: str, *, limit: int, after: str | None
    ) -> tuple[list[ConversationMessage], str | None]:
        """Oldest first."""
        query = Query(
            (Eq("account_id", account_id), Eq("conversation_id", conversation_id)),
            (SortKey("occurred_at"),),
            limit,
            after,
        )
        page = await self._session.find(MESSAGES, query)
        return [message_from_doc(doc) for doc in page.items], page.next_after

    async def latest_in_conversation(
        self, account_id: str, conversation_id: str, *, limit: int
    ) -> list[ConversationMessage]:
        """Newest first."""
        query = Query(
            (Eq("account_id", account_id), Eq("conversation_id", conversation_id)),
            (SortKey("occurred_at", descending=True),),
            limit,
        )
        page = await self._session.find(MESSAGES, query)
        return [message_from_doc(doc) for doc in page.items]

    async def count_from_contact_since(
        self, account_id: str, contact_id: str, since: datetime
    ) -> int:
        return await self._session.count(
            MESSAGES,
            (
                Eq("account_id", account_id),
                Eq("contact_id", contact_id),
                Range("occurred_at", gte=stored_time(since)),
            ),
        )

    async def due_for_sending(self, now: datetime, limit: int) -> list[ConversationMessage]:
        """Outbound messages waiting to be sent whose next attempt is due, across accounts."""
        query = Query(
            (
                Eq("state", SendState.PENDING.value),
                Range("next_attempt_at", lte=stored_time(now)),
            ),
            (SortKey("next_attempt_at"),),
            limit,
        )
        page = await self._session.find(MESSAGES, query)
        return [message_from_doc(doc) for doc in page.items]


class EmailIdRepository:
    """Every Message-ID received or sent in an account."""

    def __init__(self, session: Session):
        self._session = session

    async def get(self, account_id: str, email_message_id: str) -> Document | None:
        return await self._session.get(EMAIL_IDS, email_id_key(account_id, email_message_id))

    async def add(
        self,
        account_id: str,
        email_message_id: str,
        message: ConversationMessage,
    ) -> None:
        """Raises the store's ConflictError when the Message-ID is known already."""
        await self._session.put(
            EMAIL_IDS,
            {
                "id": email_id_key(account_id, email_message_id),
                "message_id": message.id,
                "conversation_id": message.conversation_id or NO_CONVERSATION,
                "contact_id": message.contact_id or "",
                "classification": (
                    message.classification.value if message.classification else None
                ),
            },
            expected_version=None,
        )
