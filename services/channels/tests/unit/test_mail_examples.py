"""The usage examples in the mail modules' docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ticketflow_channels.domain.mail import charsets, html_text, parsing, quoting


@pytest.mark.parametrize(
    "module",
    [charsets, html_text, parsing, quoting],
    ids=lambda module: module.__name__.rsplit(".", 1)[-1],
)
def test_docstring_examples_hold(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
