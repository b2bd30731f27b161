"""API tokens' last use, for the token list: every service notes the API tokens it accepts
(in memory, the latest moment per token) and reports them as `token.used` events every
`<PREFIX>_TOKEN_USE_REPORT_SECONDS`, one event per token used since the last report; the
pipeline service keeps the latest on the token. A use noted and not yet reported when the
process stops is not reported (the list is a hint, not an audit)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ticketflow_chassis.auth import Principal
from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_chassis.worker import WakeableWorker
from ticketflow_contracts import TokenUsed


class TokenUses:
    """Uses noted since the last report: token id -> (account, user, latest moment)."""

    def __init__(self) -> None:
        self._latest: dict[str, tuple[str, str, datetime]] = {}

    def note(self, principal: Principal, now: datetime) -> None:
        if principal.token_id is not None:
            self._latest[principal.token_id] = (principal.account_id, principal.user_id, now)

    def take(self) -> dict[str, tuple[str, str, datetime]]:
        taken, self._latest = self._latest, {}
        return taken


class TokenUseReporter:
    """Records one `token.used` per token noted, in one unit of work per account."""

    def __init__(self, uses: TokenUses, uow: UnitOfWork, *, every_seconds: float):
        self._uses = uses
        self._uow = uow
        self._worker = WakeableWorker(
            "token-use-reporter",
            self.report,
            poll_seconds=every_seconds,
            retry_seconds=every_seconds,
        )

    async def report(self) -> bool:
        by_account: dict[str, list[TokenUsed]] = defaultdict(list)
        for token_id, (account_id, user_id, moment) in self._uses.take().items():
            used = TokenUsed(token_id=token_id, user_id=user_id, last_used_at=moment)
            by_account[account_id].append(used)
        for account_id, uses in by_account.items():
            async with self._uow.begin(MessageContext.for_request(account_id)) as session:
                for used in uses:
                    await session.record(used)
        return True

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
