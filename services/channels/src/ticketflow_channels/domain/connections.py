"""ChannelConnection aggregate: an account's connected inbox email address, chat widget or
Facebook page, the pipeline its new tickets go to, and whether it creates tickets at all.

Rules: an email address is well formed; a chat or Messenger name is non-blank, at most 100
characters; neither holds control characters; one connected channel per (account, type,
address), email compared without case; the target pipeline exists and is not deleted (a
connection still on a pipeline when its deletion arrives moves to the account's first
remaining pipeline, or is disconnected if none is left). Each change raises the revision and
records the event replicas apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ticketflow_channels.domain.errors import (
    ConnectionExists,
    ConnectionNotFound,
    InvalidConnection,
)
from ticketflow_channels.domain.replicas import PipelineReplica
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
    Event,
    forbidden_control_characters,
)

MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path, less its angle brackets
MAX_LOCAL_PART_LENGTH = 64
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


@dataclass(frozen=True)
class NewConnection:
    """A channel to connect, as the request describes it."""

    type: ChannelType
    address: str
    pipeline_id: str
    create_tickets: bool = True


@dataclass(frozen=True)
class ConnectionChanges:
    """An update: None keeps the current value."""

    address: str | None = None
    pipeline_id: str | None = None
    create_tickets: bool | None = None


def clean_address(channel_type: ChannelType, address: str) -> str:
    """The address as stored: an email address trimmed and checked; a chat widget's or a
    Facebook page's name trimmed, inner runs of spaces folded, 1-100 characters; neither
    may hold control characters or bidi overrides."""
    forbidden = forbidden_control_characters(address)
    if forbidden:
        raise InvalidConnection(
            f"address must not hold control characters ({', '.join(forbidden)})",
            "address",
            "control_characters",
        )
    if channel_type is ChannelType.EMAIL:
        return _clean_email(address)
    name = " ".join(address.split())
    if not name:
        raise InvalidConnection(f"a {channel_type.value} channel needs a name", "address", "blank")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidConnection(
            f"a channel name is at most {MAX_NAME_LENGTH} characters", "address", "too_long"
        )
    return name


def _clean_email(address: str) -> str:
    email = address.strip()
    if not email:
        raise InvalidConnection("an email channel needs an email address", "address", "blank")
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidConnection(
            f"an email address is at most {MAX_EMAIL_LENGTH} characters", "address", "too_long"
        )
    local, at, domain = email.rpartition("@")
    well_formed = (
        at == "@"
        and len(local) <= MAX_LOCAL_PART_LENGTH
        and _LOCAL_PART.fullmatch(local) is not None
        and _DOMAIN.fullmatch(domain) is not None
    )
    if not well_formed:
        raise InvalidConnection(
            f"{email!r} is not a valid email address", "address", "invalid_email"
        )
    return email


def address_key(channel_type: ChannelType, address: str) -> str:
    """What must be unique per account and type: email addresses compare without case."""
    return address.casefold() if channel_type is ChannelType.EMAIL else address


def require_target(pipeline_id: str, target: PipelineReplica | None) -> None:
    """New tickets need a pipeline that exists, as far as this service has heard."""
    if target is None or target.pipeline.id != pipeline_id or not target.accepts_tickets:
        raise InvalidConnection(
            f"pipeline {pipeline_id!r} does not exist", "pipelineId", "unknown_pipeline"
        )


def successor_of(
    deleted_pipeline_id: str, pipelines: Iterable[PipelineReplica]
) -> PipelineReplica | None:
    """Where a deleted pipeline's channels go: the account's first remaining pipeline by
    display order (the one HubSpot lists first), None when there is none."""
    remaining = [p for p in pipelines if p.accepts_tickets and p.pipeline.id != deleted_pipeline_id]
    return min(remaining, key=lambda p: (p.pipeline.display_order, p.pipeline.id), default=None)


@dataclass
class ChannelConnection:
    account_id: str
    state: ChannelConnectionSnapshot
    revision: int
    version: int | None = None
    events: list[Event] = field(default_factory=list, compare=False)

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def type(self) -> ChannelType:
        return self.state.type

    @property
    def connected(self) -> bool:
        return self.state.connected

    @property
    def address_key(self) -> str:
        return address_key(self.type, self.state.address)

    @classmethod
    def connect(
        cls,
        *,
        account_id: str,
        connection_id: str,
        new: NewConnection,
        target: PipelineReplica | None,
        taken: ChannelConnection | None,
        now: datetime,
    ) -> ChannelConnection:
        """`target` is the replica of `new.pipeline_id`; `taken` the account's connected
        channel with the same type and address key, if there is one."""
        address = clean_address(new.type, new.address)
        require_target(new.pipeline_id, target)
        _require_free(new.type, address, taken, connection_id)
        state = ChannelConnectionSnapshot(
            id=connection_id,
            type=new.type,
            address=address,
            pipeline_id=new.pipeline_id,
            create_tickets=new.create_tickets,
            created_at=now,
            updated_at=now,
        )
        connection = cls(account_id, state, revision=1)
        connection.events.append(ChannelConnectionConnected(revision=1, connection=state))
        return connection

    def update(
        self,
        changes: ConnectionChanges,
        *,
        target: PipelineReplica | None,
        taken: ChannelConnection | None,
        now: datetime,
    ) -> bool:
        """Apply the changes; False (and nothing recorded) when they change nothing.

        `target` is the replica of `changes.pipeline_id` when one is given. An email
        channel's address cannot change (but for its case): HubSpot connects the new inbox
        and disconnects the old one."""
        self._require_connected()
        update: dict[str, object] = {}
        if changes.address is not None:
            address = clean_address(self.type, changes.address)
            if address != self.state.address:
                same_inbox = address_key(self.type, address) == self.address_key
                if self.type is ChannelType.EMAIL and not same_inbox:
                    raise InvalidConnection(
                        "an email channel's address cannot change; connect the new address "
                        "and disconnect this one",
                        "address",
                        "immutable",
                    )
                _require_free(self.type, address, taken, self.id)
                update["address"] = address
        if changes.pipeline_id is not None and changes.pipeline_id != self.state.pipeline_id:
            require_target(changes.pipeline_id, target)
            update["pipeline_id"] = changes.pipeline_id
        create_tickets = changes.create_tickets
        if create_tickets is not None and create_tickets != self.state.create_tickets:
            update["create_tickets"] = create_tickets
        if not update:
            return False
        self._record(self.state.model_copy(update={**update, "updated_at": now}), updated=True)
        return True

    def leave_deleted_pipeline(
        self, deleted: PipelineReplica, successor: PipelineReplica | None, now: datetime
    ) -> bool:
        """Move a connection whose pipeline was deleted to `successor` (see `successor_of`),
        or disconnect it when there is none; False (nothing recorded) when it is
        disconnected already, or targets another pipeline or one that is not deleted.

        The pipeline service refuses to delete a pipeline a connected channel targets; this
        closes the race with a connection made before its replica heard of it."""
        stranded = self.connected and self.state.pipeline_id == deleted.pipeline.id
        if not stranded or deleted.accepts_tickets:
            return False
        if successor is None:
            self.disconnect(now)
            return True
        require_target(successor.pipeline.id, successor)
        moved = {"pipeline_id": successor.pipeline.id, "updated_at": now}
        self._record(self.state.model_copy(update=moved), updated=True)
        return True

    def disconnect(self, now: datetime) -> None:
        """The connection stays as a tombstone; the address may be connected again."""
        self._require_connected()
        self._record(
            self.state.model_copy(update={"connected": False, "updated_at": now}), updated=False
        )

    def _require_connected(self) -> None:
        if not self.connected:
            raise ConnectionNotFound(self.id)

    def _record(self, state: ChannelConnectionSnapshot, *, updated: bool) -> None:
        self.state = state
        self.revision += 1
        event = ChannelConnectionUpdated if updated else ChannelConnectionDisconnected
        self.events.append(event(revision=self.revision, connection=state))


def _require_free(
    channel_type: ChannelType, address: str, taken: ChannelConnection | None, own_id: str
) -> None:
    if taken is None or taken.id == own_id or not taken.connected:
        return
    if taken.type is not channel_type or taken.address_key != address_key(channel_type, address):
        return
    raise ConnectionExists(
        f"a {channel_type.value} channel {address!r} is connected already (connection {taken.id!r})"
    )
