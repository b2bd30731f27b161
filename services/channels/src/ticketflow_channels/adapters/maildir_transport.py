"""Outbound email into a Maildir (the embedded default, `var/outbound-mail/`), readable with
`mailbox.Maildir`: written to `tmp/`, fsynced, linked into `new/`. The file's name is derived
from the Message-ID, so a second delivery of one email finds the first (in `new/`, or in `cur/`
once a reader has seen it) and writes nothing. File I/O runs in a thread."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from pathlib import Path

from ticketflow_channels.domain.mail.outbound import OutboundEmail, bare_id, mime_message

SUBFOLDERS = ("tmp", "new", "cur")


def file_name(email: OutboundEmail) -> str:
    """Our Message-IDs are unique (a random part), so their hash names one file for good."""
    return hashlib.sha256(bare_id(email.message_id).encode()).hexdigest()[:40]


class MaildirTransport:
    def __init__(self, path: Path):
        self.path = path

    async def already_delivered(self, email: OutboundEmail) -> bool:
        return await asyncio.to_thread(self._delivered, file_name(email))

    async def deliver(self, email: OutboundEmail) -> None:
        data = mime_message(email).as_bytes()
        await asyncio.to_thread(self._write, file_name(email), data)

    def _delivered(self, name: str) -> bool:
        if (self.path / "new" / name).exists():
            return True
        cur = self.path / "cur"
        # A reader moves a seen message to cur/, appending its info (`name:2,S`).
        return cur.is_dir() and any(cur.glob(f"{name}*"))

    def _write(self, name: str, data: bytes) -> None:
        for folder in SUBFOLDERS:
            (self.path / folder).mkdir(parents=True, exist_ok=True)
        if self._delivered(name):
            return
        temporary = self.path / "tmp" / f"{name}.{os.getpid()}.{secrets.token_hex(4)}"
        with temporary.open("xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            # A link, unlike a rename, never replaces a file that is there already.
            os.link(temporary, self.path / "new" / name)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        _fsync_folder(self.path / "new")


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
