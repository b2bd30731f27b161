"""The email channel across real processes, the real broker and real SMTP (smtplib to the
channels service's listener): a thread followed through reply, forward and reply to the
forward while a stranger quoting its token gets a thread of their own; duplicates stored
once; 550 and 552; auto-replies and a loop held; two ingestion workers racing on the same
message make one."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from tests.e2e.email_channel import connected_inbox, email
from tests.e2e.suite import Suite

pytestmark = [pytest.mark.rabbitmq, pytest.mark.e2e]


async def test_a_thread_is_followed_and_a_stranger_quoting_its_token_is_not_let_in(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        ann = "Ann Smith <ann@example.org>"
        assert (
            await inbox.send(email(ann, inbox.address, "Printer on fire", message_id="<n1@x>"))
            == "250"
        )
        new = await inbox.event_for("n1@x")
        async with httpx.AsyncClient() as client:
            thread = await inbox.get(client, f"/channels/v1/conversations/{new['thread_id']}")
        token = thread["threadToken"]

        await inbox.send(
            email(ann, inbox.address, "Re: Printer", message_id="<n2@x>", in_reply_to="<n1@x>")
        )
        reply = await inbox.event_for("n2@x")
        await inbox.send(
            email(ann, inbox.address, "Fwd: invoice", message_id="<n3@x>", in_reply_to="<n2@x>")
        )
        forward = await inbox.event_for("n3@x")
        await inbox.send(
            email(ann, inbox.address, "Re: Fwd: invoice", message_id="<n4@x>", in_reply_to="<n3@x>")
        )
        reply_to_forward = await inbox.event_for("n4@x")
        stranger = f"support+{token}@{inbox.address.split('@')[1]}"
        await inbox.send(
            email(
                "Mallory <mallory@example.org>",
                stranger,
                f"Re: Printer [#{token}]",
                message_id="<n5@x>",
            ),
            to=inbox.address,
        )
        intruder = await inbox.event_for("n5@x")

        story = [new, reply, forward, reply_to_forward, intruder]
        assert [(e["classification"], e["matched_by"]) for e in story] == [
            ("new", "none"),
            ("reply", "in_reply_to"),
            ("forward", "in_reply_to"),
            ("reply_to_forward", "in_reply_to"),
            ("new", "none"),
        ]
        assert {e["thread_id"] for e in story[:4]} == {new["thread_id"]}
        assert intruder["thread_id"] != new["thread_id"]
        assert new["sender"] == {"name": "Ann Smith", "address": "ann@example.org", "user_id": None}
        async with httpx.AsyncClient() as client:
            messages = await inbox.get(
                client, f"/channels/v1/conversations/{new['thread_id']}/messages"
            )
            contact = await inbox.get(client, f"/channels/v1/contacts/{new['contact_id']}")
        assert [m["emailMessageId"] for m in messages["results"]] == [
            "n1@x",
            "n2@x",
            "n3@x",
            "n4@x",
        ]
        assert (contact["email"], contact["displayName"]) == ("ann@example.org", "Ann Smith")


async def test_the_same_message_over_smtp_twice_and_over_http_is_one_message(
    suite: Suite,
) -> None:
    async with connected_inbox(suite) as inbox:
        raw = email("ann@example.org", inbox.address, "Twice", message_id="<dup@x>")

        answers = [await inbox.send(raw), await inbox.send(raw)]
        async with httpx.AsyncClient() as client:
            posted = await client.post(
                suite.services["channels"].url + "/channels/v1/inbound/email",
                content=raw,
                headers={**inbox.headers, "Content-Type": "message/rfc822"},
            )
            await inbox.event_for("dup@x")
            for _ in range(100):
                duplicates = await inbox.get(client, "/channels/v1/intakes?status=duplicate")
                if len(duplicates["results"]) == 2:
                    break
                await asyncio.sleep(0.1)

        assert answers == ["250", "250"]
        assert posted.status_code == 202, posted.text
        assert len(duplicates["results"]) == 2
        await asyncio.sleep(0.5)  # a second event would have arrived by now
        assert len(inbox.of_account("conversation.message_received")) == 1


async def test_unknown_addresses_and_oversize_mail_are_refused(suite: Suite) -> None:
    async with connected_inbox(suite) as inbox:
        unknown = await inbox.send(
            email("a@example.org", "nobody@acme.test", "Hi"), to="nobody@acme.test"
        )
        huge = email("a@example.org", inbox.address, "Big", body="x" * (25 * 1024 * 1024 + 10))
        too_big = await inbox.send(huge)
        still_fine = await inbox.send(
            email("a@example.org", inbox.address, "Small", message_id="<s@x>")
        )

        assert unknown.startswith("550"), unknown
        assert too_big.startswith("552"), too_big
        assert still_fine == "250"
        await inbox.event_for("s@x")
        assert [
            e["payload"]["subject"] for e in inbox.of_account("conversation.message_received")
        ] == ["Small"]


async def test_auto_replies_are_held_and_a_loop_is_held_after_its_burst(suite: Suite) -> None:
    async with connected_inbox(suite) as inbox:
        await inbox.send(
            email(
                "ooo@example.org",
                inbox.address,
                "Out of office",
                message_id="<ooo@x>",
                headers={"Auto-Submitted": "auto-replied"},
            )
        )
        for i in range(21):
            await inbox.send(
                email("bot@example.org", inbox.address, f"Alert {i}", message_id=f"<bot{i}@x>")
            )

        held = await inbox.event_for("ooo@x", "conversation.message_held")
        last = await inbox.event_for("bot20@x", "conversation.message_held")
        await inbox.event_for("bot18@x")
        nineteenth = await inbox.event_for("bot19@x", "conversation.message_held")

        assert held["reason"] == "auto_reply"
        assert (nineteenth["reason"], last["reason"]) == ("suspected_loop", "suspected_loop")
        received = inbox.of_account("conversation.message_received")
        assert len(received) == 19
        assert "ooo@x" not in {e["payload"]["email_message_id"] for e in received}


def queue_consumers(amqp_url: str, queue: str) -> int:
    vhost = unquote(urlsplit(amqp_url).path.lstrip("/")) or "/"
    listed = subprocess.run(
        [
            "rabbitmqctl",
            "list_queues",
            "-p",
            vhost,
            "name",
            "consumers",
            "--no-table-headers",
            "-q",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    counts = dict(line.split()[:2] for line in listed.splitlines() if line.strip())
    return int(counts.get(queue, 0))


async def test_two_ingestion_workers_racing_on_the_same_messages_make_each_once(
    private_suite: Suite,
) -> None:
    suite = private_suite
    await suite.services["channels"].stop()
    intake = suite.add("channels")
    intake.env["CHANNELS_ROLE"] = "intake"
    await intake.start()
    workers = [suite.add_extra("channels", f"ingest-{n}", CHANNELS_ROLE="ingest") for n in range(2)]
    await asyncio.gather(*(w.start() for w in workers))
    for _ in range(50):
        consumers = await asyncio.to_thread(
            queue_consumers, suite.amqp_url, "channels.email-ingest"
        )
        if consumers == 2:
            break
        await asyncio.sleep(0.2)
    assert consumers == 2

    async with connected_inbox(suite) as inbox:
        ids = [f"race{n}-{uuid.uuid4().hex[:6]}@x" for n in range(10)]
        copies = [
            email("ann@example.org", inbox.address, f"Race {i}", message_id=f"<{i}>") for i in ids
        ]
        answers = await asyncio.gather(*(inbox.send(raw) for raw in copies for _ in range(4)))
        for email_message_id in ids:
            await inbox.event_for(email_message_id)
        await asyncio.sleep(1.0)  # time for any second event to arrive

        assert set(answers) == {"250"}
        received = [
            e["payload"]["email_message_id"]
            for e in inbox.of_account("conversation.message_received")
        ]
        assert sorted(received) == sorted(ids)
