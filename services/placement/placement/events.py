"""This service's outbox (shared.outbox) and its event feed at /api/v1/placement-events."""

from placement.database import Base
from shared.outbox import Outbox, events_router, outbox_table

outbox = Outbox(outbox_table(Base.metadata))
router = events_router(outbox, prefix="/api/v1/placement-events", tag="placement-events", scope="placement:read")
