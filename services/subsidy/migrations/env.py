# Imported for their side effect: they register the tables on Base.metadata.
import subsidy.applications.models
import subsidy.audit.models
import subsidy.budgets.models
import subsidy.decisions.models
import subsidy.evaluations.models
import subsidy.events
import subsidy.idempotency
import subsidy.policies.models  # noqa: F401
from shared.migrations import run_env
from subsidy.config import Settings
from subsidy.database import Base

run_env(Base.metadata, Settings().database_url.get_secret_value())
