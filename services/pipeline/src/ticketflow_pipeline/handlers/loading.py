"""Loading for handlers: the account (its tier, and `tier_check`, a handler's tier rule run in
its unit of work), and one live pipeline for a requester: a
deleted one, or one hidden from them, is 404; one they may only view refuses changes
(domain/access.py). `edit_pipeline` is the whole shape of a simple change: load, change, save."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from ticketflow_chassis.uow import MessageContext, Session, UnitOfWork
from ticketflow_contracts import GranteeKind, Tier
from ticketflow_pipeline.adapters.directory_repository import DirectoryRepository
from ticketflow_pipeline.adapters.repository import PipelineRepository
from ticketflow_pipeline.domain import access
from ticketflow_pipeline.domain.access import Requester
from ticketflow_pipeline.domain.accounts import Account
from ticketflow_pipeline.domain.directory_usage import Known, Named
from ticketflow_pipeline.domain.errors import AccountNotFound, PipelineNotFound
from ticketflow_pipeline.domain.model import Pipeline

T = TypeVar("T")


class OnPipeline(Protocol):
    """A command or query about one pipeline, asked by `requester`."""

    @property
    def pipeline_id(self) -> str: ...

    @property
    def requester(self) -> Requester: ...


async def load_account(session: Session, context: MessageContext) -> Account:
    account = await PipelineRepository(session).account(context.account_id)
    if account is None:
        raise AccountNotFound(context.account_id)
    return account


def tier_check(
    context: MessageContext, rule: Callable[[Tier], None]
) -> Callable[[Session], Awaitable[None]]:
    """A `check` for `read_pipeline`/`edit_pipeline`: the account's tier must pass `rule`
    (e.g. `require_tier_for_automation`), read in the same unit of work as the change."""

    async def check(session: Session) -> None:
        rule((await load_account(session, context)).tier)

    return check


async def known_entries(session: Session, account_id: str, named: Iterable[Named]) -> Known:
    """Which of the `named` users and teams the account has (users: active ones), read in the
    unit of work of the change that names them, and held there: each is rewritten unchanged,
    so a deactivation or deletion committing meanwhile conflicts with the change (a guard
    against write skew under snapshot isolation; docs/decisions.md)."""
    directory = DirectoryRepository(session)
    user_ids: set[str] = set()
    team_ids: set[str] = set()
    for kind, entry_id in sorted(set(named)):
        if kind is GranteeKind.USER:
            user = await directory.user(account_id, entry_id)
            if user is not None and user.active:
                await directory.hold_user(user)
                user_ids.add(entry_id)
        else:
            team = await directory.team(account_id, entry_id)
            if team is not None:
                await directory.hold_team(team)
                team_ids.add(entry_id)
    return Known(frozenset(user_ids), frozenset(team_ids))


async def load_live(session: Session, context: MessageContext, pipeline_id: str) -> Pipeline:
    pipeline = await PipelineRepository(session).get(context.account_id, pipeline_id)
    if pipeline is None or pipeline.archived:
        raise PipelineNotFound(pipeline_id)
    return pipeline


async def load_visible(session: Session, context: MessageContext, asked: OnPipeline) -> Pipeline:
    pipeline = await load_live(session, context, asked.pipeline_id)
    access.require_view(pipeline, asked.requester)
    return pipeline


async def load_editable(session: Session, context: MessageContext, asked: OnPipeline) -> Pipeline:
    pipeline = await load_live(session, context, asked.pipeline_id)
    access.require_edit(pipeline, asked.requester)
    return pipeline


async def read_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    asked: OnPipeline,
    read: Callable[[Pipeline], T],
    check: Callable[[Session], Awaitable[None]] | None = None,
) -> T:
    """One unit of work: `check` (e.g. the account's tier), load what the requester may see,
    `read` it."""
    async with uow.read(context) as session:
        if check is not None:
            await check(session)
        return read(await load_visible(session, context, asked))


async def edit_pipeline(
    uow: UnitOfWork,
    context: MessageContext,
    asked: OnPipeline,
    change: Callable[[Pipeline, datetime], T],
    check: Callable[[Session], Awaitable[None]] | None = None,
    verify: Callable[[Session, T], Awaitable[None]] | None = None,
) -> T:
    return await uow.retrying(_edit_pipeline_once, uow, context, asked, change, check, verify)


async def _edit_pipeline_once(
    uow: UnitOfWork,
    context: MessageContext,
    asked: OnPipeline,
    change: Callable[[Pipeline, datetime], T],
    check: Callable[[Session], Awaitable[None]] | None = None,
    verify: Callable[[Session, T], Awaitable[None]] | None = None,
) -> T:
    """One unit of work: `check` (e.g. the account's tier), load for editing, `change`,
    `verify` its result against other stored facts (e.g. the users it names; raising there
    writes nothing), save (with the events the change recorded)."""
    async with uow.begin(context) as session:
        if check is not None:
            await check(session)
        pipeline = await load_editable(session, context, asked)
        result = change(pipeline, session.now)
        if verify is not None:
            await verify(session, result)
        await PipelineRepository(session).save(pipeline)
    return result
