"""Changing an employer: If-Match, what may change, township limits, duplicates, events."""

import pytest

from tests.placement.employers.conftest import EMPLOYERS, INDIVIDUAL_BUSINESS_CODE, PROBLEM, PUBLIC_INSTITUTION_CODE


async def patch(placement, employer, body, headers, etag=None):
    if_match = {"If-Match": etag if etag is not None else f'"{employer["version"]}"'}
    return await placement.patch(f"{EMPLOYERS}/{employer['id']}", json=body, headers={**headers, **if_match})


async def test_changes_details_with_the_current_etag_and_emits_an_event(placement, new_employer, auth, events):
    employer = await new_employer()
    contacts = [{"name": "蓝主任", "role": "安置联络员", "phone": "13907720001"}, {"name": "韦经理"}]
    body = {"name": "柳城县鹏鑫源茧丝绸有限公司", "sector_code": "A", "contacts": contacts, "address": None}

    response = await patch(placement, employer, body, auth())

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "柳城县鹏鑫源茧丝绸有限公司"
    assert (changed["sector_code"], changed["sector_label_zh"]) == ("A", "农、林、牧、渔业")
    assert changed["contacts"] == [contacts[0], {"name": "韦经理", "role": None, "phone": None}]
    assert changed["address"] is None
    assert changed["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert (await placement.get(f"{EMPLOYERS}/{employer['id']}", headers=auth())).json() == changed
    kinds_and_data = await events(employer["id"])
    assert [kind for kind, _ in kinds_and_data] == ["employer.created", "employer.updated"]
    data = kinds_and_data[1][1]
    assert data["fields"] == ["address", "contacts", "name", "sector_code"]
    assert data["version"] == 2
    assert "蓝主任" not in str(data) and "13907720001" not in str(data)


async def test_becomes_a_public_institution_with_its_code(placement, new_employer, auth):
    employer = await new_employer()
    body = {"kind": "public_institution", "unified_social_credit_code": PUBLIC_INSTITUTION_CODE}
    response = await patch(placement, employer, body, auth())
    assert response.status_code == 200, response.text
    assert (response.json()["kind"], response.json()["kind_label_zh"]) == ("public_institution", "事业单位")


async def test_an_update_without_if_match_is_428_and_a_stale_one_412(placement, new_employer, auth):
    employer = await new_employer()
    missing = await placement.patch(f"{EMPLOYERS}/{employer['id']}", json={"name": "新名"}, headers=auth())
    assert missing.status_code == 428
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["code"] == "precondition_required"

    assert (await patch(placement, employer, {"name": "第一次"}, auth())).status_code == 200
    stale = await patch(placement, employer, {"name": "第二次"}, auth())
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert (await placement.get(f"{EMPLOYERS}/{employer['id']}", headers=auth())).json()["name"] == "第一次"


async def test_an_update_changing_nothing_keeps_the_version_and_emits_nothing(placement, new_employer, auth, events):
    employer = await new_employer()
    response = await patch(placement, employer, {"name": employer["name"]}, auth())
    assert response.status_code == 200
    assert response.json()["version"] == employer["version"]
    assert [kind for kind, _ in await events(employer["id"])] == ["employer.created"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "body.name"),
        ({"kind": None}, "body.kind"),
        ({"jurisdiction_code": None}, "body.jurisdiction_code"),
        ({"contacts": None}, "body.contacts"),
        ({"is_qihang_enterprise": True}, "body.is_qihang_enterprise"),
        ({"version": 3}, "body.version"),
        ({"unified_social_credit_code": "92450222MA5L1B2C35"}, "body.unified_social_credit_code"),
        ({"sector_code": "Z"}, "body.sector_code"),
    ],
)
async def test_refuses_invalid_changes_and_changes_nothing(placement, new_employer, auth, body, field):
    employer = await new_employer()
    response = await patch(placement, employer, body, auth())
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await placement.get(f"{EMPLOYERS}/{employer['id']}", headers=auth())).json() == employer


async def test_a_credit_code_another_employer_has_is_409(placement, new_employer, auth):
    await new_employer(name="个体户甲", kind="individual_business", unified_social_credit_code=INDIVIDUAL_BUSINESS_CODE)
    other = await new_employer(name="个体户乙", kind="individual_business")
    response = await patch(placement, other, {"unified_social_credit_code": INDIVIDUAL_BUSINESS_CODE}, auth())
    assert response.status_code == 409
    assert response.json()["code"] == "employer_exists"
    assert (await placement.get(f"{EMPLOYERS}/{other['id']}", headers=auth())).json()["version"] == other["version"]


async def test_township_staff_change_only_their_own_and_cannot_move_one_out(placement, new_employer, auth):
    employer = await new_employer(jurisdiction_code="dapu")
    dapu, shapu = auth("township", "dapu"), auth("township", "shapu")

    other = await patch(placement, employer, {"name": "别人的"}, shapu)
    assert other.status_code == 404
    assert other.json()["code"] == "employer_not_found"

    moved = await patch(placement, employer, {"jurisdiction_code": "shapu"}, dapu)
    assert moved.status_code == 403
    assert moved.json()["code"] == "outside_jurisdiction"

    own = await patch(placement, employer, {"address": "大埔镇新址"}, dapu)
    assert own.status_code == 200
    county_moves = await patch(placement, own.json(), {"jurisdiction_code": "shapu"}, auth())
    assert county_moves.status_code == 200
    assert county_moves.json()["jurisdiction_name_zh"] == "沙埔镇"


async def test_a_viewer_cannot_update(placement, new_employer, auth):
    employer = await new_employer()
    response = await patch(placement, employer, {"name": "x"}, auth(roles=["viewer"]))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
