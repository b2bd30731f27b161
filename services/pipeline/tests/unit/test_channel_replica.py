"""The pipeline service's replica of channel connections converges whatever the order and
duplication of connection events; a pipeline's listing shows its connected channels only,
to whoever may see the pipeline."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import deliver, envelope_of
from ticketflow_chassis.uow import DuplicateMessage, MessageContext, UnitOfWork
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionEvent,
    ChannelConnectionSnapshot,
    ChannelConnectionUpdated,
    ChannelType,
    Envelope,
)
from ticketflow_pipeline.adapters.channel_repository import ChannelConnectionReplicas
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.handlers.channels import apply_channel_connection

from .pipeline_api import BILLING, CRM, SETTINGS, Api, Headers, bearer

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def event(
    revision: int,
    *,
    account_id: str = "a1",
    connection_id: str = "c1",
    pipeline_id: str = "default",
    create_tickets: bool = True,
    channel_type: ChannelType = ChannelType.EMAIL,
    kind: type[ChannelConnectionEvent] | None = None,
) -> Envelope[ChannelConnectionEvent]:
    """The connection at `revision`: connected at 1, updated after, unless `kind` says."""
    kind = kind or (ChannelConnectionConnected if revision == 1 else ChannelConnectionUpdated)
    snapshot = ChannelConnectionSnapshot(
        id=connection_id,
        type=channel_type,
        address=f"{connection_id}@acme.test",
        pipeline_id=pipeline_id,
        create_tickets=create_tickets,
        connected=kind is not ChannelConnectionDisconnected,
        created_at=NOW,
        updated_at=NOW + timedelta(minutes=revision),
    )
    payload = kind(revision=revision, connection=snapshot)
    return envelope_of(payload, account_id=account_id, occurred_at=NOW, producer="channels")


async def fresh_uow() -> UnitOfWork:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    return UnitOfWork(store, "pipeline")


async def replica_of(uow: UnitOfWork, connection_id: str = "c1") -> ChannelConnectionSnapshot:
    async with uow.begin(MessageContext("a1", uuid.uuid4())) as session:
        found = await ChannelConnectionReplicas(session).get("a1", connection_id)
    assert found is not None
    return found.connection


async def targeting(uow: UnitOfWork, pipeline_id: str) -> list[str]:
    async with uow.begin(MessageContext("a1", uuid.uuid4())) as session:
        found = await ChannelConnectionReplicas(session).connected_to("a1", pipeline_id)
    return [c.id for c in found]


HISTORY = [
    event(1),
    event(2, pipeline_id="billing"),
    event(3, pipeline_id="default", create_tickets=False),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_the_replica_holds_the_newest_connection_whatever_the_order(
    order: tuple[int, ...],
) -> None:
    uow = await fresh_uow()
    for index in order:
        await deliver(apply_channel_connection, uow, HISTORY[index])

    held = await replica_of(uow)
    assert (held.pipeline_id, held.create_tickets) == ("default", False)
    assert await targeting(uow, "default") == ["c1"]
    assert await targeting(uow, "billing") == []


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
async def test_a_disconnection_wins_over_every_earlier_revision_whatever_the_order(
    order: tuple[int, ...],
) -> None:
    history = [*HISTORY, event(4, kind=ChannelConnectionDisconnected)]
    uow = await fresh_uow()
    for index in order:
        await deliver(apply_channel_connection, uow, history[index])

    assert (await replica_of(uow)).connected is False
    assert await targeting(uow, "default") == []


async def test_a_redelivered_or_republished_event_changes_nothing() -> None:
    uow = await fresh_uow()
    await deliver(apply_channel_connection, uow, HISTORY[0])
    await deliver(apply_channel_connection, uow, HISTORY[2])

    with pytest.raises(DuplicateMessage):
        await deliver(apply_channel_connection, uow, HISTORY[2])
    await deliver(
        apply_channel_connection, uow, event(3, pipeline_id="billing")
    )  # same revision, new id

    held = await replica_of(uow)
    assert (held.pipeline_id, held.create_tickets) == ("default", False)


# -- the listing over HTTP -------------------------------------------------------------------


async def listed(api: Api, pipeline_id: str, headers: Headers) -> list[dict[str, Any]]:
    response = await api.client.get(f"{SETTINGS}/{pipeline_id}/channels", headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def test_a_pipeline_lists_only_its_connected_channels(api: Api) -> None:
    account_id, admin = await api.account()
    other_account, _ = await api.account()
    created = await api.client.post("/crm/v3/pipelines/tickets", json=BILLING, headers=admin)
    billing_id = created.json()["id"]
    for message in [
        event(1, account_id=account_id, connection_id="mail"),
        event(1, account_id=account_id, connection_id="web", channel_type=ChannelType.CHAT),
        event(
            2,
            account_id=account_id,
            connection_id="web",
            create_tickets=False,
            channel_type=ChannelType.CHAT,
        ),
        event(1, account_id=account_id, connection_id="fb", pipeline_id=billing_id),
        event(1, account_id=account_id, connection_id="gone"),
        event(2, account_id=account_id, connection_id="gone", kind=ChannelConnectionDisconnected),
        event(1, account_id=other_account, connection_id="theirs"),
    ]:
        await deliver(apply_channel_connection, api.uow, message)

    assert await listed(api, "default", admin) == [
        {
            "id": "mail",
            "type": "email",
            "address": "mail@acme.test",
            "createTickets": True,
            "connected": True,
        },
        {
            "id": "web",
            "type": "chat",
            "address": "web@acme.test",
            "createTickets": False,
            "connected": True,
        },
    ]
    assert [c["id"] for c in await listed(api, billing_id, admin)] == ["fb"]


async def test_the_listing_needs_a_pipeline_the_caller_may_see(api: Api) -> None:
    account_id, admin = await api.account()
    _, stranger = await api.account()
    agent = bearer(Principal(account_id, "agent", frozenset(), frozenset()))
    await deliver(apply_channel_connection, api.uow, event(1, account_id=account_id))
    assert [c["id"] for c in await listed(api, "default", agent)] == ["c1"]

    restricted = {"restricted": True, "grants": []}
    put = await api.client.put(f"{SETTINGS}/default/access", json=restricted, headers=admin)
    assert put.status_code == 200, put.text

    hidden = await api.client.get(f"{SETTINGS}/default/channels", headers=agent)
    unknown = await api.client.get(f"{SETTINGS}/nope/channels", headers=admin)
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["category"] == "OBJECT_NOT_FOUND"
    assert await listed(api, "default", stranger) == []
    assert [c["id"] for c in await listed(api, "default", admin)] == ["c1"]
    assert (await api.client.get(f"{SETTINGS}/default/channels")).status_code == 401


# -- deleting a pipeline that connected channels target --------------------------------------


async def test_deleting_a_pipeline_a_connected_channel_targets_is_refused_naming_it(
    api: Api,
) -> None:
    account_id, admin = await api.account()
    billing_id = (await api.client.post(CRM, json=BILLING, headers=admin)).json()["id"]
    for message in [
        event(1, account_id=account_id, connection_id="mail", pipeline_id=billing_id),
        event(
            1,
            account_id=account_id,
            connection_id="web",
            pipeline_id=billing_id,
            channel_type=ChannelType.CHAT,
        ),
        event(1, account_id=account_id, connection_id="gone", pipeline_id=billing_id),
        event(
            2,
            account_id=account_id,
            connection_id="gone",
            pipeline_id=billing_id,
            kind=ChannelConnectionDisconnected,
        ),
        event(1, account_id=account_id, connection_id="other"),
    ]:
        await deliver(apply_channel_connection, api.uow, message)

    refused = await api.refused("DELETE", f"{CRM}/{billing_id}", admin)

    assert refused.status_code == 409
    body = refused.json()
    assert body["category"] == "CONFLICT"
    assert "'mail@acme.test' ('mail')" in body["message"]
    assert "chat 'web@acme.test' ('web')" in body["message"]
    assert "'gone'" not in body["message"]
    assert "'other'" not in body["message"]
    assert [(e["in"], e["code"]) for e in body["errors"]] == [
        ("pipelineId", "connected_channel"),
        ("pipelineId", "connected_channel"),
    ]
    assert "email channel 'mail@acme.test' (connection 'mail')" in body["errors"][0]["message"]
    assert "chat channel 'web@acme.test' (connection 'web')" in body["errors"][1]["message"]
    # Nothing started: the pipeline is there and takes changes (no retirement pending).
    assert (await api.client.get(f"{CRM}/{billing_id}", headers=admin)).status_code == 200
    renamed = await api.client.patch(f"{CRM}/{billing_id}", json={"label": "B"}, headers=admin)
    assert renamed.status_code == 200, renamed.text


@pytest.mark.parametrize("moved", [True, False], ids=["retargeted", "disconnected"])
async def test_a_pipeline_is_deleted_once_its_channel_is_retargeted_or_disconnected(
    api: Api, moved: bool
) -> None:
    account_id, admin = await api.account()
    billing_id = (await api.client.post(CRM, json=BILLING, headers=admin)).json()["id"]
    await deliver(
        apply_channel_connection, api.uow, event(1, account_id=account_id, pipeline_id=billing_id)
    )
    assert (await api.client.delete(f"{CRM}/{billing_id}", headers=admin)).status_code == 409

    later = (
        event(2, account_id=account_id, pipeline_id="default")
        if moved
        else event(
            2, account_id=account_id, pipeline_id=billing_id, kind=ChannelConnectionDisconnected
        )
    )
    await deliver(apply_channel_connection, api.uow, later)
    deleted = await api.client.delete(f"{CRM}/{billing_id}", headers=admin)

    assert deleted.status_code == 202, deleted.text  # the ticket service is asked
    assert "ticket.close_statuses" in await api.outbox_types()
