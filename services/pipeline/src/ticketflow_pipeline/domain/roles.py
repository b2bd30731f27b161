"""The fixed roles of this product (HubSpot's permission sets, reduced to what ticketflow
checks), with stable ids; a user holds exactly one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    # The token claim the role grants (chassis `Role` values); None for a plain user.
    claim: str | None


SUPER_ADMIN_ROLE = Role("1", "Super admin", "super_admin")
PROPERTY_SETTINGS_ROLE = Role("2", "Edit property settings", "property_settings_editor")
USER_ROLE = Role("3", "User", None)
ROLES = (SUPER_ADMIN_ROLE, PROPERTY_SETTINGS_ROLE, USER_ROLE)
ROLES_BY_ID = {role.id: role for role in ROLES}
