"""Bulk-move jobs <-> documents: the parsed filter survives the store exactly (so a resumed job
applies the filter it started with), and jobs stored before filters existed still read."""

from __future__ import annotations

import uuid

from ticketflow_ticket.adapters.move_jobs import job_from_doc, job_to_doc
from ticketflow_ticket.domain.access import Requester
from ticketflow_ticket.domain.move_jobs import MoveJob
from ticketflow_ticket.domain.moves import MovePlan, MoveRequest, parse_move_filter

from .builders import NOW

EVERY_SHAPE = {
    "filterGroups": [
        {
            "filters": [
                {"propertyName": "hs_ticket_priority", "operator": "IN", "values": ["HIGH"]},
                {
                    "propertyName": "createdate",
                    "operator": "BETWEEN",
                    "value": "1700000000000",
                    "highValue": "1800000000000",
                },
            ]
        },
        {"filters": [{"propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY"}]},
    ]
}


def job(request: MoveRequest) -> MoveJob:
    return MoveJob.create(
        job_id="j1",
        account_id="a1",
        requester=Requester("boss", is_super_admin=True),
        request=request,
        plan=MovePlan({"new": "inbox"}),
        total=3,
        correlation_id=str(uuid.uuid4()),
        now=NOW,
    )


def test_the_filter_and_the_skipped_count_survive_the_document() -> None:
    groups = parse_move_filter(EVERY_SHAPE)
    stored = job(MoveRequest("support", "billing", default_status_id="inbox", filter_groups=groups))
    stored.skipped = 2

    read = job_from_doc({**job_to_doc(stored), "version": 1})

    assert read.request == stored.request
    assert read.request.fingerprint() == stored.request.fingerprint()
    assert read.skipped == 2


def test_a_job_stored_before_filters_existed_reads_as_unfiltered() -> None:
    doc = job_to_doc(job(MoveRequest("support", "billing", default_status_id="inbox")))
    del doc["filter"], doc["skipped"]

    read = job_from_doc({**doc, "version": 1})

    assert (read.request.filter_groups, read.skipped) == (None, 0)
