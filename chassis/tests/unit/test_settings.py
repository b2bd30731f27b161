"""Settings: defaults that need no configuration but the JWT secret, and a bad value (or no
secret) that names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_chassis.settings import (
    ConfigurationError,
    Port,
    ServiceSettings,
    load_settings,
    service_settings_config,
)
from ticketflow_chassis.testing import TEST_JWT_SECRET


class DemoSettings(ServiceSettings):
    model_config = service_settings_config("DEMO_")

    service_name: str = "demo"
    http_port: Port = 8009


@pytest.fixture(autouse=True)
def jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_JWT_SECRET", TEST_JWT_SECRET)


def test_the_defaults_run_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_STORE_URL", raising=False)
    settings = load_settings(DemoSettings)

    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.resolved_store_url() == f"sqlite:///{Path('var') / 'demo.sqlite3'}"
    assert settings.resolved_mongo_database() == "ticketflow_demo"
    assert (settings.sqlite_synchronous, settings.consumer_prefetch) == ("FULL", 8)


def test_the_service_prefix_selects_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_HTTP_PORT", "9100")
    monkeypatch.setenv("OTHER_HTTP_PORT", "9200")
    assert load_settings(DemoSettings).http_port == 9100


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEMO_HTTP_PORT", "eighty"),
        ("DEMO_HTTP_PORT", "70000"),
        ("DEMO_DELIVERY_LIMIT", "0"),
        ("DEMO_CONSUMER_PREFETCH", "0"),
        ("DEMO_SQLITE_SYNCHRONOUS", "OFF"),
        ("DEMO_SQLITE_READERS", "0"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(DemoSettings)


def test_without_a_jwt_secret_start_up_stops_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEMO_JWT_SECRET")
    with pytest.raises(ConfigurationError) as stopped:
        load_settings(DemoSettings)

    message = str(stopped.value)
    assert message.startswith("invalid configuration: DEMO_JWT_SECRET: ")
    assert "\n" not in message


@pytest.mark.parametrize("secret", ["x" * 31, "é" * 15 + "x"])  # 31 bytes in UTF-8 either way
def test_a_jwt_secret_under_32_bytes_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("DEMO_JWT_SECRET", secret)
    with pytest.raises(ConfigurationError) as stopped:
        load_settings(DemoSettings)

    message = str(stopped.value)
    assert message.startswith("invalid configuration: DEMO_JWT_SECRET: ")
    assert "32" in message
    assert secret not in message


def test_a_jwt_secret_of_32_bytes_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_JWT_SECRET", "é" * 16)

    assert load_settings(DemoSettings).jwt_secret.get_secret_value() == "é" * 16
