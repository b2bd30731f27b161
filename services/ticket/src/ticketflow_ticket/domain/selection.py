"""Which properties a read returns (`properties=` of the list and of one ticket, batch read's
and search's `properties`): at most 100 names of at most 100 characters each, so that a
request cannot make an answer reflect arbitrary text back (unknown names come back as null,
as in HubSpot, and the list's paging link repeats the selection)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.errors import InvalidSelection

MAX_SELECTED = 100
MAX_SELECTED_NAME_LENGTH = 100  # the pipeline service's limit on a property name


def selection_problems(names: Sequence[str], field: str = "properties") -> list[ErrorDetail]:
    """What is wrong with a selection, without repeating a name that is too long."""
    problems = []
    if len(names) > MAX_SELECTED:
        problems.append(
            ErrorDetail(
                f"at most {MAX_SELECTED} properties may be selected; {len(names)} were",
                field,
                "too_many",
            )
        )
    longest = max((len(name) for name in names), default=0)
    if longest > MAX_SELECTED_NAME_LENGTH:
        problems.append(
            ErrorDetail(
                f"a property name is at most {MAX_SELECTED_NAME_LENGTH} characters long; "
                f"one is {longest}",
                field,
                "too_long",
            )
        )
    return problems


def property_selection(values: Iterable[str] | None) -> list[str] | None:
    """`properties=a,b&properties=c` -> [a, b, c] (each once); None when nothing was selected;
    InvalidSelection when there are too many or one is too long."""
    if not values:
        return None
    names = list(dict.fromkeys(n.strip() for value in values for n in value.split(",")))
    names = [name for name in names if name]
    problems = selection_problems(names)
    if problems:
        raise InvalidSelection(problems)
    return names or None
