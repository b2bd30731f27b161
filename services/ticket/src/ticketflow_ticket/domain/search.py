"""HubSpot's ticket search request as pure data: the body checked, every problem named by its
place (`filterGroups.0.filters.1.operator`); search_plan.py turns it into index reads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail
from ticketflow_ticket.domain.errors import TicketError
from ticketflow_ticket.domain.properties import PIPELINE, STATUS
from ticketflow_ticket.domain.selection import selection_problems

OWNER, PRIORITY, IS_CLOSED = "hubspot_owner_id", "hs_ticket_priority", "hs_is_closed"
CREATED, MODIFIED, CLOSED = "createdate", "hs_lastmodifieddate", "closed_date"
DATES = (CREATED, MODIFIED, CLOSED)
EQUALITY = (PIPELINE, STATUS, OWNER, PRIORITY)
SEARCHABLE = (*EQUALITY, *DATES, IS_CLOSED)
# HubSpot's limits on a search request.
MAX_LIMIT, DEFAULT_LIMIT = 200, 10
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_VALUES = 100
# HubSpot's search answers at most 10,000 results: `total` stops there, and so does paging.
MAX_RESULTS = 10_000
_EPOCH_MILLIS = re.compile(r"^-?\d{1,15}$")
_SEEN = re.compile(r"[0-9]{1,15}")


class Operator(StrEnum):
    EQ = "EQ"
    NEQ = "NEQ"
    LT = "LT"
    LTE = "LTE"
    GT = "GT"
    GTE = "GTE"
    BETWEEN = "BETWEEN"
    IN = "IN"
    NOT_IN = "NOT_IN"
    HAS_PROPERTY = "HAS_PROPERTY"
    NOT_HAS_PROPERTY = "NOT_HAS_PROPERTY"


_RANGES = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE, Operator.BETWEEN})
_LISTS = frozenset({Operator.IN, Operator.NOT_IN})
_PRESENCE = frozenset({Operator.HAS_PROPERTY, Operator.NOT_HAS_PROPERTY})


class InvalidSearch(TicketError):
    def __init__(self, problems: list[ErrorDetail]):
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
        super().__init__(
            f"the search is not valid: {summary}", ErrorCategory.VALIDATION_ERROR, problems
        )


@dataclass(frozen=True)
class Condition:
    """One filter: `values` holds `value` (EQ, NEQ, ranges), both bounds (BETWEEN) or the
    list (IN, NOT_IN); `place` is where it stood in the body."""

    property: str
    operator: Operator
    values: tuple[str, ...]
    place: str


@dataclass(frozen=True)
class Sort:
    property: str
    descending: bool = False


FilterGroups = tuple[tuple[Condition, ...], ...]
"""Filter groups ORed, the conditions of each ANDed; `((),)` matches every ticket."""


@dataclass(frozen=True)
class SearchRequest:
    groups: FilterGroups
    sort: Sort | None = None
    properties: tuple[str, ...] | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None


def parse_search(body: Mapping[str, Any]) -> SearchRequest:
    """The request, or InvalidSearch naming every bad place at once."""
    problems: list[ErrorDetail] = []
    groups = _groups(body.get("filterGroups"), problems)
    sort = _sort(body.get("sorts"), problems)
    limit = body.get("limit", DEFAULT_LIMIT)
    if limit is None:
        limit = DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        problems.append(ErrorDetail(f"must be a whole number from 1 to {MAX_LIMIT}", "limit"))
    after = body.get("after")
    if after is not None and (isinstance(after, bool) or not isinstance(after, str | int)):
        problems.append(ErrorDetail("must be the paging cursor a previous page gave", "after"))
    if body.get("query"):
        problems.append(ErrorDetail("free-text search is not supported; use filters", "query"))
    properties = body.get("properties")
    if properties is not None and (
        not isinstance(properties, list) or not all(isinstance(p, str) for p in properties)
    ):
        problems.append(ErrorDetail("must be a list of property names", "properties"))
    elif properties:
        problems.extend(selection_problems(properties))
    if problems:
        raise InvalidSearch(problems)
    return SearchRequest(
        groups,
        sort,
        tuple(properties) if properties else None,
        limit,
        # HubSpot's examples start with `"after": 0` (its cursor is an offset): the first page.
        str(after) if after not in (None, "", 0, "0") else None,
    )


@dataclass(frozen=True)
class Window:
    """The part of a search's results one page reads: `limit` results after the first `seen`,
    from the store's keyset cursor `keyset` (None: the first page); `cap` is where counting
    and paging stop (MAX_RESULTS).

        window = search_window(request)   # InvalidSearch on `after` past the cap
        ... read window.limit from window.keyset, count up to window.cap ...
        after = window.next_after(len(tickets), keyset_after_them)
    """

    seen: int
    keyset: str | None
    limit: int
    cap: int

    def next_after(self, taken: int, keyset: str | None) -> str | None:
        """The next page's `after`, `<seen>.<keyset>`; none at the cap, as HubSpot's."""
        seen = self.seen + taken
        return f"{seen}.{keyset}" if keyset is not None and seen < self.cap else None


def search_window(request: SearchRequest) -> Window:
    """Where the request's page lies. HubSpot refuses (400) an `after` past its 10,000 results,
    so does this, naming `after`; a bare number is HubSpot's offset form of `after`."""
    cap = MAX_RESULTS
    if request.after is None:
        return Window(0, None, min(request.limit, cap), cap)
    seen_text, dot, keyset = request.after.partition(".")
    seen = int(seen_text) if _SEEN.fullmatch(seen_text) else None
    if seen is not None and seen >= cap:
        message = f"the search answers at most {cap} results; narrow the filters to reach more"
        raise InvalidSearch([ErrorDetail(message, "after")])
    if seen is None or not dot or not keyset:
        raise InvalidSearch(
            [ErrorDetail("must be the paging cursor a previous page gave", "after")]
        )
    return Window(seen, keyset, min(request.limit, cap - seen), cap)


