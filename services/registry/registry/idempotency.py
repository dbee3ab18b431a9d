"""This service's Idempotency-Key store (shared.idempotency), kept in its own database."""

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from registry.database import Base
from shared.auth import Principal
from shared.idempotency import Created, IdempotencyStore, idempotency_table

T = TypeVar("T", bound=BaseModel)

store = IdempotencyStore(idempotency_table(Base.metadata))


async def create_for_person(
    session: AsyncSession,
    principal: Principal,
    person_id: uuid.UUID,
    collection: str,
    key: str | None,
    data: BaseModel,
    answer_as: type[T],
    write: Callable[[], Awaitable[T]],
) -> Created[T]:
    """An idempotent create (`store.create`) of one of a person's records, by the caller's key: remembered under
    its route, `POST /api/v1/persons/{person_id}/<collection>`."""
    operation = f"POST /api/v1/persons/{person_id}/{collection}"
    return await store.create(session, principal.subject, key, operation, data, answer_as, write)
