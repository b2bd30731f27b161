"""Who may read a channel connection: whoever may see its target pipeline (the ticket
service's rule, contracts' `PipelineAccess.level_for`, on channels' pipeline replica).

Super admins see every connection; a connection whose pipeline the user may not see, or
that channels does not know, does not exist for them (its `pipelineId` would reveal it).
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_channels.domain.replicas import PipelineReplica


@dataclass(frozen=True)
class Requester:
    """The caller, read off the token once per request (the ticket service's names)."""

    user_id: str
    teams: frozenset[str] = frozenset()
    is_super_admin: bool = False


def may_view(pipeline: PipelineReplica | None, requester: Requester) -> bool:
    if requester.is_super_admin:
        return True
    if pipeline is None:
        return False
    return pipeline.pipeline.access.level_for(requester.user_id, requester.teams) is not None
