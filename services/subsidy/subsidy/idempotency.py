"""This service's Idempotency-Key store (shared.idempotency), kept in its own database."""

from shared.idempotency import IdempotencyStore, idempotency_table
from subsidy.database import Base

store = IdempotencyStore(idempotency_table(Base.metadata))
