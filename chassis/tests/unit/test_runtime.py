"""The runtime's start-up: an unreachable broker is retried with backoff, then reported; the
heap alive once started is frozen out of later collections."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ticketflow_chassis.messaging.topology import QueueSpec, on_events
from ticketflow_chassis.runtime import BrokerUnavailable, ServiceRuntime, freeze_startup_heap
from ticketflow_chassis.settings import ServiceSettings
from ticketflow_chassis.store.sqlite import SqliteStore
from ticketflow_chassis.testing import TEST_JWT_SECRET


def runtime(amqp_url: str = "amqp://guest:guest@127.0.0.1:1/") -> ServiceRuntime:
    settings = ServiceSettings(
        service_name="demo",
        http_port=9,
        amqp_url=amqp_url,
        store_url="memory://",
        jwt_secret=TEST_JWT_SECRET,
    )
    return ServiceRuntime(settings, (), (QueueSpec("demo.things", (on_events("thing.#"),)),))


async def test_an_unreachable_broker_is_retried_then_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = runtime()
    with pytest.raises(BrokerUnavailable, match="unreachable after 2 attempts"):
        await service.connect_with_backoff(attempts=2, first_delay=0.01)
    retries = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(retries) == 1
    await service.broker.stop()


def test_only_a_queue_of_the_service_topology_can_be_consumed() -> None:
    with pytest.raises(ValueError, match="not part of this service's topology"):
        runtime().consumer(QueueSpec("other.things", ()))


def test_the_sqlite_store_is_built_with_the_configured_durability_and_readers(
    tmp_path: Path,
) -> None:
    settings = ServiceSettings(
        service_name="demo",
        http_port=9,
        store_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        jwt_secret=TEST_JWT_SECRET,
        sqlite_synchronous="NORMAL",
        sqlite_readers=2,
        sqlite_cache_mib=8,
    )
    store = ServiceRuntime(settings, (), ()).store

    assert isinstance(store, SqliteStore)
    assert (store.synchronous, store.path) == ("NORMAL", tmp_path / "demo.sqlite3")
    assert store.cache_mib == 8


def test_the_heap_alive_at_start_up_is_kept_out_of_later_collections() -> None:
    gc.unfreeze()
    survivor: list[list[int]] = [[]]  # a list is always tracked by the collector
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
        assert not any(survivor is o for o in gc.get_objects())  # no generation holds it
    finally:
        gc.unfreeze()
