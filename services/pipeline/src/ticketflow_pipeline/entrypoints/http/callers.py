"""Who calls: the token's principal, read once into what handlers take (the Requester, the
request's MessageContext), and the role checks for changes (super admin, property-settings
editor; users and teams: super admin only)."""

from ticketflow_chassis.auth import Principal, Role, require_role
from ticketflow_chassis.uow import MessageContext
from ticketflow_pipeline.domain.access import Requester

EDITORS = (Role.SUPER_ADMIN, Role.PROPERTY_SETTINGS_EDITOR)


def requester_of(principal: Principal) -> Requester:
    """The facts about the caller that the pipeline access rules need."""
    return Requester(
        user_id=principal.user_id,
        teams=principal.teams,
        is_super_admin=principal.is_super_admin,
        is_property_settings_editor=principal.has_role(Role.PROPERTY_SETTINGS_EDITOR),
    )


def context_of(principal: Principal) -> MessageContext:
    return MessageContext.for_request(principal.account_id)


def editor_context(principal: Principal) -> MessageContext:
    """The context of a change; refused (403) unless a super admin or property-settings editor."""
    require_role(principal, *EDITORS)
    return context_of(principal)


def admin_context(principal: Principal) -> MessageContext:
    """The context of a change to users or teams; refused (403) unless a super admin."""
    require_role(principal, Role.SUPER_ADMIN)
    return context_of(principal)
