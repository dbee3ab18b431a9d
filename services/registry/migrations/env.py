import registry.audit.models
import registry.drug_tests.models
import registry.events
import registry.history.models
import registry.idempotency
import registry.jurisdictions.models
import registry.measures.models
import registry.persons.models
import registry.support.models
import registry.transfers.models
import registry.treatment.models
import registry.welfare.models  # noqa: F401  (registers the tables)
from registry.config import Settings
from registry.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