def parse_filter_groups(raw: Any) -> FilterGroups:
    """A search body's `filterGroups` alone (a bulk move's filter), checked as a search's."""
    problems: list[ErrorDetail] = []
    groups = _groups(raw, problems)
    if problems:
        raise InvalidSearch(problems)
    return groups


def _groups(raw: Any, problems: list[ErrorDetail]) -> FilterGroups:
    if raw is None:
        return ((),)
    if not isinstance(raw, list) or len(raw) > MAX_GROUPS:
        problems.append(ErrorDetail(f"must be a list of at most {MAX_GROUPS}", "filterGroups"))
        return ()
    if not raw:
        return ((),)
    groups: list[tuple[Condition, ...]] = []
    for g, group in enumerate(raw):
        place = f"filterGroups.{g}.filters"
        filters = group.get("filters", []) if isinstance(group, dict) else None
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS_PER_GROUP:
            message = f"must be a list of at most {MAX_FILTERS_PER_GROUP} filters"
            problems.append(ErrorDetail(message, place))
            continue
        parsed = [_condition(f, f"{place}.{i}", problems) for i, f in enumerate(filters)]
        groups.append(tuple(c for c in parsed if c is not None))
    if sum(len(g) for g in groups) > MAX_FILTERS:
        problems.append(ErrorDetail(f"holds more than {MAX_FILTERS} filters", "filterGroups"))
    return tuple(groups)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _condition(raw: Any, place: str, problems: list[ErrorDetail]) -> Condition | None:
    if not isinstance(raw, dict):
        problems.append(ErrorDetail("must be an object", place))
        return None
    name, operator = raw.get("propertyName"), raw.get("operator")
    before = len(problems)
    if name not in SEARCHABLE:
        supported = ", ".join(SEARCHABLE)
        message = f"{name!r} cannot be searched on; searchable: {supported}"
        problems.append(ErrorDetail(message, f"{place}.propertyName"))
    if operator not in Operator.__members__:
        message = f"{operator!r} is not one of {', '.join(Operator)}"
        problems.append(ErrorDetail(message, f"{place}.operator"))
    if len(problems) > before:
        return None
    op = Operator(str(operator))
    values = _values(raw, op, place, problems)
    if values is None:
        return None
    condition = Condition(str(name), op, values, place)
    _check(condition, problems)
    return condition


