"""The owner a ticket write names (`hubspot_owner_id`), from the replica of the account's users:
waited for a bounded time when the replica does not hold it yet (a user created a moment ago),
then read again in the write's own unit of work, where the domain refuses a non-owner."""

from __future__ import annotations

from collections.abc import Mapping

from ticketflow_chassis.directory_replica import DirectoryReplicas
from ticketflow_chassis.replica_wait import wait_for_replica
from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import UserRecord
from ticketflow_ticket.domain.properties import owner_named

OWNER_WAIT_SECONDS = 2.0
"""How long a write naming an owner the replica does not know waits for it (TICKET_
OWNER_WAIT_SECONDS); events leave the pipeline service within milliseconds."""

Properties = Mapping[str, str | None]


async def await_owner(
    properties: Properties, uow: UnitOfWork, context: MessageContext, seconds: float
) -> None:
    """Return once the replica holds the named owner (active or not) or `seconds` passed;
    at once when the write names none."""
    owner_id = owner_named(properties)
    if owner_id is None or seconds <= 0:
        return

    async def known(session: Session) -> bool:
        return await DirectoryReplicas(session).user(context.account_id, owner_id) is not None

    await wait_for_replica(uow, context, known, seconds=seconds)


async def owners_of(
    session: Session, account_id: str, properties: Properties
) -> dict[str, UserRecord]:
    """The replicated user the write names as owner, by id (empty when unknown or none)."""
    owner_id = owner_named(properties)
    if owner_id is None:
        return {}
    user = await DirectoryReplicas(session).user(account_id, owner_id)
    return {owner_id: user} if user is not None else {}
