"""Who may read and record the dated history: one declarative table (registry.history.policy) as a matrix, and
people outside a township's jurisdiction do not exist for it (404)."""

import pytest

# department -> (read register, write register, read ability, write ability, read stays, write stays)
MATRIX = {
    "nco": (200, 201, 200, 201, 200, 201),
    "township": (200, 201, 200, 201, 200, 201),
    "police": (200, 403, 200, 403, 200, 201),
    "health": (200, 403, 200, 403, 200, 403),
    "civil_affairs": (200, 403, 200, 403, 403, 403),
    "human_resources": (200, 403, 200, 201, 403, 403),
    "finance": (403, 403, 403, 403, 403, 403),
    "justice": (403, 403, 403, 403, 403, 403),
}
OPERATIONS = ("read_register", "write_register", "read_ability", "write_ability", "read_stays", "write_stays")


async def _do(registry, headers, pid: str, operation: str):
    base = f"/api/v1/persons/{pid}"
    if operation == "read_register":
        return await registry.get(f"{base}/register-changes", headers=headers)
    if operation == "write_register":
        body = {"kind": "left", "effective_on": "2013-01-01", "reason_code": "moved_out_of_county"}
        return await registry.post(f"{base}/register-changes", json=body, headers=headers)
    if operation == "read_ability":
        return await registry.get(f"{base}/work-ability-changes", headers=headers)
    if operation == "write_ability":
        body = {"work_ability": "partly", "effective_on": "2013-01-01", "reason": "慢性病"}
        return await registry.post(f"{base}/work-ability-changes", json=body, headers=headers)
    if operation == "read_stays":
        return await registry.get(f"{base}/stays", headers=headers)
    body = {"kind": "hospital", "start_on": "2012-06-01", "end_on": "2012-06-10"}
    return await registry.post(f"{base}/stays", json=body, headers=headers)


@pytest.mark.parametrize(
    ("department", "operation", "expected"),
    [(d, op, MATRIX[d][i]) for d in MATRIX for i, op in enumerate(OPERATIONS)],
)
async def test_department_matrix(person, registry, auth, department, operation, expected):
    pid = await person(701, registered_on="2012-01-10")
    jurisdiction = "dapu" if department == "township" else None
    response = await _do(registry, auth(department=department, jurisdiction=jurisdiction), pid, operation)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.startswith("write")])
async def test_a_viewer_may_not_write(person, registry, auth, operation):
    pid = await person(703, registered_on="2012-01-10")
    response = await _do(registry, auth(roles=["viewer"]), pid, operation)
    assert response.status_code == 403


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_person_outside_the_jurisdiction_does_not_exist(person, registry, auth, operation):
    pid = await person(705, registered_on="2012-01-10")
    response = await _do(registry, auth(department="township", jurisdiction="shechong"), pid, operation)
    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found"


async def test_every_read_and_write_is_audited(person, registry, auth, audit_rows):
    pid = await person(707, registered_on="2012-01-10")
    for operation in OPERATIONS:
        await _do(registry, auth(), pid, operation)
    await _do(registry, auth(department="finance"), pid, "read_stays")
    rows = await audit_rows(pid, "")
    operations = [(op, outcome) for op, outcome, _ in rows if not op.startswith("person.")]
    assert operations == [
        ("register_change.read", "success"),
        ("register_change.create", "success"),
        ("work_ability_change.read", "success"),
        ("work_ability_change.create", "success"),
        ("stay.read", "success"),
        ("stay.create", "success"),
        ("stay.read", "denied"),
    ]
