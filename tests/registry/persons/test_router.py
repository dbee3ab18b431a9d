from datetime import date

import pytest

from tests.registry.persons.conftest import id_number

DAPU = {"department": "township", "jurisdiction": "dapu"}
SHECHONG = {"department": "township", "jurisdiction": "shechong"}


async def test_registering_a_person_derives_gender_and_birth_and_masks_the_id(registry, auth):
    number = id_number(date(1985, 6, 15), seq=457)
    response = await registry.post(
        "/api/v1/persons",
        json={
            "name": "覃某",
            "id_number": number.lower(),
            "work_ability": "able",
            "jurisdiction_code": "dapu",
            "skills": ["缫丝"],
        },
        headers=auth(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["gender"], body["birth_date"], body["gender_label_zh"]) == ("male", "1985-06-15", "男")
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert number not in response.text
    assert response.headers["location"] == f"/api/v1/persons/{body['id']}"
    assert response.headers["etag"] == '"1"'


async def test_township_staff_register_in_their_own_jurisdiction_only(registry, auth):
    body = {"name": "黄某", "id_number": id_number(seq=201), "work_ability": "able"}
    own = await registry.post("/api/v1/persons", json=body, headers=auth(**DAPU))
    assert own.status_code == 201 and own.json()["jurisdiction_code"] == "dapu"
    other = await registry.post(
        "/api/v1/persons",
        json={**body, "id_number": id_number(seq=203), "jurisdiction_code": "shapu"},
        headers=auth(**DAPU),
    )
    assert other.status_code == 403 and other.json()["code"] == "outside_jurisdiction"


async def test_people_of_another_jurisdiction_do_not_exist_for_township_staff(registry, auth, new_person):
    person = await new_person(name="蒙某", seq=301)
    other = auth(**SHECHONG)
    assert (await registry.get(f"/api/v1/persons/{person['id']}", headers=other)).status_code == 404
    listed = await registry.get("/api/v1/persons", headers=other)
    assert listed.status_code == 200 and person["id"] not in listed.text
    found = await registry.post(
        "/api/v1/persons/search-by-id-number", json={"id_number": id_number(seq=301)}, headers=other
    )
    assert found.status_code == 404
    again = await registry.post(
        "/api/v1/persons",
        json={"name": "蒙某", "id_number": id_number(seq=301), "work_ability": "able"},
        headers=other,
    )
    assert again.status_code == 409
    assert person["id"] not in again.text
    assert (await registry.get(f"/api/v1/persons/{person['id']}", headers=auth(**DAPU))).status_code == 200


async def test_a_duplicate_id_number_names_the_existing_record_to_county_staff(registry, auth, new_person):
    person = await new_person(name="罗某", seq=311)
    again = await registry.post(
        "/api/v1/persons",
        json={"name": "罗某某", "id_number": id_number(seq=311), "work_ability": "able", "jurisdiction_code": "dapu"},
        headers=auth(),
    )
    assert again.status_code == 409 and again.json()["code"] == "person_exists"
    assert person["id"] in again.json()["detail"]


async def test_possible_duplicates_are_flagged_and_can_be_confirmed(registry, auth, new_person):
    first = await new_person(name="潘小明", born=date(1991, 3, 3), seq=321)
    body = {
        "name": "潘小明",
        "id_number": id_number(date(1991, 3, 3), seq=323),
        "work_ability": "able",
        "jurisdiction_code": "dapu",
    }
    flagged = await registry.post("/api/v1/persons", json=body, headers=auth())
    assert flagged.status_code == 409 and flagged.json()["code"] == "possible_duplicate"
    assert first["id"] in flagged.json()["detail"]
    similar = await registry.post(
        "/api/v1/persons",
        json={**body, "name": "潘小名", "id_number": id_number(date(1980, 1, 1), seq=325)},
        headers=auth(),
    )
    assert similar.status_code == 409 and first["id"] in similar.json()["detail"]
    confirmed = await registry.post("/api/v1/persons", json={**body, "confirm_not_duplicate": True}, headers=auth())
    assert confirmed.status_code == 201


async def test_full_id_number_only_for_departments_that_need_it(registry, auth, new_person):
    person = await new_person(name="韦某", seq=331)
    url = f"/api/v1/persons/{person['id']}/id-number"
    assert (await registry.get(url, headers=auth())).json()["id_number"] == id_number(seq=331)
    assert (await registry.get(url, headers=auth(department="police"))).status_code == 200
    health = await registry.get(url, headers=auth(department="health"))
    assert health.status_code == 403
    assert id_number(seq=331) not in health.text
    health_read = await registry.get(f"/api/v1/persons/{person['id']}", headers=auth(department="health"))
    assert health_read.status_code == 200 and health_read.json()["id_number_masked"].count("*") == 8


@pytest.mark.parametrize("department", ["finance", "justice", "trade_union"])
async def test_departments_without_a_need_see_no_personal_records(registry, auth, new_person, department):
    person = await new_person(name="李某", seq=341)
    assert (await registry.get("/api/v1/persons", headers=auth(department=department))).status_code == 403
    detail = await registry.get(f"/api/v1/persons/{person['id']}", headers=auth(department=department))
    assert detail.status_code == 403 and "李某" not in detail.text


async def test_human_resources_may_change_skills_but_not_names(registry, auth, new_person):
    person = await new_person(name="梁某", seq=351)
    url = f"/api/v1/persons/{person['id']}"
    hr = auth(department="human_resources")
    etag = (await registry.get(url, headers=hr)).headers["etag"]
    refused = await registry.patch(url, json={"name": "改名"}, headers={**hr, "If-Match": etag})
    assert refused.status_code == 403 and refused.json()["code"] == "field_not_allowed"
    ok = await registry.patch(url, json={"skills": ["电焊", "驾驶"]}, headers={**hr, "If-Match": etag})
    assert ok.status_code == 200 and ok.json()["skills"] == ["电焊", "驾驶"]
    stale = await registry.patch(url, json={"skills": []}, headers={**hr, "If-Match": etag})
    assert stale.status_code == 412
    viewer = auth(roles=["viewer"])
    read_only = await registry.patch(url, json={"phone": "13800000000"}, headers={**viewer, "If-Match": '"2"'})
    assert read_only.status_code == 403


async def test_updates_need_if_match_and_unknown_fields_are_refused(registry, auth, new_person):
    person = await new_person(name="陆某", seq=361)
    url = f"/api/v1/persons/{person['id']}"
    assert (await registry.patch(url, json={"phone": "13800000001"}, headers=auth())).status_code == 428
    sneaky = await registry.patch(url, json={"jurisdiction_code": "shapu"}, headers={**auth(), "If-Match": '"1"'})
    assert sneaky.status_code == 422
    assert (await registry.get(url, headers=auth())).json()["jurisdiction_code"] == "dapu"


async def test_archived_records_leave_the_default_list_and_cannot_change(registry, auth, new_person):
    person = await new_person(name="莫某", seq=371)
    url = f"/api/v1/persons/{person['id']}"
    archived = await registry.post(f"{url}/archive", json={"reason": "期满解除社区康复"}, headers=auth())
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    listed = await registry.get("/api/v1/persons", params={"q": "莫某"}, headers=auth())
    assert listed.json()["items"] == []
    listed = await registry.get("/api/v1/persons", params={"q": "莫某", "status": "archived"}, headers=auth())
    assert [p["id"] for p in listed.json()["items"]] == [person["id"]]
    change = await registry.patch(url, json={"phone": "13800000002"}, headers={**auth(), "If-Match": '"2"'})
    assert change.status_code == 409
    assert (await registry.get(url, headers=auth())).status_code == 200


async def test_idempotent_registration_even_when_the_retry_types_full_width_digits(registry, auth):
    number = id_number(seq=381)
    body = {"name": "甘某", "id_number": number, "work_ability": "able", "jurisdiction_code": "dapu"}
    headers = {**auth(), "Idempotency-Key": "reg-381"}
    first = await registry.post("/api/v1/persons", json=body, headers=headers)
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    again = await registry.post("/api/v1/persons", json={**body, "id_number": wide}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    other = await registry.post("/api/v1/persons", json={**body, "name": "别人"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


async def test_bad_input_is_refused_and_writes_nothing(registry, auth):
    bad_id = await registry.post(
        "/api/v1/persons",
        json={"name": "错号", "id_number": "450222199001011235", "work_ability": "able", "jurisdiction_code": "dapu"},
        headers=auth(),
    )
    assert bad_id.status_code == 422 and bad_id.json()["code"] == "invalid_id_number"
    assert bad_id.json()["errors"][0]["field"] == "body.id_number"
    assert "450222199001011235" not in bad_id.text
    extra = await registry.post(
        "/api/v1/persons",
        json={"name": "错号", "id_number": id_number(seq=391), "work_ability": "able", "status": "archived"},
        headers=auth(),
    )
    assert extra.status_code == 422
    no_reason = await registry.post(
        "/api/v1/persons",
        json={"name": "错号", "id_number": id_number(seq=391), "work_ability": "unable", "jurisdiction_code": "dapu"},
        headers=auth(),
    )
    assert no_reason.status_code == 422
    listed = await registry.get("/api/v1/persons", params={"q": "错号"}, headers=auth())
    assert listed.json()["items"] == []


async def test_search_filter_sort_and_pages(registry, auth, new_person):
    await new_person(name="测甲甲", born=date(1970, 5, 5), seq=401)
    await new_person(name="测乙乙", born=date(1995, 5, 5), seq=403, work_ability="partly", work_ability_reason="伤")
    await new_person(name="测丙丙", born=date(2000, 5, 5), seq=405, jurisdiction_code="shapu")
    names = lambda r: [p["name"] for p in r.json()["items"]]  # noqa: E731
    found = await registry.get("/api/v1/persons", params={"q": "测", "sort": "-birth_date"}, headers=auth())
    assert names(found) == ["测丙丙", "测乙乙", "测甲甲"]
    partly = await registry.get("/api/v1/persons", params={"q": "测", "work_ability": "partly"}, headers=auth())
    assert names(partly) == ["测乙乙"]
    young = await registry.get("/api/v1/persons", params={"q": "测", "age_max": 35}, headers=auth())
    assert sorted(names(young)) == ["测丙丙", "测乙乙"]
    own = await registry.get("/api/v1/persons", params={"q": "测"}, headers=auth(**DAPU))
    assert sorted(names(own)) == ["测乙乙", "测甲甲"]
    page1 = await registry.get("/api/v1/persons", params={"q": "测", "limit": 2, "sort": "birth_date"}, headers=auth())
    page2 = await registry.get(
        "/api/v1/persons",
        params={"q": "测", "limit": 2, "sort": "birth_date", "cursor": page1.json()["next_cursor"]},
        headers=auth(),
    )
    assert names(page1) + names(page2) == ["测甲甲", "测乙乙", "测丙丙"] and page2.json()["next_cursor"] is None
    huge = await registry.get("/api/v1/persons", params={"limit": 1000}, headers=auth())
    assert huge.status_code == 422
    garbage = await registry.get("/api/v1/persons", params={"cursor": "!!"}, headers=auth())
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_cursor"
