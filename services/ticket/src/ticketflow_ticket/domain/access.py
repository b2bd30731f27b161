"""Who may see and work on a pipeline's tickets, from the replica's access settings, and who
acts on a ticket (a user, a trigger, automation).

Super admins and automation always may; otherwise the pipeline's access decides (contracts'
`PipelineAccess.level_for`: everyone when unrestricted, else view or edit grants).
A ticket of a pipeline the user may not see does not exist for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import AccessLevel, Actor, ActorKind
from ticketflow_ticket.domain.errors import TicketAccessDenied
from ticketflow_ticket.domain.replicas import PipelineReplica


@dataclass(frozen=True)
class Requester:
    """`user_id` is the user's id, or the trigger's or automation's name."""

    user_id: str
    teams: frozenset[str] = frozenset()
    is_super_admin: bool = False
    is_property_settings_editor: bool = False
    kind: ActorKind = ActorKind.USER

    @classmethod
    def automation(cls, name: str = "automation") -> Requester:
        return cls(name, kind=ActorKind.AUTOMATION)

    @classmethod
    def trigger(cls, name: str) -> Requester:
        return cls(name, kind=ActorKind.TRIGGER)

    @property
    def is_automation(self) -> bool:
        """Triggers and automation: no person acts, so no person could fill a property."""
        return self.kind is not ActorKind.USER

    @property
    def bypasses_pipeline_rules(self) -> bool:
        """HubSpot: super admins, users who may edit property settings, and automation."""
        return self.is_super_admin or self.is_property_settings_editor or self.is_automation

    @property
    def actor(self) -> Actor:
        return Actor(kind=self.kind, id=self.user_id)


def level(pipeline: PipelineReplica, requester: Requester) -> AccessLevel | None:
    if requester.is_super_admin or requester.is_automation:
        return AccessLevel.EDIT
    return pipeline.pipeline.access.level_for(requester.user_id, requester.teams)


def may_view(pipeline: PipelineReplica | None, requester: Requester) -> bool:
    return pipeline is not None and level(pipeline, requester) is not None


def require_edit(pipeline: PipelineReplica, requester: Requester) -> None:
    """Raises when the user may only view the pipeline's tickets (callers hide the
    pipeline from users who may not even view it)."""
    if level(pipeline, requester) is not AccessLevel.EDIT:
        raise TicketAccessDenied(pipeline.pipeline.id)


def entered_pipeline(
    pipeline: PipelineReplica | None, requester: Requester
) -> PipelineReplica | None:
    """The pipeline a ticket is to enter (created in or moved to), as the requester knows it:
    None when they may not see it (it does not exist for them); TicketAccessDenied when they
    may only view it."""
    if pipeline is None or level(pipeline, requester) is None:
        return None
    require_edit(pipeline, requester)
    return pipeline
