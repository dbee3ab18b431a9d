"""Skills training: the catalogue, enrolments and completions (events, audit, If-Match, jurisdiction), and who among
the eligible people has had fewer than two trainings in a year."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.calls import pages
from tests.placement.registry_feed.feed import catch_up

BASE = "/api/v1/trainings"
PROBLEM = "application/problem+json"
YEAR = date.today().year - 1  # a whole past year: every date in it is already past


def course_body(**overrides):
    body = {
        "title": "蚕桑养殖与缫丝技能培训",
        "provider_kind": "employer",
        "provider_name": "柳城县鹏鑫源茧丝绸公司",
        "skill": "缫丝",
        "hours": 40,
    }
    return body | overrides


async def new_session(client, auth, start_on: date = date(YEAR, 1, 5)) -> dict:
    course = await client.post(f"{BASE}/courses", json=course_body(), headers=auth())
    assert course.status_code == 201, course.text
    body = {
        "course_id": course.json()["id"],
        "start_on": str(start_on),
        "end_on": str(start_on + timedelta(days=2)),
        "place": "大埔镇社区戒毒康复工作站",
    }
    created = await client.post(f"{BASE}/sessions", json=body, headers=auth())
    assert created.status_code == 201, created.text
    return created.json()


async def enrol_and_complete(client, auth, session: dict, person_id, completed_on: date | None = None) -> dict:
    enrolled = await client.post(
        f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(person_id)}, headers=auth()
    )
    assert enrolled.status_code == 201, enrolled.text
    if completed_on is None:
        return enrolled.json()
    done = await client.post(
        f"{BASE}/enrolments/{enrolled.json()['id']}/completion",
        json={"completed_on": str(completed_on)},
        headers=auth() | {"If-Match": enrolled.headers["etag"]},
    )
    assert done.status_code == 200, done.text
    return done.json()


def community_person(feed, **fields):
    pid = feed.person(**fields)
    feed.measure(pid, "community_detox", date(YEAR - 1, 6, 1))
    return pid


async def test_a_course_a_session_an_enrolment_and_a_completion(client, db, feed, auth):
    pid = community_person(feed)
    await catch_up(db, feed)
    course = await client.post(
        f"{BASE}/courses",
        json=course_body(),
        headers=auth(),
    )
    assert course.status_code == 201
    assert (course.json()["provider_kind_label_zh"], course.headers["etag"]) == ("安置企业", '"1"')
    session = await new_session(client, auth)
    assert session["course_title"] == "蚕桑养殖与缫丝技能培训"

    enrolled = await client.post(
        f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(pid)}, headers=auth()
    )
    assert enrolled.status_code == 201
    assert enrolled.headers["location"] == f"{BASE}/enrolments/{enrolled.json()['id']}"
    assert (enrolled.json()["status"], enrolled.json()["jurisdiction_code"]) == ("enrolled", "dapu")
    url = f"{BASE}/enrolments/{enrolled.json()['id']}/completion"
    body = {"completed_on": str(date(YEAR, 1, 7)), "certificate_number": "LC-2026-0315"}
    assert (await client.post(url, json=body, headers=auth())).status_code == 428
    assert (await client.post(url, json=body, headers=auth() | {"If-Match": '"5"'})).status_code == 412

    done = await client.post(url, json=body, headers=auth() | {"If-Match": '"1"'})

    assert done.status_code == 200, done.text
    assert (done.json()["status_label_zh"], done.json()["certificate_number"], done.headers["etag"]) == (
        "已结业",
        "LC-2026-0315",
        '"2"',
    )
    again = await client.post(url, json=body, headers=auth() | {"If-Match": '"2"'})
    assert (again.status_code, again.json()["code"]) == (409, "training_enrolment_not_open")
    rows = await db.execute(text("SELECT kind, data FROM outbox_event WHERE kind = 'training.completed'"))
    [(_kind, data)] = [tuple(r) for r in rows]
    assert data == {
        "enrolment_id": enrolled.json()["id"],
        "session_id": session["id"],
        "course_id": session["course_id"],
        "person_id": str(pid),
        "jurisdiction_code": "dapu",
        "completed_on": str(date(YEAR, 1, 7)),
        "with_certificate": True,
        "version": 2,
    }
    listed = await client.get(f"{BASE}/enrolments", params={"person_id": str(pid)}, headers=auth())
    assert [e["id"] for e in listed.json()["items"]] == [enrolled.json()["id"]]


async def test_bad_input_is_refused_and_writes_nothing(client, db, feed, auth):
    pid = community_person(feed)
    await catch_up(db, feed)
    session = await new_session(client, auth, start_on=date.today() - timedelta(days=3))
    for path, body, field in [
        ("/courses", course_body(hours=0), "body.hours"),
        ("/courses", course_body(provider_kind="school"), "body.provider_kind"),
        ("/courses", course_body(version=3), "body.version"),
        (
            "/sessions",
            {"course_id": session["course_id"], "start_on": "2026-03-06", "end_on": "2026-03-02", "place": "x"},
            "body.end_on",
        ),
        (
            "/sessions",
            {"course_id": str(uuid.uuid4()), "start_on": "2026-03-02", "end_on": "2026-03-02", "place": "x"},
            "body.course_id",
        ),
        (f"/sessions/{session['id']}/enrolments", {"person_id": str(pid), "status": "completed"}, "body.status"),
    ]:
        response = await client.post(f"{BASE}{path}", json=body, headers=auth())
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert field in [e["field"] for e in response.json()["errors"]]
    enrolled = await enrol_and_complete(client, auth, session, pid)
    url = f"{BASE}/enrolments/{enrolled['id']}/completion"
    for completed_on in (date.today() - timedelta(days=4), date.today() + timedelta(days=1)):
        response = await client.post(
            url, json={"completed_on": str(completed_on)}, headers=auth() | {"If-Match": '"1"'}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.completed_on"
    twice = await client.post(
        f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(pid)}, headers=auth()
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "training_enrolment_exists")
    unknown = await client.post(
        f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(uuid.uuid4())}, headers=auth()
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "person_not_found")
    courses = (await client.get(f"{BASE}/courses", headers=auth())).json()["items"]
    assert len(courses) == 1


async def test_an_enrolment_replayed_with_its_idempotency_key_is_the_first(client, db, feed, auth):
    pid = community_person(feed)
    await catch_up(db, feed)
    session = await new_session(client, auth)
    headers = auth() | {"Idempotency-Key": "enrol-1"}
    url = f"{BASE}/sessions/{session['id']}/enrolments"
    first = await client.post(url, json={"person_id": str(pid)}, headers=headers)
    again = await client.post(url, json={"person_id": str(pid)}, headers=headers)
    assert (again.status_code, again.headers.get("idempotent-replayed")) == (201, "true")
    assert again.json() == first.json()
    other = await client.post(url, json={"person_id": str(uuid.uuid4())}, headers=headers)
    assert (other.status_code, other.json()["code"]) == (404, "person_not_found")


async def test_township_staff_enrol_and_see_only_their_own_people(client, db, feed, auth):
    own = community_person(feed, jurisdiction_code="dapu")
    other = community_person(feed, jurisdiction_code="shapu")
    await catch_up(db, feed)
    session = await new_session(client, auth)
    township = auth(department="township", jurisdiction="dapu")
    url = f"{BASE}/sessions/{session['id']}/enrolments"
    assert (await client.post(url, json={"person_id": str(own)}, headers=township)).status_code == 201
    refused = await client.post(url, json={"person_id": str(other)}, headers=township)
    assert (refused.status_code, refused.json()["code"]) == (404, "person_not_found")
    theirs = await enrol_and_complete(client, auth, session, other)
    assert (await client.get(f"{BASE}/enrolments/{theirs['id']}", headers=township)).status_code == 404
    done = await client.post(
        f"{BASE}/enrolments/{theirs['id']}/completion",
        json={"completed_on": str(date(YEAR, 1, 6))},
        headers=township | {"If-Match": '"1"'},
    )
    assert done.status_code == 404
    listed = (await client.get(f"{BASE}/enrolments", headers=township)).json()["items"]
    assert [e["person_id"] for e in listed] == [str(own)]


async def test_the_shortfall_lists_eligible_people_with_fewer_than_two_trainings(client, db, feed, auth):
    none_yet = community_person(feed)
    one = community_person(feed)
    two = community_person(feed)
    last_year_only = community_person(feed)
    unable = community_person(feed, work_ability="unable")
    isolated = feed.person()
    feed.measure(isolated, "compulsory_isolation", date(YEAR - 1, 6, 1))
    elsewhere = community_person(feed, jurisdiction_code="shapu")
    ended_last_year = feed.person()
    feed.measure(
        ended_last_year,
        "community_detox",
        date(YEAR - 3, 1, 1),
        actual_end_on=date(YEAR - 1, 12, 31),
        end_reason="completed",
    )
    await catch_up(db, feed)
    first, second = await new_session(client, auth), await new_session(client, auth, start_on=date(YEAR, 1, 10))
    old = await new_session(client, auth, start_on=date(YEAR - 1, 11, 1))
    await enrol_and_complete(client, auth, first, one, date(YEAR, 1, 7))
    await enrol_and_complete(client, auth, first, two, date(YEAR, 1, 7))
    await enrol_and_complete(client, auth, second, two, date(YEAR, 1, 12))
    await enrol_and_complete(client, auth, second, none_yet)  # enrolled, not completed: does not count
    await enrol_and_complete(client, auth, old, last_year_only, date(YEAR - 1, 11, 3))

    response = await client.get(f"{BASE}/shortfall", params={"year": YEAR}, headers=auth())

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["year"], body["required_per_year"], body["eligible_count"], body["shortfall_count"]) == (
        YEAR,
        2,
        5,
        4,
    )
    assert "placement-eligibility-v1" in body["eligibility_definition"]
    got = {i["person_id"]: (i["trainings_completed"], i["trainings_missing"]) for i in body["items"]}
    assert got == {str(none_yet): (0, 2), str(one): (1, 1), str(last_year_only): (0, 2), str(elsewhere): (0, 2)}
    assert not {str(unable), str(isolated), str(ended_last_year), str(two)} & set(got)

    township = auth(department="township", jurisdiction="shapu")
    own = (await client.get(f"{BASE}/shortfall", params={"year": YEAR}, headers=township)).json()
    assert ([i["person_id"] for i in own["items"]], own["eligible_count"]) == ([str(elsewhere)], 1)
    peek = (
        await client.get(f"{BASE}/shortfall", params={"year": YEAR, "jurisdiction_code": "dapu"}, headers=township)
    ).json()
    assert (peek["items"], peek["eligible_count"], peek["shortfall_count"]) == ([], 0, 0)
    dapu = (
        await client.get(f"{BASE}/shortfall", params={"year": YEAR, "jurisdiction_code": "dapu"}, headers=auth())
    ).json()
    assert dapu["shortfall_count"] == 3

    shortfall = await pages(client, f"{BASE}/shortfall", params={"year": YEAR, "limit": 3}, headers=auth())
    paged = [i["person_id"] for page in shortfall for i in page["items"]]
    assert sorted(paged) == sorted(got) and len(paged) == 4

    rows = (
        await db.execute(
            text("SELECT resource_ids FROM audit_log WHERE operation = 'training.shortfall.read' ORDER BY id LIMIT 1")
        )
    ).scalar_one()
    assert {str(r) for r in rows} == set(got)


async def test_the_shortfall_validates_its_parameters(client, auth):
    for params in ({}, {"year": 1999}, {"year": YEAR, "jurisdiction_code": "nowhere"}, {"year": YEAR, "limit": 0}):
        response = await client.get(f"{BASE}/shortfall", params=params, headers=auth())
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM
    bad_cursor = await client.get(
        f"{BASE}/shortfall", params={"year": YEAR, "cursor": "bm90LWEtY3Vyc29y"}, headers=auth()
    )
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "invalid_cursor")


# department -> (add course, read courses, enrol, read enrolments, shortfall)
MATRIX = {
    "nco": (201, 200, 201, 200, 200),
    "human_resources": (201, 200, 201, 200, 200),
    "justice": (201, 200, 201, 200, 403),
    "township": (403, 200, 201, 200, 200),
    "trade_union": (403, 200, 403, 403, 403),
    "police": (403, 403, 403, 403, 403),
    "finance": (403, 403, 403, 403, 403),
}


@pytest.mark.parametrize(("department", "expected"), MATRIX.items())
async def test_department_matrix(client, db, feed, auth, department, expected):
    pid = community_person(feed)
    await catch_up(db, feed)
    session = await new_session(client, auth)
    headers = auth(department=department, jurisdiction="dapu" if department == "township" else None)
    got = (
        (await client.post(f"{BASE}/courses", json=course_body(), headers=headers)).status_code,
        (await client.get(f"{BASE}/courses", headers=headers)).status_code,
        (
            await client.post(
                f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(pid)}, headers=headers
            )
        ).status_code,
        (await client.get(f"{BASE}/enrolments", headers=headers)).status_code,
        (await client.get(f"{BASE}/shortfall", params={"year": YEAR}, headers=headers)).status_code,
    )
    assert got == expected


async def test_viewers_read_but_do_not_write(client, db, feed, auth):
    pid = community_person(feed)
    await catch_up(db, feed)
    session = await new_session(client, auth)
    viewer = auth(department="human_resources", roles=["viewer"])
    assert (await client.get(f"{BASE}/enrolments", headers=viewer)).status_code == 200
    assert (await client.post(f"{BASE}/courses", json=course_body(), headers=viewer)).status_code == 403
    enrol = await client.post(
        f"{BASE}/sessions/{session['id']}/enrolments", json={"person_id": str(pid)}, headers=viewer
    )
    assert enrol.status_code == 403
