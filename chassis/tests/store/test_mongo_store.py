"""The storage contract, run against MongoDB: the server at MONGODB_URL, else a throwaway
single-node replica set in Docker (testcontainers), else skipped loudly (see conftest.py), or
failed where TICKETFLOW_REQUIRE_MONGODB=true (CI's MongoDB job: a skip there proves nothing).
Each test gets a database of its own. Never a mock: the point is the real server.
"""

from __future__ import annotations

import gc
import os
import re
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError

from ticketflow_chassis.store.mongo import MongoStore
from ticketflow_chassis.store.mongo_query import after, from_stored, mongo_field, to_stored
from ticketflow_chassis.store.mongo_schema import index_spec
from ticketflow_chassis.store.port import Collection, DocumentStore, Index, SortKey

from .contract import CHANGED_COLLECTIONS, COLLECTIONS, TICKETS, StoreContract

MONGO_IMAGE = "mongo:7"
REPLICA_SET = "rs0"
PRIMARY_TIMEOUT_SECONDS = 60.0
REQUIRE_VARIABLE = "TICKETFLOW_REQUIRE_MONGODB"


def contract_not_run(reason: str, env: Mapping[str, str]) -> NoReturn:
    """Skips the MongoDB contract, saying so loudly; fails it instead when the environment
    requires MongoDB (TICKETFLOW_REQUIRE_MONGODB=true), so such a run cannot pass by skipping."""
    message = f"MongoDB storage contract NOT RUN: {reason}"
    if env.get(REQUIRE_VARIABLE, "").lower() in {"1", "true"}:
        pytest.fail(f"{message}; {REQUIRE_VARIABLE} is set, so this is a failure")
    pytest.skip(message)


def _docker_answers() -> bool:
    """Whether a Docker engine answers, asked the way testcontainers will ask it."""
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    with warnings.catch_warnings():
        # A failed probe leaves its socket to the garbage collector: finalise it here,
        # once the probe's frames are gone, where its ResourceWarning is ignored.
        warnings.simplefilter("ignore", ResourceWarning)
        answered = _ping_docker()
        gc.collect()
    return answered


def _ping_docker() -> bool:
    import docker  # type: ignore[import-untyped]  # no stubs; imported only when needed

    try:
        client = docker.from_env(timeout=5)
    except docker.errors.DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _wait_for_primary(url: str, timeout: float = PRIMARY_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    client: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=2000)
    with client:
        while True:
            try:
                if client.admin.command("hello").get("isWritablePrimary"):
                    return
            except PyMongoError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no writable primary at {_redacted(url)}")
            time.sleep(0.5)


