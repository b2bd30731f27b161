"""A checked search as branches, one per combination of equality values (pipeline, status,
owner, priority, open/closed) over the pipelines the requester may see, all sorted alike, so
that each is one index read and their pages merge into one."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketflow_contracts.errors import ErrorDetail
from ticketflow_ticket.domain.properties import PIPELINE, PRIORITIES, STATUS
from ticketflow_ticket.domain.search import (
    CLOSED,
    CREATED,
    DATES,
    IS_CLOSED,
    MODIFIED,
    OWNER,
    PRIORITY,
    Condition,
    InvalidSearch,
    Operator,
    SearchRequest,
    Sort,
    parse_moment,
)

# Every combination of equality values is one index read per page; past this, narrow it.
MAX_BRANCHES = 100
_MILLISECOND = timedelta(milliseconds=1)


@dataclass(frozen=True)
class DateRange:
    """Stored moments `gte <= t < lt` (open ends when None), or merely present."""

    property: str
    gte: datetime | None = None
    lt: datetime | None = None


@dataclass(frozen=True)
class Branch:
    """An AND of equalities (a None value: the property has none) and date ranges, which one
    index reads in order; `group` is the filter group it came from."""

    group: int
    equal: tuple[tuple[str, str | None], ...]
    ranges: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The union of `branches` (they may overlap only across groups), all in `sort` order."""

    branches: tuple[Branch, ...]
    sort: Sort


def plan(
    request: SearchRequest,
    pipelines: Mapping[str, Sequence[str]],
    *,
    every_pipeline: bool = False,
) -> Plan:
    """Branches over the `pipelines` the requester may see (id -> its status ids): each ticket
    of a group's result lies in exactly one of its branches. NEQ and NOT_IN become the
    other known values (statuses of the pipeline, pipelines, priorities), so that every
    branch is equalities and date ranges only. With `every_pipeline` (they are all of the
    account's), a group that names no pipeline or status needs no pipeline equality."""
    branches = [
        branch
        for g, conditions in enumerate(request.groups)
        for branch in _group_branches(g, conditions, pipelines, every_pipeline)
    ]
    if len(branches) > MAX_BRANCHES:
        message = (
            f"these filters combine {len(branches)} pipeline/status/owner/priority values, more "
            f"than {MAX_BRANCHES}; narrow them (filter on hs_pipeline, say)"
        )
        raise InvalidSearch([ErrorDetail(message, "filterGroups")])
    return Plan(tuple(branches), request.sort or _default_sort(request))


def _default_sort(request: SearchRequest) -> Sort:
    """By the one date the filters bound (so that an index serves them), else creation."""
    ranged = {
        c.property for group in request.groups for c in group if c.property in DATES
    } - _null_dates(request)
    closed = any(
        c.property == IS_CLOSED and wants_closed(c) for group in request.groups for c in group
    )
    if closed:
        ranged.add(CLOSED)
    return Sort(ranged.pop()) if len(ranged) == 1 else Sort(CREATED)


def _null_dates(request: SearchRequest) -> set[str]:
    return {
        c.property
        for group in request.groups
        for c in group
        if c.operator is Operator.NOT_HAS_PROPERTY
    }


def wants_closed(condition: Condition) -> bool:
    """hs_is_closed as asked: EQ true and NEQ false both mean closed."""
    return (condition.values[0].lower() == "true") == (condition.operator is Operator.EQ)


Values = frozenset[str | None]


def _narrow(allowed: Values | None, condition: Condition, universe: Values) -> Values:
    """`allowed` (None: anything) and what `condition` admits, among `universe` for the
    negative operators."""
    op, values = condition.operator, Values(condition.values)
    admitted: Values
    if op in (Operator.EQ, Operator.IN):
        admitted = values
    elif op in (Operator.NEQ, Operator.NOT_IN):
        admitted = universe - values
    elif op is Operator.HAS_PROPERTY:
        admitted = universe - {None}
    else:
        admitted = Values({None})
    return admitted if allowed is None else allowed & admitted


def _allowed(conditions: Sequence[Condition], universe: Values) -> Values | None:
    allowed: Values | None = None
    for c in conditions:
        allowed = _narrow(allowed, c, universe)
    return allowed


