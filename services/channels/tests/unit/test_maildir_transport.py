"""The Maildir transport: an email lands in `new/`, readable with `mailbox.Maildir`; delivering
it again (a restart after a crash between delivery and record) writes nothing, also once a
reader has moved it to `cur/`; nothing is left in `tmp/`."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path

from ticketflow_channels.adapters.maildir_transport import MaildirTransport
from ticketflow_channels.domain.mail.outbound import MailParty, OutboundEmail


def outbound(message_id: str = "m1@acme.test") -> OutboundEmail:
    return OutboundEmail(
        message_id=message_id,
        sender=MailParty("help@acme.test"),
        recipients=(MailParty("ada@example.org", "Ada"),),
        reply_to="help+T-ABCDEFGH23@acme.test",
        subject="Re: Printer [#T-ABCDEFGH23]",
        date=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        text="On it",
    )


async def test_a_delivered_email_is_read_back_with_mailbox_maildir(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "outbound-mail")
    assert not await transport.already_delivered(outbound())

    await transport.deliver(outbound())

    [message] = mailbox.Maildir(tmp_path / "outbound-mail", create=False)
    assert message["Message-ID"] == "<m1@acme.test>"
    assert message["To"] == "Ada <ada@example.org>"
    assert message.get_payload().strip() == "On it"
    assert await transport.already_delivered(outbound())
    assert list((tmp_path / "outbound-mail" / "tmp").iterdir()) == []


async def test_delivering_again_leaves_one_copy_also_once_it_was_read(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    await transport.deliver(outbound())
    await transport.deliver(outbound())
    box = mailbox.Maildir(tmp_path, create=False)
    assert len(box) == 1

    [key] = box.keys()
    seen = box[key]
    seen.set_subdir("cur")
    seen.add_flag("S")
    box[key] = seen  # a reader moves it to cur/ with its flags
    assert list((tmp_path / "new").iterdir()) == []

    assert await transport.already_delivered(outbound())
    await transport.deliver(outbound())
    await transport.deliver(outbound("m2@acme.test"))
    assert sorted(m["Message-ID"] for m in mailbox.Maildir(tmp_path, create=False)) == [
        "<m1@acme.test>",
        "<m2@acme.test>",
    ]
