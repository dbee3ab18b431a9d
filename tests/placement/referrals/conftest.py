from tests.placement.placements.conftest import *  # noqa: F403 (the placements tests' fixtures)
