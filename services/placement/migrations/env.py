# Imported for their side effect: they register the tables on Base.metadata (autogenerate compares them).
import placement.audit.models
import placement.employers.models
import placement.events
import placement.handover.models
import placement.idempotency
import placement.imports.models
import placement.placements.models
import placement.posts.models
import placement.referrals.models
import placement.registry_feed.models
import placement.self_employment.models
import placement.sites.models
import placement.training.models  # noqa: F401
from placement.config import Settings
from placement.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
