"""`ticketflow serve`: an unknown service name is refused with the list of real ones."""

from __future__ import annotations

import io

import pytest

from ticketflow_cli.main import main
from ticketflow_cli.serve import serve


def test_unknown_service_is_refused_listing_the_four_services() -> None:
    err = io.StringIO()

    assert serve("tickets", err=err) == 2

    message = err.getvalue()
    assert "unknown service 'tickets'" in message
    assert "pipeline, ticket, channels, notifier" in message


def test_the_command_exits_2_for_an_unknown_service(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "nope"]) == 2

    assert "choose one of: pipeline, ticket, channels, notifier" in capsys.readouterr().err


def test_a_command_without_arguments_shows_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2

    assert "usage: ticketflow" in capsys.readouterr().err
