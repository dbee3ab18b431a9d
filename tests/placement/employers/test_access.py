"""Who may do what with employers, designations and sites (policy.POLICY), township jurisdiction limits, and an
employer's integration client that sees only its own employer (token claim `emp`)."""

import uuid

import pytest

from tests import calls
from tests.placement.employers.conftest import EMPLOYERS, PROBLEM, SITES, bearer, employer_body, site_body

OPERATIONS = (
    "list_employers",
    "create_employer",
    "designate",
    "read_designations",
    "create_site",
    "list_sites",
    "count_sites",
)
WRITES_ALL = (200, 201, 201, 200, 201, 200, 200)
READS_ALL = (200, 403, 403, 200, 403, 200, 200)
NOTHING = (403,) * 7
MATRIX = {
    "nco": WRITES_ALL,
    "human_resources": WRITES_ALL,
    "township": (200, 201, 403, 200, 201, 200, 200),
    "development_reform": READS_ALL,
    "industry_commerce": READS_ALL,
    "finance": READS_ALL,
    "civil_affairs": READS_ALL,
    "justice": READS_ALL,
    "police": READS_ALL,
    "trade_union": READS_ALL,
    "youth_league": READS_ALL,
    "womens_federation": READS_ALL,
    "health": NOTHING,
    "it": NOTHING,
    None: NOTHING,
}


async def _do(placement, headers, employer_id: str, operation: str):
    if operation == "list_employers":
        return await placement.get(EMPLOYERS, headers=headers)
    if operation == "create_employer":
        body = employer_body(name="新企业", unified_social_credit_code=None, jurisdiction_code="dapu")
        return await placement.post(EMPLOYERS, json=body, headers=headers)
    if operation == "designate":
        body = {"action": "designate", "effective_on": "2012-05-15", "document_number": "柳城政办〔2012〕84号"}
        return await placement.post(f"{EMPLOYERS}/{employer_id}/designations", json=body, headers=headers)
    if operation == "read_designations":
        return await placement.get(f"{EMPLOYERS}/{employer_id}/designations", headers=headers)
    if operation == "create_site":
        return await placement.post(SITES, json=site_body(employer_id), headers=headers)
    if operation == "list_sites":
        return await placement.get(SITES, headers=headers)
    return await placement.get(f"{SITES}/count", params={"on": "2014-12-31"}, headers=headers)


@pytest.mark.parametrize(
    ("department", "operation", "expected"),
    [(d, op, MATRIX[d][i]) for d in MATRIX for i, op in enumerate(OPERATIONS)],
)
async def test_department_matrix(placement, new_employer, auth, department, operation, expected):
    employer = await new_employer(jurisdiction_code="dapu")
    jurisdiction = "dapu" if department == "township" else None
    response = await _do(placement, auth(department, jurisdiction), employer["id"], operation)
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["code"] == "no_placement_access"


@pytest.mark.parametrize("operation", ["create_employer", "designate", "create_site"])
async def test_a_viewer_of_a_writing_department_may_not_write(placement, new_employer, auth, operation):
    employer = await new_employer()
    response = await _do(placement, auth("nco", roles=["viewer"]), employer["id"], operation)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


async def test_the_platforms_services_read_everything_and_change_nothing(placement, new_employer, new_site, make_token):
    employer = await new_employer(jurisdiction_code="shapu")
    await new_site(employer["id"])
    reporting = bearer(
        make_token(
            roles=["service"],
            department="it",
            kind="client",
            scopes=["reporting:read", "placement:read", "placement:write"],
        )
    )
    for operation in ("list_employers", "read_designations", "list_sites", "count_sites"):
        assert (await _do(placement, reporting, employer["id"], operation)).status_code == 200, operation
    assert (await _do(placement, reporting, employer["id"], "count_sites")).json()["count"] == 1
    for operation in ("create_employer", "designate", "create_site"):
        assert (await _do(placement, reporting, employer["id"], operation)).status_code == 403, operation


async def test_outside_their_jurisdiction_township_staff_find_nothing(
    placement, new_employer, new_site, step, close, auth
):
    employer = await new_employer(jurisdiction_code="dapu")
    await step(employer["id"], "designate", "2012-05-15")
    site = await new_site(employer["id"])
    shapu = auth("township", "shapu")

    for url in (
        f"{EMPLOYERS}/{employer['id']}",
        f"{EMPLOYERS}/{employer['id']}/designations",
        f"{EMPLOYERS}/{employer['id']}/designations/status",
        f"{SITES}/{site['id']}",
    ):
        response = await placement.get(url, headers=shapu)
        assert response.status_code == 404, url
        assert response.json()["code"] in ("employer_not_found", "placement_site_not_found")
    assert (await placement.get(SITES, headers=shapu)).json()["items"] == []
    asked = await placement.get(SITES, params={"jurisdiction_code": "dapu"}, headers=shapu)
    assert asked.json()["items"] == []
    assert (await placement.get(f"{SITES}/count", params={"on": "2014-12-31"}, headers=shapu)).json()["count"] == 0

    patched = await placement.patch(f"{SITES}/{site['id']}", json={"capacity": 1}, headers={**shapu, "If-Match": '"1"'})
    closed = await close(site, "2013-01-01", headers=shapu)
    assert (patched.status_code, closed.status_code) == (404, 404)
    # A site needs an employer they can see, in their own jurisdiction.
    for_dapu_employer = await placement.post(SITES, json=site_body(employer["id"]), headers=shapu)
    assert for_dapu_employer.status_code == 422
    assert for_dapu_employer.json()["errors"][0]["field"] == "body.employer_id"
    own = await new_employer(name="沙埔木业", jurisdiction_code="shapu")
    elsewhere = await placement.post(SITES, json=site_body(own["id"], jurisdiction_code="dapu"), headers=shapu)
    assert elsewhere.status_code == 403
    assert elsewhere.json()["code"] == "outside_jurisdiction"
    assert (await placement.post(SITES, json=site_body(own["id"]), headers=shapu)).status_code == 201


