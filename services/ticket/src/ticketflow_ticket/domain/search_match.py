"""Checked search filters as a predicate on one ticket, in memory: a bulk move's filter,
applied to each batch its walk reads. Agrees with the index reads search_plan.py plans."""

from __future__ import annotations

from datetime import datetime

from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.properties import PIPELINE, STATUS
from ticketflow_ticket.domain.search import (
    CLOSED,
    CREATED,
    IS_CLOSED,
    MODIFIED,
    OWNER,
    PRIORITY,
    Condition,
    FilterGroups,
    Operator,
)
from ticketflow_ticket.domain.search_plan import bounds, wants_closed


def matches(ticket: Ticket, groups: FilterGroups) -> bool:
    """Whether the ticket meets every condition of at least one group:

    high = {"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "HIGH"}
    matches(ticket, parse_filter_groups([{"filters": [high]}]))
    """
    return any(all(_meets(ticket, c) for c in group) for group in groups)


def _meets(ticket: Ticket, condition: Condition) -> bool:
    name = condition.property
    if name == IS_CLOSED:
        return (ticket.closed_at is not None) == wants_closed(condition)
    if name in (CREATED, MODIFIED, CLOSED):
        return _in_range(_date(ticket, name), condition)
    return _equal(_value(ticket, name), condition)


def _value(ticket: Ticket, name: str) -> str | None:
    by_name = {
        PIPELINE: ticket.pipeline_id,
        STATUS: ticket.status_id,
        OWNER: ticket.owner_id,
        PRIORITY: ticket.priority,
    }
    return by_name[name]


def _date(ticket: Ticket, name: str) -> datetime | None:
    return {CREATED: ticket.created_at, MODIFIED: ticket.updated_at, CLOSED: ticket.closed_at}[name]


def _equal(value: str | None, condition: Condition) -> bool:
    """As search_plan's equality branches: a ticket without the property is not HIGH, so
    NEQ HIGH and NOT_IN [HIGH] take it."""
    op, values = condition.operator, condition.values
    if op is Operator.HAS_PROPERTY:
        return value is not None
    if op is Operator.NOT_HAS_PROPERTY:
        return value is None
    if op in (Operator.EQ, Operator.IN):
        return value in values
    return value not in values  # NEQ, NOT_IN (ranges are refused on these when parsing)


def _in_range(moment: datetime | None, condition: Condition) -> bool:
    """A millisecond `m` of the API is the span [m, m + 1 ms), as search_plan.bounds says."""
    if condition.operator is Operator.NOT_HAS_PROPERTY:
        return moment is None
    if moment is None:
        return False
    gte, lt = bounds(condition)
    return (gte is None or gte <= moment) and (lt is None or moment < lt)
