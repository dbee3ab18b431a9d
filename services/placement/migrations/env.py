# Imported for their side effect: they register the tables on Base.metadata.
import placement.employers.models
import placement.events
import placement.idempotency  # noqa: F401
from placement.config import Settings
from placement.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
