"""Who may do what with measures, drug tests and status; jurisdiction isolation; the audit trail."""

import pytest

# department -> (read measures, write measures, read drug tests, write drug tests, read status)
MATRIX = {
    "nco": (200, 201, 200, 201, 200),
    "police": (200, 201, 200, 201, 200),
    "township": (200, 201, 200, 201, 200),
    "health": (403, 403, 200, 403, 200),
    "civil_affairs": (403, 403, 403, 403, 200),
    "human_resources": (403, 403, 403, 403, 200),
    "finance": (403, 403, 403, 403, 403),
    "justice": (403, 403, 403, 403, 403),
    "industry_commerce": (403, 403, 403, 403, 403),
}
OPERATIONS = ("read_measures", "write_measures", "read_tests", "write_tests", "read_status")


async def _do(registry, headers, pid: str, operation: str, seq: int):
    base = f"/api/v1/persons/{pid}"
    if operation == "read_measures":
        return await registry.get(f"{base}/measures", headers=headers)
    if operation == "write_measures":
        return await registry.post(
            f"{base}/measures",
            json={"kind": "voluntary_detox", "start_on": f"20{10 + seq % 10}-01-01"},
            headers=headers,
        )
    if operation == "read_tests":
        return await registry.get(f"{base}/drug-tests", headers=headers)
    if operation == "write_tests":
        body = {"tested_on": "2022-01-01", "kind": "hair", "result": "negative", "tested_by": "县公安局"}
        return await registry.post(f"{base}/drug-tests", json=body, headers=headers)
    return await registry.get(f"{base}/status", params={"as_of": "2022-01-01"}, headers=headers)


@pytest.mark.parametrize(
    ("department", "operation", "expected"),
    [(d, op, MATRIX[d][i]) for d in MATRIX for i, op in enumerate(OPERATIONS)],
)
async def test_department_matrix(person, registry, auth, department, operation, expected):
    pid = await person(740)
    jurisdiction = "dapu" if department == "township" else None
    response = await _do(registry, auth(department=department, jurisdiction=jurisdiction), pid, operation, 1)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("operation", ["write_measures", "write_tests"])
async def test_a_viewer_of_a_writing_department_may_not_write(person, registry, auth, operation):
    pid = await person(741)
    response = await _do(registry, auth(department="police", roles=["viewer"]), pid, operation, 2)
    assert response.status_code == 403


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_person_outside_the_jurisdiction_does_not_exist(person, registry, auth, add_measure, operation):
    pid = await person(742)
    measure = (await add_measure(pid, "community_detox", "2021-01-01")).json()
    outsider = auth(department="township", jurisdiction="shechong")
    assert (await _do(registry, outsider, pid, operation, 3)).status_code == 404
    end = await registry.post(
        f"/api/v1/persons/{pid}/measures/{measure['id']}/end",
        json={"actual_end_on": "2022-01-01", "end_reason": "completed"},
        headers=outsider,
    )
    correct = await registry.post(
        f"/api/v1/persons/{pid}/measures/{measure['id']}/corrections",
        json={"kind": "community_detox", "start_on": "2021-02-01", "reason": "x"},
        headers=outsider,
    )
    assert (end.status_code, correct.status_code) == (404, 404)
    own = auth(department="township", jurisdiction="dapu")
    assert (await registry.get(f"/api/v1/persons/{pid}/measures", headers=own)).json()["items"][0]["id"] == measure[
        "id"
    ]


async def test_every_read_and_write_is_audited_refusals_included(
    person, registry, auth, add_measure, add_test, audit_rows
):
    pid = await person(743)
    measure = (await add_measure(pid, "community_detox", "2021-01-01")).json()
    await registry.post(
        f"/api/v1/persons/{pid}/measures/{measure['id']}/end",
        json={"actual_end_on": "2022-01-01", "end_reason": "completed"},
        headers=auth(department="police"),
    )
    await registry.post(
        f"/api/v1/persons/{pid}/measures/{measure['id']}/corrections",
        json={
            "kind": "community_detox",
            "start_on": "2021-01-01",
            "actual_end_on": "2022-02-01",
            "end_reason": "completed",
            "reason": "日期",
        },
        headers=auth(),
    )
    await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth())
    await add_test(pid, "2022-03-01", "positive")
    await registry.get(f"/api/v1/persons/{pid}/drug-tests", headers=auth(department="health"))
    await registry.get(f"/api/v1/persons/{pid}/status", headers=auth(department="civil_affairs"))
    await registry.get(f"/api/v1/persons/{pid}/measures", headers=auth(department="civil_affairs"))
    await registry.get(f"/api/v1/persons/{pid}/status", headers=auth(department="township", jurisdiction="shechong"))
    await add_measure(pid, "community_detox", "2019-01-01")  # overlaps: refused

    assert await audit_rows(pid, "measure.") == [
        ("measure.create", "success", "nco"),
        ("measure.end", "success", "police"),
        ("measure.correct", "success", "nco"),
        ("measure.read", "success", "nco"),
        ("measure.read", "denied", "civil_affairs"),
        ("measure.create", "invalid", "nco"),
    ]
    assert await audit_rows(pid, "drug_test.") == [
        ("drug_test.create", "success", "nco"),
        ("drug_test.read", "success", "health"),
    ]
    assert await audit_rows(pid, "status.") == [
        ("status.read", "success", "civil_affairs"),
        ("status.read", "not_found", "township"),
    ]
