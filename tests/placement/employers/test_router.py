import uuid

import pytest

from tests.calls import listed_count, pages
from tests.placement.employers.conftest import PENGXINYUAN_CODE, PROBLEM, bearer, employer_body

URL = "/api/v1/employers"


def employer(**overrides):
    return employer_body(**overrides)


async def test_registers_an_employer_and_reads_it_back(placement, county):
    created = await placement.post(URL, json=employer(), headers=bearer(county))
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "柳城县鹏鑫源茧丝绸公司"
    assert (body["kind"], body["kind_label_zh"]) == ("enterprise", "企业")
    assert (body["jurisdiction_code"], body["jurisdiction_name_zh"]) == ("dapu", "大埔镇")
    assert body["is_qihang_enterprise"] is False
    assert body["qihang_designation"] == {
        "status": "not_designated",
        "status_label_zh": "未认定",
        "since": None,
        "document_number": None,
    }
    assert (body["sector_code"], body["sector_label_zh"]) == ("C", "制造业")
    assert body["contacts"] == [{"name": "韦经理", "role": "人事主管", "phone": "0772-7612345"}]
    assert body["version"] == 1
    assert created.headers["location"] == f"{URL}/{body['id']}"
    assert created.headers["etag"] == '"1"'

    detail = await placement.get(f"{URL}/{body['id']}", headers=bearer(county))
    assert detail.status_code == 200
    assert detail.json() == body
    assert detail.headers["etag"] == '"1"'

    listed = await placement.get(URL, headers=bearer(county))
    assert [e["id"] for e in listed.json()["items"]] == [body["id"]]


async def test_an_unknown_employer_is_a_404_problem(placement, county):
    response = await placement.get(f"{URL}/{uuid.uuid4()}", headers=bearer(county))
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "employer_not_found"


async def test_pages_through_more_employers_than_the_limit_in_name_order(placement, county):
    names = [f"Employer {i:02d}" for i in range(5)]
    for name in reversed(names):
        response = await placement.post(
            URL, json=employer(name=name, unified_social_credit_code=None), headers=bearer(county)
        )
        assert response.status_code == 201

    paged = await pages(placement, URL, params={"limit": 2}, headers=bearer(county))
    for page in paged:
        assert len(page["items"]) <= 2
        assert page["limit"] == 2
    assert len(paged) == 3
    assert [e["name"] for page in paged for e in page["items"]] == names


async def test_refuses_a_cursor_it_did_not_issue(placement, county):
    response = await placement.get(URL, params={"cursor": "not-a-cursor"}, headers=bearer(county))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_filters_by_jurisdiction_kind_qihang_sector_and_name(placement, county, step):
    rows = [
        employer(name="大埔茧丝绸厂", unified_social_credit_code=None, jurisdiction_code="dapu"),
        employer(
            name="东泉小饭店",
            kind="individual_business",
            unified_social_credit_code=None,
            jurisdiction_code="dongquan",
            sector_code="H",
        ),
        employer(name="沙埔100%木业", kind="private_owner", unified_social_credit_code=None, jurisdiction_code="shapu"),
    ]
    ids = {}
    for row in rows:
        response = await placement.post(URL, json=row, headers=bearer(county))
        assert response.status_code == 201
        ids[row["name"]] = response.json()["id"]
    # Qihang enterprises are those whose designation is active (it used to be a flag set on create).
    for name in ("大埔茧丝绸厂", "沙埔100%木业"):
        assert (await step(ids[name], "designate", "2012-05-15")).status_code == 201

    async def names(**params):
        response = await placement.get(URL, params=params, headers=bearer(county))
        assert response.status_code == 200
        return sorted(e["name"] for e in response.json()["items"])

    assert await names(jurisdiction_code="dongquan") == ["东泉小饭店"]
    assert await names(kind="private_owner") == ["沙埔100%木业"]
    assert await names(is_qihang_enterprise="false") == ["东泉小饭店"]
    assert await names(is_qihang_enterprise="true") == ["大埔茧丝绸厂", "沙埔100%木业"]
    assert await names(sector_code="H") == ["东泉小饭店"]
    assert await names(q="茧丝") == ["大埔茧丝绸厂"]
    assert await names(q="%") == ["沙埔100%木业"]


async def test_township_staff_see_only_their_own_jurisdiction(placement, county, make_token):
    created = (await placement.post(URL, json=employer(jurisdiction_code="dapu"), headers=bearer(county))).json()
    dapu = make_token(roles=["staff"], department="township", jurisdiction="dapu")
    shapu = make_token(roles=["staff"], department="township", jurisdiction="shapu")

    assert [e["id"] for e in (await placement.get(URL, headers=bearer(dapu))).json()["items"]] == [created["id"]]
    assert (await placement.get(f"{URL}/{created['id']}", headers=bearer(dapu))).status_code == 200

    other_list = await placement.get(URL, headers=bearer(shapu))
    assert other_list.json()["items"] == []
    asked_for_dapu = await placement.get(URL, params={"jurisdiction_code": "dapu"}, headers=bearer(shapu))
    assert asked_for_dapu.json()["items"] == []
    other_detail = await placement.get(f"{URL}/{created['id']}", headers=bearer(shapu))
    assert other_detail.status_code == 404
    assert other_detail.json()["code"] == "employer_not_found"


