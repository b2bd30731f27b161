"""Who may see and work on a pipeline's tickets, from the replica's access settings.

Super admins always may; otherwise the pipeline's access decides (contracts'
`PipelineAccess.level_for`: everyone when unrestricted, else view or edit grants).
A ticket of a pipeline the user may not see does not exist for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import AccessLevel
from ticketflow_ticket.domain.errors import TicketAccessDenied
from ticketflow_ticket.domain.replicas import PipelineReplica


@dataclass(frozen=True)
class Viewer:
    user_id: str
    teams: frozenset[str] = frozenset()
    is_super_admin: bool = False
    is_automation: bool = False

    @classmethod
    def automation(cls) -> Viewer:
        return cls("automation", is_automation=True)


def level(pipeline: PipelineReplica, viewer: Viewer) -> AccessLevel | None:
    if viewer.is_super_admin or viewer.is_automation:
        return AccessLevel.EDIT
    return pipeline.pipeline.access.level_for(viewer.user_id, viewer.teams)


def may_view(pipeline: PipelineReplica | None, viewer: Viewer) -> bool:
    return pipeline is not None and level(pipeline, viewer) is not None


def require_edit(pipeline: PipelineReplica, viewer: Viewer) -> None:
    """Raises when the user may only view the pipeline's tickets (callers hide the
    pipeline from users who may not even view it)."""
    if level(pipeline, viewer) is not AccessLevel.EDIT:
        raise TicketAccessDenied(pipeline.pipeline.id)
