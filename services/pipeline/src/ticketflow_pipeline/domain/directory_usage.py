"""Where pipelines name a user or a team (access grants, status actions' recipients): each one
named must be an active user or a team of the account when it is named, and a user is not
deactivated, nor a team deleted, while a live pipeline names it (refused, never pruned)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ticketflow_contracts import GranteeKind, PipelineAccess, RecipientKind, StatusAction
from ticketflow_contracts.errors import ErrorDetail
from ticketflow_pipeline.domain.errors import DirectoryEntryInUse, UnknownDirectoryEntry
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


Named = tuple[GranteeKind, str]
"""A user or team as a grant or a recipient names it."""


@dataclass(frozen=True)
class Known:
    """Of the entries a change names, those the account has: active users, teams."""

    user_ids: frozenset[str] = frozenset()
    team_ids: frozenset[str] = frozenset()

    def has(self, named: Named) -> bool:
        kind, entry_id = named
        return entry_id in (self.user_ids if kind is GranteeKind.USER else self.team_ids)


def named_by_grants(access: PipelineAccess) -> list[Named]:
    return [(g.grantee_kind, g.grantee_id) for g in access.grants]


def named_by_action(action: StatusAction) -> list[Named]:
    """The user or team an internal notification goes to (an owner is found on the ticket)."""
    if action.recipient_kind in (RecipientKind.USER, RecipientKind.TEAM) and action.recipient_id:
        return [(GranteeKind(action.recipient_kind.value), action.recipient_id)]
    return []


def require_known_grantees(access: PipelineAccess, known: Known) -> None:
    """Every grant names an active user or a team of the account (all unknown ones reported)."""
    _require_known(
        ((f"grants.{i}.granteeId", named) for i, named in enumerate(named_by_grants(access))),
        known,
    )


def require_known_recipient(action: StatusAction, known: Known) -> None:
    _require_known((("recipientId", named) for named in named_by_action(action)), known)


def _require_known(fields: Iterable[tuple[str, Named]], known: Known) -> None:
    details = [
        ErrorDetail(_unknown(field, named), field, "unknown_" + named[0].value)
        for field, named in fields
        if not known.has(named)
    ]
    if details:
        raise UnknownDirectoryEntry(details)


def _unknown(field: str, named: Named) -> str:
    kind, entry_id = named
    what = "an active user" if kind is GranteeKind.USER else "a team"
    return f"{field}: {kind.value} {entry_id!r} is not {what} of this account"
