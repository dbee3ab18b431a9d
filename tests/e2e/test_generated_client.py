"""The contract with integrators, against the real system: the Python client generated (openapi-python-client) from
the merged document the gateway serves, with no warning, drives a short scenario through the gateway: log in,
create a township officer, register a person (and retry the create), place them, read the placement back; and
the list of placement imports answers a page, not None. The document passes the lint of tests/contract/lint.py."""

import importlib
import uuid
from datetime import date, timedelta

import httpx
import pytest

from tests.contract.client import generate_client
from tests.contract.lint import lint
from tests.e2e import steps
from tests.e2e.conftest import ADMIN_PASSWORD, wait_until

pytestmark = pytest.mark.e2e


def id_number(seq: int) -> str:
    return steps.id_number(seq, date(1988, 3, 9))


@pytest.fixture(scope="module")
def client_package(system, tmp_path_factory):
    fetched: list[dict] = []

    def complete() -> bool:
        # A service busy building its own document may miss the gateway's first fetch; the gateway tries again.
        fetched[:] = [httpx.get(f"{system.url()}/openapi.json", timeout=30).json()]
        return fetched[0]["x-missing-services"] == []

    wait_until(complete, "the gateway's document still misses a service", system.logs["gateway"], timeout=90)
    document = fetched[0]
    assert {rule: found for rule, found in lint(document).items() if found} == {}
    package, warnings = generate_client(document, tmp_path_factory.mktemp("client"), "qihang_client")
    assert warnings == []
    return package


def api(package, module: str):
    return importlib.import_module(f"{package.__name__}.api.{module}")


def model(package, name: str):
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def log_in(package, base_url: str, username: str, password: str):
    client = package.Client(base_url=base_url, raise_on_unexpected_status=True)
    body = model(package, "BodyIssueToken")(grant_type="password", username=username, password=password)
    token = api(package, "auth.issue_token").sync(client=client, body=body)
    assert isinstance(token, model(package, "TokenResponse")), token
    return package.AuthenticatedClient(base_url=base_url, token=token.access_token, raise_on_unexpected_status=True)


def test_a_generated_client_registers_places_and_reads_back(system, client_package):
    c, base = client_package, system.url()
    admin = log_in(c, base, "admin", ADMIN_PASSWORD)
    username, password = f"dapu.client.{uuid.uuid4().hex[:6]}", "client-test-password-3f9a"
    user = api(c, "admin.create_user").sync(
        client=admin,
        body=model(c, "UserCreate").from_dict(
            {
                "username": username,
                "display_name": "韦丽",
                "password": password,
                "roles": ["staff"],
                "department": "township",
                "jurisdiction": "dapu",
            }
        ),
    )
    assert user.username == username
    first = log_in(c, base, username, password)
    changed = api(c, "auth.change_password").sync_detailed(
        client=first,
        body=model(c, "PasswordChange").from_dict({"current_password": password, "new_password": password + "-own"}),
    )
    assert changed.status_code == 204
    staff = log_in(c, base, username, password + "-own")

    create_person = api(c, "persons.create_person")
    person_body = model(c, "PersonCreate").from_dict(
        {
            "name": "覃某某",
            "id_number": id_number(701),
            "work_ability": "able",
            "jurisdiction_code": "dapu",
            # On the register since before the contract starts: placement checks the person on the start date.
            "registered_on": str(date.today() - timedelta(days=60)),
        }
    )
    key = str(uuid.uuid4())
    created = create_person.sync_detailed(client=staff, body=person_body, idempotency_key=key)
    assert created.status_code == 201
    person = created.parsed
    assert isinstance(person, model(c, "PersonRead"))
    assert created.headers["Location"] == f"/api/v1/persons/{person.id}"
    assert created.headers["ETag"] == f'"{person.version}"'
    again = create_person.sync_detailed(client=staff, body=person_body, idempotency_key=key)
    assert again.headers["Idempotent-Replayed"] == "true" and again.parsed.id == person.id

    measure = api(c, "measures.create_measure").sync(
        client=staff,
        person_id=person.id,
        body=model(c, "MeasureCreate").from_dict(
            {"kind": "community_rehabilitation", "start_on": str(date.today() - timedelta(days=60))}
        ),
    )
    assert measure.kind == "community_rehabilitation"
    employer = api(c, "employers.create_employer").sync(
        client=staff,
        body=model(c, "EmployerCreate").from_dict(
            {"name": f"柳城县大埔镇蔗糖厂-{uuid.uuid4().hex[:6]}", "kind": "enterprise", "jurisdiction_code": "dapu"}
        ),
    )
    start = date.today() - timedelta(days=1)
    placed = api(c, "placements.create_placement").sync_detailed(
        client=staff,
        idempotency_key=str(uuid.uuid4()),
        body=model(c, "PlacementCreate").from_dict(
            {
                "person_id": str(person.id),
                "route": "centralised",
                "employer_id": str(employer.id),
                "contract": {
                    "number": f"DP-{uuid.uuid4().hex[:8]}",
                    "signed_on": str(start),
                    "start_on": str(start),
                    "open_ended": True,
                    "monthly_wage": "2300.00",
                },
            }
        ),
    )
    assert placed.status_code == 201
    read = api(c, "placements.get_placement").sync_detailed(client=staff, placement_id=placed.parsed.id)
    assert read.status_code == 200
    assert read.parsed.id == placed.parsed.id and read.parsed.person_id == person.id
    assert read.parsed.employer_id == employer.id and read.parsed.jurisdiction_code == "dapu"
    assert read.headers["ETag"] == f'"{read.parsed.version}"'

    imports = api(c, "placement_imports.list_placement_imports").sync(client=staff)
    assert isinstance(imports, model(c, "PlacementPageImportJobRead")) and imports.items == []
