"""The pipeline service's errors.

TicketflowError (contracts)
└── PipelineError
    ├── PipelineNotFound          OBJECT_NOT_FOUND
    ├── StatusNotFound            OBJECT_NOT_FOUND
    ├── AccountNotFound           OBJECT_NOT_FOUND
    ├── InvalidAccount            VALIDATION_ERROR
    ├── InvalidPipeline           VALIDATION_ERROR (labels, orders, open/closed rule)
    ├── PipelineLimitReached      TIER_LIMIT
    ├── FeatureNotInTier          TIER_LIMIT
    ├── NotAllowed                MISSING_SCOPES
    ├── PipelineInUse             CONFLICT (holds tickets, being deleted, last one, channels)
    ├── ActionNotFound            OBJECT_NOT_FOUND
    ├── PropertyNotFound          OBJECT_NOT_FOUND
    ├── InvalidProperty           VALIDATION_ERROR
    ├── PropertyExists            CONFLICT
    ├── PropertyInUse             CONFLICT (listed by a status)
    ├── UserNotFound              OBJECT_NOT_FOUND
    ├── TeamNotFound              OBJECT_NOT_FOUND
    ├── InvalidDirectoryEntry     VALIDATION_ERROR (unknown role or team, blank team name)
    ├── UnknownDirectoryEntry     VALIDATION_ERROR (a grant or recipient names no such user/team)
    ├── DirectoryEntryExists      CONFLICT (email or team name taken, in any case)
    └── DirectoryEntryInUse       CONFLICT (named by pipelines; the last super admin)
"""

from __future__ import annotations

from ticketflow_contracts.errors import ErrorCategory, ErrorDetail, TicketflowError


class PipelineError(TicketflowError):
    pass


class PipelineNotFound(PipelineError):
    def __init__(self, pipeline_id: str):
        super().__init__(f"pipeline {pipeline_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class StatusNotFound(PipelineError):
    def __init__(self, pipeline_id: str, status_id: str):
        super().__init__(
            f"status {status_id!r} does not exist in pipeline {pipeline_id!r}",
            ErrorCategory.OBJECT_NOT_FOUND,
        )


class AccountNotFound(PipelineError):
    def __init__(self, account_id: str):
        super().__init__(f"account {account_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidAccount(PipelineError):
    def __init__(self, message: str, field: str):
        super().__init__(message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field)])


class InvalidPipeline(PipelineError):
    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field, code)]
        )


class PipelineLimitReached(PipelineError):
    def __init__(self, tier: str, limit: int):
        super().__init__(
            f"the {tier} tier allows {limit} ticket pipeline{'s' if limit != 1 else ''}; "
            "delete one or upgrade to create another",
            ErrorCategory.TIER_LIMIT,
        )


class FeatureNotInTier(PipelineError):
    def __init__(self, feature: str, tier: str, tiers: str, *, plural: bool = False):
        super().__init__(
            f"{feature} {'are' if plural else 'is'} available on {tiers}; "
            f"this account is on {tier}",
            ErrorCategory.TIER_LIMIT,
        )


class NotAllowed(PipelineError):
    def __init__(self, message: str):
        super().__init__(message, ErrorCategory.MISSING_SCOPES)


class PipelineInUse(PipelineError):
    def __init__(self, message: str, details: list[ErrorDetail] | None = None):
        super().__init__(message, ErrorCategory.CONFLICT, details or [])


class ActionNotFound(PipelineError):
    """OBJECT_NOT_FOUND: a status action that is not (or no longer) on the status."""

    def __init__(self, pipeline_id: str, status_id: str, action_id: str):
        super().__init__(
            f"action {action_id!r} does not exist on status {status_id!r} "
            f"of pipeline {pipeline_id!r}",
            ErrorCategory.OBJECT_NOT_FOUND,
        )


class PropertyNotFound(PipelineError):
    """OBJECT_NOT_FOUND: a ticket property the account does not have (or has archived)."""

    def __init__(self, name: str):
        super().__init__(f"ticket property {name!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidProperty(PipelineError):
    """VALIDATION_ERROR: a property definition or a status's property list breaks a rule."""

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(
            message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field, code)]
        )


class PropertyExists(PipelineError):
    """CONFLICT: the name is a built-in's or another definition's (archived ones too)."""

    def __init__(self, message: str):
        super().__init__(message, ErrorCategory.CONFLICT, [ErrorDetail(message, "name")])


class PropertyInUse(PipelineError):
    """CONFLICT: statuses still list the property that is to be archived."""

    def __init__(self, message: str):
        super().__init__(message, ErrorCategory.CONFLICT)


class UserNotFound(PipelineError):
    """OBJECT_NOT_FOUND: no user with this id (or email) in the caller's account."""

    def __init__(self, user_id: str):
        super().__init__(f"user {user_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class TokenNotFound(PipelineError):
    """OBJECT_NOT_FOUND: no API token with this id for this user of the caller's account."""

    def __init__(self, token_id: str):
        super().__init__(f"token {token_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class TeamNotFound(PipelineError):
    def __init__(self, team_id: str):
        super().__init__(f"team {team_id!r} does not exist", ErrorCategory.OBJECT_NOT_FOUND)


class InvalidDirectoryEntry(PipelineError):
    """VALIDATION_ERROR: a user or team field breaks a rule (unknown role or team, blank name)."""

    def __init__(self, message: str, field: str):
        super().__init__(message, ErrorCategory.VALIDATION_ERROR, [ErrorDetail(message, field)])


class UnknownDirectoryEntry(PipelineError):
    """VALIDATION_ERROR: access grants or a status action's recipient name a user that is not
    an active user of the account, or a team it does not have; one detail per such field."""

    def __init__(self, details: list[ErrorDetail]):
        message = "; ".join(d.message for d in details)
        super().__init__(message, ErrorCategory.VALIDATION_ERROR, details)


class DirectoryEntryExists(PipelineError):
    """CONFLICT: the email (of a user) or the name (of a team) is taken in the account."""

    def __init__(self, message: str, field: str):
        super().__init__(message, ErrorCategory.CONFLICT, [ErrorDetail(message, field)])


class DirectoryEntryInUse(PipelineError):
    """CONFLICT: pipelines name the user or team (access grants, status actions), or it is
    the account's last super admin."""

    def __init__(self, message: str):
        super().__init__(message, ErrorCategory.CONFLICT)
