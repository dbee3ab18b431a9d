import pytest

from tests.placement.placements.conftest import *  # noqa: F403 (the placements tests' fixtures)


@pytest.fixture
def evidence_readers(auth, service_auth, employer_client):
    """evidence_readers(employer_id) -> [(headers, status)]: the subsidy service and county staff read subsidy
    evidence (200); a township, another department and the employer's own system do not (403)."""

    def cases(employer_id: str) -> list[tuple[dict, int]]:
        return [
            (auth(department="nco"), 200),
            (auth(department="human_resources", roles=["viewer"]), 200),
            (auth(department="finance"), 200),
            (service_auth(), 200),
            (auth(department="township", jurisdiction="dapu"), 403),
            (auth(department="civil_affairs"), 403),
            (employer_client(employer_id), 403),
        ]

    return cases