async def test_township_staff_register_only_in_their_own_jurisdiction(placement, county, make_token):
    shapu = make_token(roles=["staff"], department="township", jurisdiction="shapu")
    refused = await placement.post(URL, json=employer(jurisdiction_code="dapu"), headers=bearer(shapu))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "outside_jurisdiction"
    assert await listed_count(placement, URL, county) == 0

    allowed = await placement.post(URL, json=employer(jurisdiction_code="shapu"), headers=bearer(shapu))
    assert allowed.status_code == 201
    assert allowed.json()["jurisdiction_code"] == "shapu"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"jurisdiction_id": "dapu"}, "body.jurisdiction_id"),
        ({"version": 7}, "body.version"),
        ({"jurisdiction_code": "nowhere"}, "body.jurisdiction_code"),
        ({"kind": "cooperative"}, "body.kind"),
        ({"name": "  "}, "body.name"),
        ({"unified_social_credit_code": "91450222MA5KX0PQ3"}, "body.unified_social_credit_code"),
        ({"unified_social_credit_code": "91450222MA5KX0PQ3!"}, "body.unified_social_credit_code"),
        # The check character does not match (the code the old tests used), or letters the code never uses.
        ({"unified_social_credit_code": "91450222MA5KX0PQ3T"}, "body.unified_social_credit_code"),
        ({"unified_social_credit_code": "91450222MA5KXOPQ3H"}, "body.unified_social_credit_code"),
        # Two characters swapped: the weights catch it.
        ({"unified_social_credit_code": "91450222AM5KX0PQ3H"}, "body.unified_social_credit_code"),
        # Whether it is a Qihang enterprise is no longer set here but by its designations.
        ({"is_qihang_enterprise": True}, "body.is_qihang_enterprise"),
        ({"contact_phone": "0772-7612345"}, "body.contact_phone"),
        ({"sector_code": "U"}, "body.sector_code"),
        ({"contacts": [{"name": "韦经理", "email": "x@example.com"}]}, "body.contacts.0.email"),
        ({"contacts": [{"name": "韦经理", "phone": "call me"}]}, "body.contacts.0.phone"),
        ({"contacts": [{"name": f"联系人{i}"} for i in range(11)]}, "body.contacts"),
    ],
)
async def test_refuses_invalid_or_unknown_fields_and_writes_nothing(placement, county, overrides, field):
    response = await placement.post(URL, json=employer(**overrides), headers=bearer(county))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in [e["field"] for e in problem["errors"]]
    assert await listed_count(placement, URL, county) == 0


async def test_capitalises_the_credit_code_and_refuses_a_duplicate(placement, county):
    first = await placement.post(
        URL, json=employer(unified_social_credit_code=" 91450222ma5kx0pq3h "), headers=bearer(county)
    )
    assert first.json()["unified_social_credit_code"] == PENGXINYUAN_CODE
    again = await placement.post(URL, json=employer(name="Another name"), headers=bearer(county))
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["code"] == "employer_exists"
    assert await listed_count(placement, URL, county) == 1


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_result(placement, county):
    headers = bearer(county, **{"Idempotency-Key": "3c7f7d2e-first"})
    first = await placement.post(URL, json=employer(), headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers

    reordered = dict(reversed(list(employer().items())))
    retry = await placement.post(URL, json=reordered, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert await listed_count(placement, URL, county) == 1


async def test_a_reused_idempotency_key_with_another_body_is_refused(placement, county):
    headers = bearer(county, **{"Idempotency-Key": "3c7f7d2e-reused"})
    first = await placement.post(URL, json=employer(), headers=headers)
    assert first.status_code == 201

    other = await placement.post(
        URL, json=employer(name="另一家公司", unified_social_credit_code=None), headers=headers
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["code"] == "idempotency_key_reused"
    assert [e["name"] for e in (await placement.get(URL, headers=bearer(county))).json()["items"]] == [
        "柳城县鹏鑫源茧丝绸公司"
    ]


async def test_idempotency_keys_belong_to_their_caller(placement, make_token):
    key = {"Idempotency-Key": "shared-looking-key"}
    alice = make_token(roles=["staff"], department="nco")
    bob = make_token(roles=["staff"], department="nco")
    first = await placement.post(URL, json=employer(unified_social_credit_code=None), headers=bearer(alice, **key))
    second = await placement.post(URL, json=employer(unified_social_credit_code=None), headers=bearer(bob, **key))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


async def test_a_failed_create_does_not_use_up_its_idempotency_key(placement, county):
    headers = bearer(county, **{"Idempotency-Key": "after-a-conflict"})
    assert (await placement.post(URL, json=employer(), headers=bearer(county))).status_code == 201
    conflict = await placement.post(URL, json=employer(name="Twin"), headers=headers)
    assert conflict.status_code == 409
    retry = await placement.post(URL, json=employer(name="Twin", unified_social_credit_code=None), headers=headers)
    assert retry.status_code == 201
    assert retry.json()["name"] == "Twin"


async def test_reading_and_writing_need_their_scopes(placement, make_token):
    viewer = make_token(roles=["viewer"], department="nco")
    assert (await placement.get(URL, headers=bearer(viewer))).status_code == 200
    refused = await placement.post(URL, json=employer(), headers=bearer(viewer))
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    no_scope = make_token(scopes=["registry:read"])
    assert (await placement.get(URL, headers=bearer(no_scope))).status_code == 403
    assert (await placement.get(URL)).status_code == 401
