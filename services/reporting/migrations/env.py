import reporting.indicators.models  # noqa: F401  (registers the tables)
from reporting.config import Settings
from reporting.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
