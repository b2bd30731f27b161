"""Ingestion of stored intakes: dedupe, contacts, explainable threading (In-Reply-To,
References, our token in the address or the subject; the same contact only), classification,
auto-replies and bounces held unless they answer a thread, loops held, bad mail recorded."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from ticketflow_channels.adapters.contact_repository import ContactRepository
from ticketflow_channels.adapters.conversation_repository import (
    EmailIdRepository,
    MessageRepository,
)
from ticketflow_channels.domain.conversations import (
    ConversationMessage,
    Participant,
    SendState,
)
from ticketflow_channels.domain.errors import IntakeMissing
from ticketflow_channels.domain.inbound import LoopPolicy
from ticketflow_channels.domain.intake import IntakeStatus
from ticketflow_channels.handlers.ingestion import ingest_email
from ticketflow_channels.ingest_command import IngestEmail
from ticketflow_contracts import (
    ChannelType,
    HeldReason,
    MatchedBy,
    MessageClassification,
    MessageDirection,
    SendOrigin,
)

from ..mail_harness import ACCOUNT, INBOX, Ingestion, context, email


async def test_a_stranger_quoting_a_token_or_a_message_id_opens_a_thread_of_their_own(
    ingestion: Ingestion,
) -> None:
    _, first = await ingestion.deliver(email("ann@example.org", "Mine", message_id="<a1@x>"))
    ann_thread = (await ingestion.message(first)).conversation_id
    token = (await ingestion.conversation(ann_thread)).token

    _, quoting = await ingestion.deliver(
        email("bob@example.org", f"Re: Mine [#{token}]", message_id="<b1@x>", in_reply_to="<a1@x>"),
        recipient=f"support+{token}@acme.test",
    )

    bob = await ingestion.message(quoting)
    assert bob.conversation_id != ann_thread
    assert (bob.classification, bob.matched_by) == (MessageClassification.NEW, MatchedBy.NONE)
    assert (await ingestion.conversation(ann_thread)).message_count == 1


async def test_a_reply_to_a_message_we_sent_joins_its_thread(ingestion: Ingestion) -> None:
    _, first = await ingestion.deliver(email("ann@example.org", "Help", message_id="<h1@x>"))
    inbound = await ingestion.message(first)
    sent = ConversationMessage(
        id="out1",
        account_id=ACCOUNT,
        channel=ChannelType.EMAIL,
        direction=MessageDirection.OUTGOING,
        occurred_at=datetime.now(UTC),
        conversation_id=inbound.conversation_id,
        contact_id=inbound.contact_id,
        sender=Participant(INBOX),
        email_message_id="out1@acme.test",
        origin=SendOrigin.TICKET_RECORD,
        state=SendState.SENT,
    )
    async with ingestion.uow.begin(context()) as session:
        await MessageRepository(session).save(sent)
        await EmailIdRepository(session).add(ACCOUNT, sent.email_message_id, sent)

    _, reply = await ingestion.deliver(
        email("ann@example.org", "Thanks", message_id="<h2@x>", in_reply_to="<out1@acme.test>")
    )

    answer = await ingestion.message(reply)
    assert (answer.conversation_id, answer.matched_by) == (
        inbound.conversation_id,
        MatchedBy.IN_REPLY_TO,
    )


async def test_the_same_message_twice_is_stored_and_published_once(ingestion: Ingestion) -> None:
    raw = email("ann@example.org", "Once", message_id="<once@x>")
    bare = email("carl@example.org", "No id")

    results = [await ingestion.deliver(r) for r in (raw, raw, bare, bare)]
    other_bytes, _ = await ingestion.deliver(email("carl@example.org", "No id", body="Other"))

    assert [status for status, _ in results] + [other_bytes] == [
        IntakeStatus.STORED,
        IntakeStatus.DUPLICATE,
        IntakeStatus.STORED,
        IntakeStatus.DUPLICATE,
        IntakeStatus.STORED,
    ]
    assert results[1][1].message_id == results[0][1].message_id
    assert "Message-ID" in results[1][1].reason
    assert "content" in results[3][1].reason
    assert len(await ingestion.events("conversation.message_received")) == 3


async def test_two_workers_ingesting_the_same_message_at_once_store_it_once(
    ingestion: Ingestion,
) -> None:
    raw = email("ann@example.org", "Race", message_id="<race@x>")

    outcomes = await asyncio.gather(*(ingestion.deliver(raw) for _ in range(4)))

    assert sorted(status.value for status, _ in outcomes) == [
        "duplicate",
        "duplicate",
        "duplicate",
        "stored",
    ]
    assert len({intake.message_id for _, intake in outcomes}) == 1
    assert len(await ingestion.events("conversation.message_received")) == 1


async def test_a_redelivered_command_does_nothing_more(ingestion: Ingestion) -> None:
    status, intake = await ingestion.deliver(email("ann@example.org", "Hi", message_id="<r@x>"))

    again = await ingestion_of(ingestion, intake.id)

    assert (status, again) == (IntakeStatus.STORED, IntakeStatus.STORED)
    assert len(await ingestion.events("conversation.message_received")) == 1


async def ingestion_of(ingestion: Ingestion, intake_id: str) -> IntakeStatus:
    return await ingest_email(
        IngestEmail(intake_id=intake_id),
        ingestion.blobs,
        ingestion.policy,
        ingestion.uow,
        context(),
    )


@pytest.mark.parametrize(
    ("raw", "mail_from", "reason"),
    [
        (
            email("ann@example.org", "Out of office", headers={"Auto-Submitted": "auto-replied"}),
            "ann@example.org",
            HeldReason.AUTO_REPLY,
        ),
        (email("MAILER-DAEMON@mx.example.org", "Undelivered"), "", HeldReason.BOUNCE),
        (email("ann@example.org", "Delivery report"), "", HeldReason.BOUNCE),
        (email(f"Support <{INBOX.upper()}>", "Our own mail back"), INBOX, HeldReason.AUTO_REPLY),
    ],
    ids=["auto-reply", "mailer-daemon", "null-reverse-path", "our-own-address"],
)
async def test_automatic_mail_that_answers_no_thread_is_held_and_opens_none(
    ingestion: Ingestion, raw: bytes, mail_from: str, reason: HeldReason
) -> None:
    status, intake = await ingestion.deliver(raw, mail_from=mail_from)

    held = await ingestion.message(intake)
    assert (status, held.held, held.conversation_id, held.automated or reason is None) == (
        IntakeStatus.HELD,
        reason,
        None,
        True,
    )
    assert await ingestion.events("conversation.message_received") == []
    [event] = await ingestion.events("conversation.message_held")
    assert event["payload"]["reason"] == reason.value


async def test_mail_from_our_own_address_makes_no_contact(ingestion: Ingestion) -> None:
    await ingestion.deliver(email(INBOX, "Loop"), mail_from=INBOX)

    async with ingestion.uow.read(context()) as session:
        contacts, _ = await ContactRepository(session).page(ACCOUNT, limit=10, after=None)
    assert contacts == []


async def test_an_auto_reply_to_our_thread_joins_it_flagged_and_opens_nothing(
    ingestion: Ingestion,
) -> None:
    _, first = await ingestion.deliver(email("ann@example.org", "Help", message_id="<q1@x>"))
    thread = (await ingestion.message(first)).conversation_id

    status, ooo = await ingestion.deliver(
        email(
            "ann@example.org",
            "Automatic reply: Help",
            in_reply_to="<q1@x>",
            headers={"X-Autoreply": "yes"},
        )
    )

    message = await ingestion.message(ooo)
    assert (status, message.conversation_id, message.classification, message.automated) == (
        IntakeStatus.STORED,
        thread,
        MessageClassification.AUTO_REPLY,
        True,
    )
    last = (await ingestion.events("conversation.message_received"))[-1]["payload"]
    assert (last["automated"], last["thread_relation"]) == (True, "other")


async def test_a_burst_from_one_sender_is_held_as_a_suspected_loop(ingestion: Ingestion) -> None:
    ingestion.policy = LoopPolicy(burst=5, window_seconds=600)
    statuses = [
        (await ingestion.deliver(email("bot@example.org", f"Ticket {i}")))[0] for i in range(7)
    ]

    assert statuses == [IntakeStatus.STORED] * 4 + [IntakeStatus.HELD] * 3
    held = await ingestion.events("conversation.message_held")
    assert {e["payload"]["reason"] for e in held} == {"suspected_loop"}
    assert len(held) == 3
    other, _ = await ingestion.deliver(email("someone@example.org", "Unrelated"))
    assert other is IntakeStatus.STORED


async def test_an_unparsable_email_is_recorded_failed_with_the_reason(
    ingestion: Ingestion,
) -> None:
    status, intake = await ingestion.deliver(b"Subject: no sender\r\n\r\nbody")
    garbage, not_mail = await ingestion.deliver(b"\x00\x01 not an email at all")

    assert (status, intake.message_id) == (IntakeStatus.FAILED, None)
    assert intake.reason == "unparsable email: no From address"
    assert garbage is IntakeStatus.FAILED
    assert "header" in not_mail.reason
    assert await ingestion.events() == []


async def test_an_ingestion_command_for_no_intake_is_poison(ingestion: Ingestion) -> None:
    with pytest.raises(IntakeMissing):
        await ingestion_of(ingestion, "nothing-here")


async def test_attachments_are_kept_in_the_blob_store_with_their_metadata(
    ingestion: Ingestion,
) -> None:
    message = EmailMessage()
    message["From"] = "ann@example.org"
    message["To"] = INBOX
    message["Subject"] = "Logs"
    message.set_content("See attached")
    content = b"line 1\nline 2\n" * 100
    message.add_attachment(content, maintype="text", subtype="csv", filename="logs.csv")

    _, intake = await ingestion.deliver(message.as_bytes())

    stored = await ingestion.message(intake)
    [attachment] = stored.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "logs.csv",
        "text/csv",
        len(content),
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    kept = b"".join([c async for c in ingestion.blobs.chunks(attachment.sha256)])
    assert kept == content
    [event] = await ingestion.events("conversation.message_received")
    assert event["payload"]["attachment_count"] == 1
