"""Who may read what the notifier keeps of a ticket: the ticket service's rule, on the
notifier's own pipeline replica.

Super admins always may; otherwise the pipeline's access decides (contracts'
`PipelineAccess.level_for`). A ticket of a pipeline the user may not see, or of a pipeline
the notifier does not know, does not exist for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_notifier.domain.replicas import PipelineReplica


@dataclass(frozen=True)
class Requester:
    """The caller, read off the token once per request (the ticket service's names)."""

    user_id: str
    teams: frozenset[str] = frozenset()
    is_super_admin: bool = False


def may_view(pipeline: PipelineReplica | None, requester: Requester) -> bool:
    if pipeline is None:
        return False
    if requester.is_super_admin:
        return True
    return pipeline.pipeline.access.level_for(requester.user_id, requester.teams) is not None
