"""The bulk-move runner: a background task of the ticket service that runs pending jobs one
batch per unit of work. Woken the moment a job is created; a slow poll picks up jobs that a
stopped or crashed process left running (they resume from their last committed batch)."""

from __future__ import annotations

import asyncio
import logging

from ticketflow_chassis.uow import MessageContext, UnitOfWork
from ticketflow_chassis.worker import WakeableWorker
from ticketflow_ticket.handlers import moves
from ticketflow_ticket.handlers.moves import JobRef

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # unexpected batch failures in a row before a job is FAILED


class MoveRunner:
    """`runner.start()` / `await runner.stop()` (the app's lifespan); `wake()` after a job
    is created; `await runner.run_pending()` runs every runnable job to its end (tests, the
    benchmark)."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        batch_size: int = moves.BATCH_SIZE,
        poll_seconds: float = 30.0,
        retry_seconds: float = 1.0,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self._uow = uow
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._worker = WakeableWorker(
            "bulk-move-runner",
            self.run_pending,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
        )

    def wake(self) -> None:
        self._worker.wake()

    async def run_pending(self) -> bool:
        """Run the runnable jobs, each to its end; False when a batch failed (it is retried
        on the next pass)."""
        healthy = True
        runnable = await moves.runnable_moves(
            moves.FindRunnableMoves(), self._uow, MessageContext.across_accounts()
        )
        for ref in runnable:
            healthy = await self._run_job(ref) and healthy
        return healthy

    async def _run_job(self, ref: JobRef) -> bool:
        context = ref.context()
        try:
            more = True
            while more:
                batch = moves.RunMoveBatch(ref.job_id, self._batch_size)
                more = await moves.run_move_batch(batch, self._uow, context)
                await asyncio.sleep(0)  # let requests in between batches
        except Exception as exc:
            log.exception("bulk move %s: a batch failed; it will be tried again", ref.job_id)
            failure = moves.RecordBatchFailure(
                ref.job_id, f"{type(exc).__name__}: {exc}", self._max_attempts
            )
            await moves.record_batch_failure(failure, self._uow, context)
            return False
        return True

    def start(self) -> None:
        self._worker.start()

    async def stop(self) -> None:
        """Cancels between or inside a batch: an unfinished batch rolls back, and the job
        resumes from its last committed batch on the next start."""
        await self._worker.stop()
