"""Background work of a service's process, one asyncio task per job id: started once, listed while it runs,
waited for (`drain`) or cancelled (`shutdown`) when the process stops. Import jobs (`shared.imports.JobRunner`) and
subsidy evaluations keep their tasks here (both as `JobTasks`); what a task does and records is theirs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class Tasks:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, job_id: uuid.UUID, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as the task of `job_id`, unless that job already has one (then `work` is closed unrun)."""
        if job_id in self._tasks:
            work.close()
            return
        task = asyncio.create_task(work, name=f"{self.prefix}-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    @property
    def running(self) -> list[uuid.UUID]:
        return list(self._tasks)

    async def drain(self) -> None:
        """Wait for every task started so far to end."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def shutdown(self) -> None:
        """Cancel the running tasks and wait for them."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a task that runs until told to stop (a poller, a delivery worker) and wait until it has; None: none
    was started."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class JobTasks(ABC):
    """Jobs kept in a table and run as this process's tasks, each through `sessions` (transactions of its own): at
    start-up the ones a stopped process left unfinished are marked interrupted, and a job's end is recorded even when
    the job itself failed. A subclass names its logger and messages and how its table marks the stale jobs."""

    logger: logging.Logger
    interrupted_message: str
    """Logged (with the count) when `recover` marks jobs interrupted."""
    end_not_recorded_message: str
    """Logged when the end of a job could not be recorded."""

    def __init__(self, prefix: str, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.tasks = Tasks(prefix)

    @abstractmethod
    async def interrupt_stale(self, session: AsyncSession) -> int:
        """Mark the unfinished jobs whose process stopped beating as interrupted; how many."""

    async def recover(self) -> int:
        """At start-up: mark the unfinished jobs whose process stopped beating as interrupted."""
        async with self.sessions() as session:
            count = await self.interrupt_stale(session)
            await session.commit()
        if count:
            self.logger.warning(self.interrupted_message, extra={"count": count})
        return count

    async def record_end(self, job_id: uuid.UUID, finish: Callable[[AsyncSession], Awaitable[object]]) -> None:
        """Record how a job ended (`finish` writes it) in a transaction of its own."""
        try:
            async with self.sessions() as session:
                await finish(session)
                await session.commit()
        except Exception:  # the database is gone too: the heartbeat check will interrupt it later
            self.logger.exception(self.end_not_recorded_message, extra={"job_id": str(job_id)})

    @property
    def running(self) -> list[uuid.UUID]:
        return self.tasks.running

    async def drain(self) -> None:
        """Wait for every job started so far to end."""
        await self.tasks.drain()

    async def shutdown(self) -> None:
        """Cancel the running jobs (each is marked interrupted) and wait for them."""
        await self.tasks.shutdown()
