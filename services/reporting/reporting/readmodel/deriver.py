"""Deriving in processes of their own: the follower reads the feeds and stores their facts (Follower with
`derive=False`), and n workers, each a partition of the people (`ReadModelRepository.take_dirty`: the last byte of
the person's id modulo n), re-derive the people marked dirty. Derivation is the larger half of a page's CPU
(docs/benchmarks.md), so on a machine with cores to spare it no longer waits behind reading and storing.

A person belongs to one partition, so two workers never derive one person at the same time; a worker that dies
leaves its people taken off the dirty list only inside its rolled-back transaction, so they are derived again.

    python -m reporting.readmodel.deriver --partition 0/2   # and 1/2 beside it

reads REPORTING_DATABASE_URL and the rule settings as the service does. Run them only beside a service started with
REPORTING_FOLLOWER_DERIVES=false, whose follower then only stores facts; with the default (true) it derives itself."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable

from reporting.readmodel import service
from reporting.readmodel.rules import RuleConfig
from reporting.readmodel.service import Transaction

logger = logging.getLogger("reporting.readmodel")


async def run(
    transaction: Transaction,
    config: RuleConfig,
    partition: tuple[int, int],
    *,
    batch_size: int = 1000,
    poll_seconds: float = 0.2,
    finish_when_idle: Callable[[], bool] = lambda: False,
) -> int:
    """Derive this partition's dirty people batch after batch; when none is left, wait `poll_seconds` and look again,
    or return (how many were derived) once `finish_when_idle()` says no more will come."""
    total = 0
    while True:
        finishing = finish_when_idle()  # read before the batch: a person marked after it is still seen next time
        n = await service.derive_dirty(transaction, config, batch_size=batch_size, partition=partition)
        total += n
        if n:
            continue
        if finishing:
            return total
        await asyncio.sleep(poll_seconds)


def parse_partition(text: str) -> tuple[int, int]:
    k, _, n = text.partition("/")
    try:
        partition = int(k), int(n)
    except ValueError:
        raise argparse.ArgumentTypeError("K/N, e.g. 0/2") from None
    if not 0 <= partition[0] < partition[1] <= 256:
        raise argparse.ArgumentTypeError("K/N with 0 <= K < N <= 256")
    return partition


def main() -> None:  # pragma: no cover - a process entry point (the bench runs it)
    from reporting.config import Settings
    from reporting.readmodel.follower import freeze_heap, rule_config, transaction_of
    from shared.db import make_engine, make_sessionmaker

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partition", type=parse_partition, required=True, help="K/N: this worker's share")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    settings = Settings()

    async def go() -> None:
        engine = make_engine(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
        transaction = transaction_of(make_sessionmaker(engine))
        freeze_heap()
        try:
            await run(transaction, rule_config(settings), args.partition, batch_size=args.batch)
        finally:
            await engine.dispose()

    asyncio.run(go())


if __name__ == "__main__":
    main()