async def test_township_staff_manage_sites_in_their_jurisdiction(placement, new_employer, new_site, close, auth):
    employer = await new_employer(jurisdiction_code="dapu")
    dapu = auth("township", "dapu")
    site = await new_site(employer["id"], headers=dapu)
    assert site["jurisdiction_code"] == "dapu"
    changed = await placement.patch(f"{SITES}/{site['id']}", json={"capacity": 12}, headers={**dapu, "If-Match": '"1"'})
    assert changed.status_code == 200
    assert (await close(changed.json(), "2013-01-01", headers=dapu)).status_code == 200


def employer_client(make_token, employer_id: str) -> dict[str, str]:
    return calls.employer_client(make_token, employer_id, ("placement:read", "placement:write"))


async def test_an_employers_system_sees_only_its_own_employer(placement, new_employer, new_site, step, make_token):
    own = await new_employer(name="鹏鑫源", jurisdiction_code="dapu")
    other = await new_employer(name="沙埔木业", jurisdiction_code="shapu")
    await step(own["id"], "designate", "2012-05-15")
    await step(other["id"], "designate", "2012-05-15")
    own_site = await new_site(own["id"])
    other_site = await new_site(other["id"])
    headers = employer_client(make_token, own["id"])

    listed = (await placement.get(EMPLOYERS, headers=headers)).json()["items"]
    assert [e["id"] for e in listed] == [own["id"]]
    filtered = await placement.get(EMPLOYERS, params={"jurisdiction_code": "shapu"}, headers=headers)
    assert filtered.json()["items"] == []
    assert (await placement.get(f"{EMPLOYERS}/{own['id']}", headers=headers)).status_code == 200
    assert (await placement.get(f"{EMPLOYERS}/{own['id']}/designations", headers=headers)).status_code == 200
    assert [s["id"] for s in (await placement.get(SITES, headers=headers)).json()["items"]] == [own_site["id"]]
    assert (await placement.get(f"{SITES}/{own_site['id']}", headers=headers)).status_code == 200

    for url in (
        f"{EMPLOYERS}/{other['id']}",
        f"{EMPLOYERS}/{other['id']}/designations",
        f"{EMPLOYERS}/{other['id']}/designations/status",
        f"{SITES}/{other_site['id']}",
    ):
        response = await placement.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == PROBLEM
    by_employer = await placement.get(SITES, params={"employer_id": other["id"]}, headers=headers)
    assert by_employer.json()["items"] == []


async def test_an_employers_system_changes_nothing_here(placement, new_employer, new_site, make_token, auth):
    own = await new_employer()
    site = await new_site(own["id"])
    headers = employer_client(make_token, own["id"])

    created = await placement.post(EMPLOYERS, json=employer_body(unified_social_credit_code=None), headers=headers)
    assert created.status_code == 403
    assert created.json()["code"] == "no_placement_access"
    attempts = [
        await placement.patch(f"{EMPLOYERS}/{own['id']}", json={"name": "x"}, headers={**headers, "If-Match": '"1"'}),
        await _do(placement, headers, own["id"], "designate"),
        await _do(placement, headers, own["id"], "create_site"),
        await placement.patch(f"{SITES}/{site['id']}", json={"capacity": 1}, headers={**headers, "If-Match": '"1"'}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    assert len((await placement.get(EMPLOYERS, headers=auth())).json()["items"]) == 1
    assert (await placement.get(f"{EMPLOYERS}/{own['id']}", headers=auth())).json()["version"] == own["version"]


async def test_an_employer_claim_that_is_not_an_id_sees_nothing(placement, new_employer, make_token):
    await new_employer()
    response = await placement.get(EMPLOYERS, headers=employer_client(make_token, "not-a-uuid"))
    assert response.status_code == 403
    assert response.json()["code"] == "no_placement_access"
    unknown = await placement.get(EMPLOYERS, headers=employer_client(make_token, str(uuid.uuid4())))
    assert unknown.json()["items"] == []
