import reporting.bulletins.models
import reporting.idempotency
import reporting.indicators.models
import reporting.oversight.models
import reporting.readmodel.models  # noqa: F401
from reporting.config import Settings
from reporting.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
