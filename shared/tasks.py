"""Background work of a service's process, one asyncio task per job id: started once, listed while it runs,
waited for (`drain`) or cancelled (`shutdown`) when the process stops. Import jobs (`shared.imports.JobRunner`) and
subsidy evaluations keep their tasks here; what a task does and records is theirs."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Coroutine
from typing import Any


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
