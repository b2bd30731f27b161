"""Settings: defaults that need no configuration, and a bad value that names its variable."""

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


class DemoSettings(ServiceSettings):
    model_config = service_settings_config("DEMO_")

    service_name: str = "demo"
    http_port: Port = 8009


def test_the_defaults_run_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_STORE_URL", raising=False)
    settings = load_settings(DemoSettings)

    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.resolved_store_url() == f"sqlite:///{Path('var') / 'demo.sqlite3'}"
    assert settings.resolved_mongo_database() == "ticketflow_demo"


def test_the_service_prefix_selects_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_HTTP_PORT", "9100")
    monkeypatch.setenv("OTHER_HTTP_PORT", "9200")
    assert load_settings(DemoSettings).http_port == 9100


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DEMO_HTTP_PORT", "eighty"), ("DEMO_HTTP_PORT", "70000"), ("DEMO_DELIVERY_LIMIT", "0")],
)
def test_a_bad_value_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(DemoSettings)
