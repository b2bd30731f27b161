"""The e2e suite's environment for the services: on MongoDB a database of each suite's own per
service, on SQLite nothing changed. Builds environments only; starts no process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.suite import PREFIXES, Suite, mongo_database_env

MONGODB_URL = "mongodb://127.0.0.1:27017/?replicaSet=rs0&directConnection=true"


@pytest.fixture
def no_store_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    for prefix in PREFIXES.values():
        monkeypatch.delenv(f"{prefix}_STORE_URL", raising=False)
        monkeypatch.delenv(f"{prefix}_MONGO_DATABASE", raising=False)


def test_a_service_on_mongodb_gets_a_database_named_for_itself_and_the_run() -> None:
    env = {"TICKET_STORE_URL": MONGODB_URL}
    assert mongo_database_env("ticket", env, "0a1b2c") == {
        "TICKET_MONGO_DATABASE": "ticketflow_ticket_0a1b2c"
    }
    srv = {"CHANNELS_STORE_URL": "mongodb+srv://cluster.example/"}
    assert mongo_database_env("channels", srv, "0a1b2c") == {
        "CHANNELS_MONGO_DATABASE": "ticketflow_channels_0a1b2c"
    }


def test_a_service_on_sqlite_or_on_the_default_store_gets_no_database_name() -> None:
    assert mongo_database_env("ticket", {}, "0a1b2c") == {}
    assert mongo_database_env("ticket", {"TICKET_STORE_URL": "sqlite:///t.sqlite3"}, "x") == {}
    # Another service's MongoDB URL is not this one's.
    assert mongo_database_env("ticket", {"PIPELINE_STORE_URL": MONGODB_URL}, "x") == {}


@pytest.mark.usefixtures("no_store_urls")
def test_each_suite_on_mongodb_has_databases_of_its_own_kept_across_restarts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for prefix in PREFIXES.values():
        monkeypatch.setenv(f"{prefix}_STORE_URL", MONGODB_URL)
    first, second = Suite(tmp_path / "a", "amqp://x/"), Suite(tmp_path / "b", "amqp://x/")
    names = {
        name: first.add(name).env[f"{prefix}_MONGO_DATABASE"] for name, prefix in PREFIXES.items()
    }
    assert names == {name: f"ticketflow_{name}_{first.run_id}" for name in PREFIXES}
    assert len(first.run_id) == 12
    assert second.add("ticket").env["TICKET_MONGO_DATABASE"] != names["ticket"]
    # A service started again (a restart, another broker URL) keeps its suite's database.
    assert first.add("ticket", "amqp://y/").env["TICKET_MONGO_DATABASE"] == names["ticket"]
    # Every one of them is dropped when the suite stops.
    assert first.mongo_databases == {database: MONGODB_URL for database in names.values()}


@pytest.mark.usefixtures("no_store_urls")
def test_a_suite_on_sqlite_sets_no_database_and_drops_nothing(tmp_path: Path) -> None:
    suite = Suite(tmp_path, "amqp://x/")
    for name, prefix in PREFIXES.items():
        env = suite.add(name).env
        assert f"{prefix}_MONGO_DATABASE" not in env
        assert f"{prefix}_STORE_URL" not in env
        assert env[f"{prefix}_VAR_DIR"] == str(tmp_path / "var")
    assert suite.mongo_databases == {}
