from tests.placement.placements.conftest import (  # noqa: F401 (fixtures shared with the placements tests)
    api,
    app_and_session,
    auth,
    db,
    employer_client,
    fake_registry,
    new_employer,
    new_post,
    place,
    service_auth,
)
