"""hubspot_owner_id on the tickets API: an active user of the account from the users replica,
else 400 naming the field and the id with nothing written; waited for a bounded time when the
replica does not hold it yet; "" and null still unassign."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.testing import replicate_users, user_record
from ticketflow_chassis.uow import UnitOfWork
from ticketflow_ticket.adapters.repository import COLLECTIONS
from ticketflow_ticket.entrypoints.http import build_api_router, build_batch_router

from .builders import pipeline
from .queries_support import ADMIN, TOKENS, URL, http_client
from .test_changes import replicate

WAIT = 0.3
NEW = {"hs_pipeline": "p1", "hs_pipeline_stage": "new"}


@dataclass
class Service:
    client: httpx.AsyncClient
    store: MemoryStore
    uow: UnitOfWork

    async def outbox_size(self) -> int:
        return len(await self.store.outbox_entries())


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    store = MemoryStore()
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "ticket")
    await replicate(uow, pipeline())
    await replicate_users(uow, user_record("7"), user_record("8", active=False))
    await replicate_users(uow, user_record("9"), account_id="a2")
    routers = (build_api_router(uow, TOKENS, WAIT), build_batch_router(uow, TOKENS, WAIT))
    async with http_client(uow, *routers) as client:
        yield Service(client, store, uow)


def _refused_owner(response: httpx.Response, owner_id: str) -> None:
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert (error["in"], error["code"]) == ("hubspot_owner_id", "INVALID_OWNER_ID")
    assert repr(owner_id) in error["message"]


@pytest.mark.parametrize("owner_id", ["nobody-at-all", "8", "9"])
async def test_an_owner_that_is_no_active_user_of_the_account_is_refused_writing_nothing(
    service: Service, owner_id: str
) -> None:
    body = {"properties": NEW | {"hubspot_owner_id": owner_id}}

    _refused_owner(await service.client.post(URL, json=body, headers=ADMIN), owner_id)
    assert await service.outbox_size() == 0


async def test_an_active_owner_is_taken_and_unsetting_stays_allowed(service: Service) -> None:
    body = {"properties": NEW | {"hubspot_owner_id": "7"}}
    created = await service.client.post(URL, json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    ticket_url = f"{URL}/{created.json()['id']}"

    for cleared in ("", None):
        patch = {"properties": {"hubspot_owner_id": cleared}}
        response = await service.client.patch(ticket_url, json=patch, headers=ADMIN)
        assert response.status_code == 200, response.text
    unowned = {"properties": NEW | {"hubspot_owner_id": ""}}
    assert (await service.client.post(URL, json=unowned, headers=ADMIN)).status_code == 201


async def test_a_patch_to_an_unknown_owner_is_refused_and_changes_nothing(
    service: Service,
) -> None:
    body = {"properties": NEW | {"hubspot_owner_id": "7", "subject": "Help"}}
    ticket_id = (await service.client.post(URL, json=body, headers=ADMIN)).json()["id"]
    before = await service.outbox_size()
    patch = {"properties": {"hubspot_owner_id": "nobody-at-all", "subject": "Changed"}}

    response = await service.client.patch(f"{URL}/{ticket_id}", json=patch, headers=ADMIN)

    _refused_owner(response, "nobody-at-all")
    assert await service.outbox_size() == before
    read = (await service.client.get(f"{URL}/{ticket_id}", headers=ADMIN)).json()
    assert (read["properties"]["hubspot_owner_id"], read["properties"]["subject"]) == ("7", "Help")


async def test_an_owner_replicated_while_the_request_waits_is_taken(service: Service) -> None:
    body = {"properties": NEW | {"hubspot_owner_id": "10"}}

    async def replicated_soon() -> None:
        await asyncio.sleep(WAIT / 3)
        await replicate_users(service.uow, user_record("10"))

    response, _ = await asyncio.gather(
        service.client.post(URL, json=body, headers=ADMIN), replicated_soon()
    )

    assert response.status_code == 201, response.text


async def test_batch_create_and_update_report_each_unknown_owner_for_its_input(
    service: Service,
) -> None:
    inputs = [{"properties": NEW | {"hubspot_owner_id": o}} for o in ("7", "nobody-at-all")]
    created = await service.client.post(
        f"{URL}/batch/create", json={"inputs": inputs}, headers=ADMIN
    )

    assert created.status_code == 207, created.text
    [error] = created.json()["errors"]
    assert error["context"] == {"index": ["1"]}
    assert "'nobody-at-all'" in error["message"]
    [ticket] = created.json()["results"]
    update = {"inputs": [{"id": ticket["id"], "properties": {"hubspot_owner_id": "8"}}]}
    updated = await service.client.post(f"{URL}/batch/update", json=update, headers=ADMIN)
    assert updated.status_code == 207, updated.text
    assert updated.json()["errors"][0]["context"] == {"ids": [ticket["id"]]}
    assert updated.json()["results"] == []
