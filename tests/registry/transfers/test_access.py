"""Who may take which step of a transfer: a matrix of department x role x side (the person's jurisdiction, the
receiving one, or neither), with county-wide callers acting for every side."""

import pytest

from tests.registry.transfers.conftest import DAPU

STEPS = ("propose", "read", "list", "accept", "reject", "cancel")
# (department, roles, jurisdiction) -> expected status per step. The transfer moves a Dapu person to Dongquan.
MATRIX = {
    ("nco", "staff", None): (201, 200, 200, 200, 200, 200),
    ("nco", "viewer", None): (403, 200, 200, 403, 403, 403),
    ("police", "staff", None): (403, 200, 200, 403, 403, 403),
    ("township", "staff", "dapu"): (201, 200, 200, 403, 403, 200),
    ("township", "viewer", "dapu"): (403, 200, 200, 403, 403, 403),
    ("township", "staff", "dongquan"): (404, 200, 200, 200, 200, 403),
    ("township", "viewer", "dongquan"): (403, 200, 200, 403, 403, 403),
    ("township", "staff", "shechong"): (404, 404, 200, 404, 404, 404),
    ("health", "staff", None): (403, 403, 403, 403, 403, 403),
    ("civil_affairs", "staff", None): (403, 403, 403, 403, 403, 403),
    ("human_resources", "staff", None): (403, 403, 403, 403, 403, 403),
    ("finance", "staff", None): (403, 403, 403, 403, 403, 403),
    ("justice", "staff", None): (403, 403, 403, 403, 403, 403),
}


@pytest.mark.parametrize(
    ("caller", "operation", "expected"),
    [(caller, op, codes[i]) for caller, codes in MATRIX.items() for i, op in enumerate(STEPS)],
    ids=lambda v: "-".join(str(x) for x in v) if isinstance(v, tuple) else str(v),
)
async def test_matrix(registry, auth, person, propose, step, caller, operation, expected):
    department, role, jurisdiction = caller
    headers = auth(department=department, jurisdiction=jurisdiction, roles=[role])
    pid = await person(850)
    if operation == "propose":
        response = await propose(pid, headers=headers)
    else:
        transfer = (await propose(pid, headers=auth(**DAPU))).json()
        if operation == "read":
            response = await registry.get(f"/api/v1/transfers/{transfer['id']}", headers=headers)
        elif operation == "list":
            response = await registry.get("/api/v1/transfers", headers=headers)
            if expected == 200:
                # Listing is allowed to every reader, but only a party (or county-wide) finds the transfer.
                found = transfer["id"] in [t["id"] for t in response.json()["items"]]
                assert found == (jurisdiction in (None, "dapu", "dongquan"))
        else:
            response = await step(transfer, operation, headers)
    assert response.status_code == expected, response.text
    assert response.status_code < 400 or response.headers["content-type"] == "application/problem+json"


async def test_the_per_person_history_follows_the_person_s_visibility(registry, auth, person):
    pid = await person(851)
    assert (await registry.get(f"/api/v1/persons/{pid}/transfers", headers=auth(**DAPU))).status_code == 200
    other = auth(department="township", jurisdiction="shechong")
    assert (await registry.get(f"/api/v1/persons/{pid}/transfers", headers=other)).status_code == 404
    health = auth(department="health")
    assert (await registry.get(f"/api/v1/persons/{pid}/transfers", headers=health)).status_code == 403


async def test_refused_and_failed_steps_are_audited(registry, auth, person, propose, step, audit_rows):
    pid = await person(853)
    transfer = (await propose(pid)).json()
    await step(transfer, "accept", auth(**DAPU))
    await step(transfer, "accept", auth(department="township", jurisdiction="dongquan"), if_match=9)
    await registry.get(f"/api/v1/transfers/{transfer['id']}", headers=auth(department="health"))
    rows = [(op, outcome) for op, _, outcome, _ in await audit_rows(transfer["id"], "transfer.")]
    assert rows == [
        ("transfer.propose", "success"),
        ("transfer.accept", "denied"),
        ("transfer.accept", "invalid"),
        ("transfer.read", "denied"),
    ]
    refused = await audit_rows(pid, "transfer.accept")
    assert len(refused) == 2
