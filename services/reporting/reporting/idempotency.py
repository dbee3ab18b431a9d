"""This service's Idempotency-Key store (shared.idempotency), kept in its own database."""

from reporting.database import Base
from shared.idempotency import IdempotencyStore, idempotency_table

store = IdempotencyStore(idempotency_table(Base.metadata))
