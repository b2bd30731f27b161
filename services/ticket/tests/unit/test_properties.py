"""Property values: built-ins, custom ones by their definition's type, read-only ones."""

from __future__ import annotations

import pytest

from ticketflow_ticket.domain.errors import InvalidTicket
from ticketflow_ticket.domain.properties import apply, changed, check_values

from .builders import DEFINITIONS, definition


def problems(raw: dict[str, str | None]) -> dict[str, str]:
    """field -> code of every refused value."""
    with pytest.raises(InvalidTicket) as refused:
        check_values(raw, DEFINITIONS)
    return {e.field or "": e.code or "" for e in refused.value.errors}


@pytest.mark.parametrize(
    ("name", "given", "stored"),
    [
        ("subject", "Printer on fire", "Printer on fire"),
        ("hs_ticket_priority", "URGENT", "URGENT"),
        ("source_type", "FACEBOOK_MESSENGER", "FACEBOOK_MESSENGER"),
        ("hs_ticket_category", "BILLING_ISSUE;PRODUCT_ISSUE", "BILLING_ISSUE;PRODUCT_ISSUE"),
        ("severity", "major", "major"),
        ("tags", "vip; bug;vip", "vip;bug"),
        ("seats", " 12.5 ", "12.5"),
        ("seats", "-3", "-3"),
        ("renewal", "2027-02-28", "2027-02-28"),
        ("renewal", "1803513600000", "2027-02-25"),
        ("escalated_at", "2026-11-25T13:00:00+01:00", "2026-11-25T12:00:00.000Z"),
        ("escalated_at", "2026-11-25T12:00:00", "2026-11-25T12:00:00.000Z"),
        ("escalated_at", "1795608000000", "2026-11-25T12:00:00.000Z"),
        ("is_vip", "TRUE", "true"),
        ("notes", "", None),
        ("subject", None, None),
    ],
)
def test_a_valid_value_is_stored_normalised(
    name: str, given: str | None, stored: str | None
) -> None:
    assert check_values({name: given}, DEFINITIONS) == {name: stored}


@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("hs_ticket_priority", "SOON"),
        ("source_type", "PIGEON"),
        ("hs_ticket_category", "PRODUCT_ISSUE;NOPE"),
        ("severity", "catastrophic"),
        ("severity", "minor;major"),  # a select holds one option
        ("tags", "vip;unknown"),
        ("seats", "twelve"),
        ("seats", "NaN"),
        ("renewal", "28/02/2027"),
        ("renewal", "2027-02-30"),
        ("renewal", "1803600000001"),  # not midnight UTC
        ("escalated_at", "yesterday"),
        ("is_vip", "yes"),
        ("subject", "x" * 1001),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused_naming_it(name: str, given: str) -> None:
    assert problems({name: given}) == {name: "INVALID_VALUE"}


def test_unknown_archived_and_read_only_properties_are_refused_together_each_named() -> None:
    refused = problems(
        {
            "nonsense": "1",
            "legacy": "x",
            "createdate": "2026-01-01",
            "hs_is_closed": "true",
            "hs_object_id": "1",
            "subject": "fine",
        }
    )

    assert refused == {
        "nonsense": "PROPERTY_DOESNT_EXIST",
        "legacy": "PROPERTY_DOESNT_EXIST",
        "createdate": "READ_ONLY_VALUE",
        "hs_is_closed": "READ_ONLY_VALUE",
        "hs_object_id": "READ_ONLY_VALUE",
    }


def test_the_read_only_message_says_ticketflow_computes_it() -> None:
    with pytest.raises(InvalidTicket, match="time_to_close is computed by ticketflow"):
        check_values({"time_to_close": "5"}, DEFINITIONS)


def test_a_newer_definition_supersedes_and_an_older_does_not() -> None:
    assert definition("x", revision=2).supersedes(definition("x", revision=1))
    assert not definition("x", revision=1).supersedes(definition("x", revision=1))
    assert definition("x").supersedes(None)


def test_applying_changes_and_listing_what_changed() -> None:
    before = {"subject": "a", "notes": "n"}
    after = apply(before, {"subject": "b", "notes": None, "seats": "1"})

    assert after == {"subject": "b", "seats": "1"}
    assert changed(before, after) == {"notes": None, "seats": "1", "subject": "b"}
    assert changed(after, after) == {}
