from tests.placement.imports.conftest import (  # noqa: F401  (fixtures used here)
    api,
    db,
    env,
    fake_registry,
    new_employer,
    new_post,
)