def _group_branches(
    group: int,
    conditions: Sequence[Condition],
    pipelines: Mapping[str, Sequence[str]],
    every_pipeline: bool,
) -> list[Branch]:
    ranges, closed = _date_ranges(conditions), _closed(conditions)
    if ranges is None or closed == set():
        return []
    by_property: dict[str, list[Condition]] = {}
    for c in conditions:
        by_property.setdefault(c.property, []).append(c)
    visible = Values(pipelines)
    asked = _allowed(by_property.get(PIPELINE, []), visible)
    pipeline_ids = visible if asked is None else asked & visible
    fixed: list[list[tuple[str, str | None]]] = []
    for name, universe in ((OWNER, Values()), (PRIORITY, Values({*PRIORITIES, None}))):
        allowed = _allowed(by_property.get(name, []), universe)
        if allowed is not None:
            fixed.append([(name, v) for v in _ordered(allowed)])
    if closed == {False}:
        fixed.append([(CLOSED, None)])
    elif closed == {True} and not any(r.property == CLOSED for r in ranges):
        ranges = (*ranges, DateRange(CLOSED))
    if every_pipeline and pipelines and not {PIPELINE, STATUS} & by_property.keys():
        return [Branch(group, tuple(c), ranges) for c in itertools.product(*fixed)]
    branches = []
    for pipeline_id in _ordered(pipeline_ids):
        universe = Values(pipelines[str(pipeline_id)])
        statuses = _allowed(by_property.get(STATUS, []), universe)
        status_values = (
            [[]] if statuses is None else [[(STATUS, s)] for s in _ordered(statuses & universe)]
        )
        for status, combination in itertools.product(status_values, itertools.product(*fixed)):
            equal = ((PIPELINE, pipeline_id), *status, *combination)
            branches.append(Branch(group, equal, ranges))
    return branches


def _ordered(values: Values) -> list[str | None]:
    return sorted(values, key=lambda v: (v is not None, v or ""))


def _closed(conditions: Sequence[Condition]) -> set[bool] | None:
    """{True}: closed only; {False}: open only; None: either; empty: contradictory."""
    wanted: set[bool] | None = None
    for c in conditions:
        if c.property == IS_CLOSED:
            flag = {wants_closed(c)}
        elif c.property == CLOSED and c.operator is Operator.NOT_HAS_PROPERTY:
            flag = {False}
        else:
            continue
        wanted = flag if wanted is None else wanted & flag
    return wanted


def _date_ranges(conditions: Sequence[Condition]) -> tuple[DateRange, ...] | None:
    """One range per date property bound; None when the conditions match nothing."""
    ranges: dict[str, DateRange] = {}
    for c in conditions:
        if c.property not in DATES or c.operator is Operator.NOT_HAS_PROPERTY:
            if c.property in (CREATED, MODIFIED) and c.operator is Operator.NOT_HAS_PROPERTY:
                return None  # every ticket has these
            continue
        gte, lt = bounds(c)
        current = ranges.get(c.property, DateRange(c.property))
        ranges[c.property] = DateRange(
            c.property,
            max((b for b in (current.gte, gte) if b is not None), default=None),
            min((b for b in (current.lt, lt) if b is not None), default=None),
        )
    if any(r.gte is not None and r.lt is not None and r.gte >= r.lt for r in ranges.values()):
        return None
    return tuple(ranges[name] for name in DATES if name in ranges)


def bounds(c: Condition) -> tuple[datetime | None, datetime | None]:
    """HubSpot's dates are milliseconds; stored ones are finer, so a millisecond `m` is the
    span [m, m + 1 ms): EQ is that span, LTE ends after it, GT starts after it."""
    moments = [parse_moment(v) for v in c.values]
    first = moments[0] if moments else None
    op = c.operator
    if op is Operator.HAS_PROPERTY or first is None:
        return None, None
    if op is Operator.EQ:
        return first, first + _MILLISECOND
    if op is Operator.LT:
        return None, first
    if op is Operator.LTE:
        return None, first + _MILLISECOND
    if op is Operator.GT:
        return first + _MILLISECOND, None
    if op is Operator.GTE:
        return first, None
    high = moments[1]
    return first, (high + _MILLISECOND) if high else None