def _redacted(url: str) -> str:
    """The URL without its password, fit for a test report."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def _replica_set_in_docker() -> Iterator[str]:
    # Not MongoDbContainer: it always sets a root user, and mongod refuses --replSet with
    # authentication unless it also gets a keyfile.
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer(MONGO_IMAGE)
        .with_command(f"--replSet {REPLICA_SET} --bind_ip_all")
        .with_exposed_ports(27017)
        .waiting_for(LogMessageWaitStrategy(re.compile("waiting for connections", re.I)))
    )
    container.start()
    try:
        members = f"{{_id: '{REPLICA_SET}', members: [{{_id: 0, host: 'localhost:27017'}}]}}"
        initiated = container.exec(["mongosh", "--quiet", "--eval", f"rs.initiate({members})"])
        if initiated.exit_code != 0:
            raise RuntimeError(f"rs.initiate failed: {initiated.output!r}")
        host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
        url = f"mongodb://{host}:{port}/?directConnection=true"
        _wait_for_primary(url)
        yield url
    finally:
        container.stop()


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    url = os.environ.get("MONGODB_URL")
    if url:
        try:
            _wait_for_primary(url, timeout=10.0)
        except TimeoutError as exc:
            pytest.fail(f"MONGODB_URL is set but no writable primary answers there: {exc}")
        yield url
    elif _docker_answers():
        yield from _replica_set_in_docker()
    else:
        contract_not_run(
            "MONGODB_URL is not set and no Docker engine answered"
            " (set MONGODB_URL=mongodb://host:27017/?replicaSet=rs0 or start Docker)",
            os.environ,
        )


@pytest.mark.mongodb
class TestMongoStore(StoreContract):
    @pytest.fixture
    def database(self) -> str:
        return f"ticketflow_test_{uuid.uuid4().hex}"

    @pytest.fixture
    async def store(self, mongodb_url: str, database: str) -> AsyncIterator[DocumentStore]:
        store = MongoStore(mongodb_url, database)
        try:
            await store.open(COLLECTIONS)
            yield store
        finally:
            await store.close()
            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
            try:
                await client.drop_database(database)
            finally:
                await client.close()

    @pytest.fixture
    def reopen(self, mongodb_url: str, database: str) -> Callable[[], DocumentStore]:
        return lambda: MongoStore(mongodb_url, database)

    async def test_reopening_with_changed_indexes_leaves_exactly_the_declared_ones(
        self, store: DocumentStore, mongodb_url: str, database: str
    ) -> None:
        """On the server itself: after a reopen with CHANGED_COLLECTIONS, the tickets
        collection has `_id_` and the declared indexes with their directions, nothing else
        of ours; an index an operator made is kept."""
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
        try:
            tickets = client[database][TICKETS]
            await tickets.create_index([("subject", "text")], name="operators_subject_text")
            await store.close()
            again = MongoStore(mongodb_url, database)
            await again.open(CHANGED_COLLECTIONS)
            await again.close()
            listed = await (await tickets.list_indexes()).to_list()
        finally:
            await client.close()
        [changed] = [c for c in CHANGED_COLLECTIONS if c.name == TICKETS]
        found = {i["name"]: (dict(i["key"]), bool(i.get("unique"))) for i in listed}
        assert found.pop("_id_") == ({"_id": 1}, False)
        assert found.pop("operators_subject_text")
        assert found == {
            s.name: ({k: d for k, d in s.keys}, s.unique) for s in map(index_spec, changed.indexes)
        }
        assert found["ix_account_id__archived__priority_desc"][0] == {
            "account_id": 1,
            "archived": 1,
            "priority": -1,
            "_id": -1,
        }


# What needs no server: the verdict without one, the translation of names, documents and cursors.


def test_without_a_server_the_contract_is_skipped_saying_it_did_not_run() -> None:
    with pytest.raises(pytest.skip.Exception, match="MongoDB storage contract NOT RUN: no server"):
        contract_not_run("no server", {})
    with pytest.raises(pytest.skip.Exception):
        contract_not_run("no server", {REQUIRE_VARIABLE: "false"})


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_without_a_server_the_contract_fails_where_mongodb_is_required(value: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=f"NOT RUN: no server; {REQUIRE_VARIABLE}"):
        contract_not_run("no server", {REQUIRE_VARIABLE: value})


async def test_unsafe_names_are_refused_before_connecting() -> None:
    store = MongoStore("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=1", "db")
    for collection in [Collection("system.users"), Collection("ok", (Index(("$where",)),))]:
        with pytest.raises(ValueError, match="invalid"):
            await store.open([collection])
    await store.close()


def test_no_field_name_can_pass_for_an_operator() -> None:
    assert mongo_field("id") == "_id"
    assert mongo_field("customer.email") == "customer.email"
    for bad in ["$where", "a.$gt", "a..b", ""]:
        with pytest.raises(ValueError, match="invalid field name"):
            mongo_field(bad)


def test_documents_keep_their_id_as_the_mongodb_id() -> None:
    doc = {"id": "t1", "version": 2, "nested": {"id": "inner"}}
    assert to_stored(doc) == {"_id": "t1", "version": 2, "nested": {"id": "inner"}}
    assert from_stored(to_stored(doc)) == doc


def test_nothing_comes_after_a_null_in_descending_order_but_lesser_ids() -> None:
    """Ties are ordered by id in the last key's direction: descending here."""
    assert after((SortKey("priority", descending=True),), [None, "t5"]) == {
        "$or": [{"$and": [{"priority": None}, {"_id": {"$lt": "t5"}}]}]
    }
    assert after((SortKey("priority"),), [None, "t5"]) == {
        "$or": [
            {"priority": {"$ne": None}},
            {"$and": [{"priority": None}, {"_id": {"$gt": "t5"}}]},
        ]
    }