def _values(
    raw: Mapping[str, Any], op: Operator, place: str, problems: list[ErrorDetail]
) -> tuple[str, ...] | None:
    if op in _PRESENCE:
        return ()
    if op in _LISTS:
        items = raw.get("values")
        texts = [_text(v) for v in items] if isinstance(items, list) else []
        if not texts or len(texts) > MAX_VALUES or None in texts:
            message = f"{op} needs `values`: a list of 1 to {MAX_VALUES} values"
            problems.append(ErrorDetail(message, f"{place}.values"))
            return None
        return tuple(t for t in texts if t is not None)
    value = _text(raw.get("value"))
    if value is None:
        problems.append(ErrorDetail(f"{op} needs a `value`", f"{place}.value"))
        return None
    if op is not Operator.BETWEEN:
        return (value,)
    high = _text(raw.get("highValue"))
    if high is None:
        problems.append(ErrorDetail("BETWEEN needs a `highValue`", f"{place}.highValue"))
        return None
    return value, high


def _check(condition: Condition, problems: list[ErrorDetail]) -> None:
    """Operators each property takes, and date and flag values."""
    name, op, place = condition.property, condition.operator, condition.place
    if name in DATES:
        if op in (Operator.NEQ, *_LISTS):
            message = f"{name} takes EQ, LT, LTE, GT, GTE, BETWEEN and (NOT_)HAS_PROPERTY"
            problems.append(ErrorDetail(message, f"{place}.operator"))
        for value, key in zip(condition.values, ("value", "highValue"), strict=False):
            if parse_moment(value) is None:
                message = f"{value!r} is not a date-time (epoch milliseconds or ISO-8601)"
                problems.append(ErrorDetail(message, f"{place}.{key}"))
    elif op in _RANGES:
        message = f"{op} compares dates; {name} takes EQ, NEQ, IN, NOT_IN and (NOT_)HAS_PROPERTY"
        problems.append(ErrorDetail(message, f"{place}.operator"))
    elif name == IS_CLOSED:
        if op in _LISTS or op in _PRESENCE:
            problems.append(ErrorDetail(f"{name} takes EQ and NEQ", f"{place}.operator"))
        elif condition.values[0].lower() not in ("true", "false"):
            problems.append(ErrorDetail("must be true or false", f"{place}.value"))
    elif name == OWNER and op in (Operator.NEQ, Operator.NOT_IN, Operator.HAS_PROPERTY):
        # Owners are not enumerable here (no user replica), so no index read can exclude one.
        message = f"{name} takes EQ, IN and NOT_HAS_PROPERTY (the unassigned tickets)"
        problems.append(ErrorDetail(message, f"{place}.operator"))


def parse_moment(value: str) -> datetime | None:
    """Epoch milliseconds (as HubSpot sends dates) or ISO-8601 (UTC without an offset)."""
    text = value.strip()
    try:
        if _EPOCH_MILLIS.match(text):
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sort(raw: Any, problems: list[ErrorDetail]) -> Sort | None:
    """HubSpot takes `[{"propertyName", "direction"}]`; the SDK types it as strings, so
    `"createdate"` and `"-createdate"` (descending) are taken too. One sort, as HubSpot."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list) or len(raw) > 1:
        problems.append(ErrorDetail("must be a list of one sort", "sorts"))
        return None
    item = raw[0]
    name: Any
    direction: Any
    if isinstance(item, str):
        name, direction = item.removeprefix("-"), "DESCENDING" if item[:1] == "-" else "ASCENDING"
    elif isinstance(item, dict):
        name, direction = item.get("propertyName"), item.get("direction", "ASCENDING")
    else:
        problems.append(ErrorDetail("must be an object or a property name", "sorts.0"))
        return None
    if name not in DATES:
        message = f"{name!r} cannot be sorted on; sortable: {', '.join(DATES)}"
        problems.append(ErrorDetail(message, "sorts.0.propertyName"))
    if direction not in ("ASCENDING", "DESCENDING"):
        problems.append(ErrorDetail("must be ASCENDING or DESCENDING", "sorts.0.direction"))
    return Sort(str(name), direction == "DESCENDING")
