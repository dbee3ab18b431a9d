from tests.placement.placements.conftest import (  # noqa: F401 (the placement app's fixtures, for test_with_placement)
    api,
    app_and_session,
    db,
    fake_registry,
    new_employer,
)
