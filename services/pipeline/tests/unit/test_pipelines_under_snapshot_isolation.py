"""Rules across an account's pipelines and properties hold when changes race on MongoDB's
snapshot isolation (the in-memory store's model of it): each change reads them all, then adds,
takes away or reorders some, so only a document they all write makes the later of two see the
earlier."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ticketflow_chassis.store.memory import MemoryStore
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_contracts import PropertyFieldType, PropertyType, TicketState, Tier
from ticketflow_pipeline.adapters.property_repository import PropertyRepository
from ticketflow_pipeline.adapters.repository import COLLECTIONS
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.properties import MAX_CUSTOM_PROPERTIES, define_property
from ticketflow_pipeline.domain.property_specs import PropertySpec
from ticketflow_pipeline.domain.statuses import NewStatus
from ticketflow_pipeline.domain.tiers import TierPolicy
from ticketflow_pipeline.handlers.accounts import OpenAccount, create_account
from ticketflow_pipeline.handlers.pipelines import (
    CreatePipeline,
    DeletePipeline,
    ListPipelines,
    ReorderPipelines,
    create_pipeline,
    delete_pipeline,
    list_pipelines,
    reorder_pipelines,
)
from ticketflow_pipeline.handlers.properties import CreateProperty, create_property

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACCOUNT = "a1"
ADMIN = Requester("u1", is_super_admin=True)
# A Starter account opens with its default pipeline: with room for two, it has room for one.
ROOM_FOR_ONE_MORE = TierPolicy({**TierPolicy().pipeline_limits, Tier.STARTER: 2})


def context() -> MessageContext:
    return MessageContext.for_request(ACCOUNT, None)


async def starter_account(store: MemoryStore) -> UnitOfWork:
    await store.open(COLLECTIONS)
    uow = UnitOfWork(store, "pipeline", clock=lambda: NOW)
    opening = OpenAccount(ACCOUNT, "Acme", Tier.STARTER, "u1", "admin@acme.test")
    await create_account(opening, uow, context())
    return uow


def creation(label: str, policy: TierPolicy = ROOM_FOR_ONE_MORE) -> CreatePipeline:
    statuses = [NewStatus("New", TicketState.OPEN), NewStatus("Done", TicketState.CLOSED)]
    return CreatePipeline(label, None, statuses, policy)


async def race(uow: UnitOfWork, store: MemoryStore, *commands: CreatePipeline) -> list[str]:
    """Every creation reads before any commits; the outcomes' type names, sorted."""
    with store.overlapping(len(commands)):
        results = await asyncio.gather(
            *(create_pipeline(c, uow, context()) for c in commands), return_exceptions=True
        )
    return sorted(type(r).__name__ for r in results)


async def live_labels(uow: UnitOfWork) -> list[str]:
    return sorted(p.label for p in await list_pipelines(ListPipelines(ADMIN), uow, context()))


async def test_of_two_concurrent_creations_with_room_for_one_the_other_meets_the_limit() -> None:
    store = MemoryStore(snapshot_isolation=True)
    uow = await starter_account(store)

    outcomes = await race(uow, store, creation("Billing"), creation("Returns"))

    assert outcomes == [Pipeline.__name__, "PipelineLimitReached"]
    assert len(await live_labels(uow)) == 2


async def test_of_two_concurrent_creations_with_one_label_the_other_is_told_it_exists() -> None:
    """The unique label index kept the second out before the guard (as a ConflictError);
    now the loser runs again and is told why."""
    store = MemoryStore(snapshot_isolation=True)
    uow = await starter_account(store)
    room = TierPolicy({**TierPolicy().pipeline_limits, Tier.STARTER: 5})

    outcomes = await race(uow, store, creation("Billing", room), creation("billing", room))

    assert outcomes == ["InvalidPipeline", Pipeline.__name__]
    assert len(await live_labels(uow)) == 2


async def test_of_two_concurrent_deletions_of_an_accounts_two_pipelines_one_is_refused() -> None:
    store = MemoryStore(snapshot_isolation=True)
    uow = await starter_account(store)
    second = await create_pipeline(creation("Billing"), uow, context())

    with store.overlapping(2):
        results = await asyncio.gather(
            *(
                delete_pipeline(DeletePipeline(pipeline_id, ADMIN, 0), uow, context())
                for pipeline_id in ("default", second.id)
            ),
            return_exceptions=True,
        )

    # True: accepted, pending the ticket service's answer.
    assert sorted(str(r) if isinstance(r, bool) else type(r).__name__ for r in results) == [
        "PipelineInUse",
        "True",
    ]


async def order(uow: UnitOfWork) -> list[str]:
    return [p.id for p in await list_pipelines(ListPipelines(ADMIN), uow, context())]


async def test_two_concurrent_reorders_end_in_one_of_the_two_orders_not_a_mix() -> None:
    """The first swaps the first two pipelines, the second the last two: they write different
    pipelines, so only the guard makes the later one see the earlier."""
    store = MemoryStore(snapshot_isolation=True)
    uow = await starter_account(store)
    room = TierPolicy({**TierPolicy().pipeline_limits, Tier.STARTER: 4})
    for label in ("Billing", "Returns", "Sales"):
        await create_pipeline(creation(label, room), uow, context())
    first, a, b, c = await order(uow)
    swaps = ([a, first, b, c], [first, a, c, b])

    with store.overlapping(2):
        results = await asyncio.gather(
            *(reorder_pipelines(ReorderPipelines(ids, ADMIN), uow, context()) for ids in swaps),
            return_exceptions=True,
        )

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert await order(uow) in [list(ids) for ids in swaps]


def custom_property(name: str) -> PropertySpec:
    return PropertySpec(
        name, name, PropertyType.STRING, PropertyFieldType.TEXT, "ticketinformation"
    )


async def test_of_two_concurrent_definitions_at_the_last_free_place_the_other_is_refused() -> None:
    store = MemoryStore(snapshot_isolation=True)
    uow = await starter_account(store)
    async with uow.begin(context()) as session:  # the account one short of the limit
        repository = PropertyRepository(session)
        for n in range(MAX_CUSTOM_PROPERTIES - 1):
            spec = custom_property(f"seeded_{n}")
            await repository.save(
                define_property(ACCOUNT, spec, taken=None, custom_count=n, now=NOW)
            )

    with store.overlapping(2):
        results = await asyncio.gather(
            *(
                create_property(CreateProperty(custom_property(name)), uow, context())
                for name in ("last_one", "one_too_many")
            ),
            return_exceptions=True,
        )

    assert sorted(type(r).__name__ for r in results) == ["InvalidProperty", "PropertyDefinition"]
    async with uow.read(context()) as session:
        assert await PropertyRepository(session).count_live(ACCOUNT) == MAX_CUSTOM_PROPERTIES
