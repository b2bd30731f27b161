"""Where pipelines name a user or a team (access grants, status actions' recipients): a user is
not deactivated, nor a team deleted, while a live pipeline names it (refused, never pruned)."""

from __future__ import annotations

from collections.abc import Iterable

from ticketflow_contracts import GranteeKind, RecipientKind
from ticketflow_pipeline.domain.errors import DirectoryEntryInUse
from ticketflow_pipeline.domain.model import Pipeline


def uses(pipelines: Iterable[Pipeline], kind: GranteeKind, entry_id: str) -> list[str]:
    """`<pipeline label> (<what names it>)` for each live pipeline that names the entry."""
    recipient_kind = RecipientKind(kind.value)
    found = []
    for pipeline in pipelines:
        if pipeline.archived:
            continue
        where = []
        if any(
            g.grantee_kind is kind and g.grantee_id == entry_id
            for g in pipeline.state.access.grants
        ):
            where.append("access")
        for status in pipeline.state.statuses:
            if not status.archived and any(
                a.recipient_kind is recipient_kind and a.recipient_id == entry_id
                for a in status.actions
            ):
                where.append(f"actions of status {status.label!r}")
        if where:
            found.append(f"{pipeline.label!r} ({', '.join(where)})")
    return found


def require_unused(pipelines: Iterable[Pipeline], kind: GranteeKind, entry_id: str) -> None:
    named_by = uses(pipelines, kind, entry_id)
    if named_by:
        raise DirectoryEntryInUse(
            f"{kind.value} {entry_id!r} is named by pipeline {'; '.join(named_by)}; "
            "remove it there first"
        )
