import gateway.auth.models
import gateway.clients.models
import gateway.keys.models
import gateway.users.models  # noqa: F401  (registers the tables)
from gateway.config import Settings
from gateway.database import Base
from shared.migrations import run_env

run_env(Base.metadata, Settings().database_url.get_secret_value())
