"""Support teams (帮扶小组) and their visits: history kept, pages newest first, department policy, jurisdiction,
idempotent visits, audit with phones and notes redacted."""

import pytest

MEMBER = {"role": "drug_control_worker", "name": "覃工作者", "phone": "13800000101", "from_on": "2012-06-01"}


def team_url(person: dict) -> str:
    return f"/api/v1/persons/{person['id']}/support-team"


def visits_url(person: dict) -> str:
    return f"/api/v1/persons/{person['id']}/visits"


@pytest.fixture
def add_member(registry, auth):
    async def add(person: dict, **fields) -> dict:
        response = await registry.post(team_url(person), json={**MEMBER, **fields}, headers=auth())
        assert response.status_code == 201, response.text
        return response.json()

    return add


async def test_a_member_who_leaves_stays_in_the_history(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶甲", seq=601)
    worker = await add_member(person)
    police = await add_member(
        person, role="community_police", name="黄民警", organisation="大埔派出所", from_on="2012-07-01"
    )
    assert (worker["role_label_zh"], worker["current"]) == ("社区禁毒工作者", True)

    left = await registry.post(f"{team_url(person)}/{worker['id']}/leave", json={"to_on": "2013-05-31"}, headers=auth())
    assert left.status_code == 200 and left.json()["to_on"] == "2013-05-31" and left.json()["current"] is False
    again = await registry.post(
        f"{team_url(person)}/{worker['id']}/leave", json={"to_on": "2013-06-30"}, headers=auth()
    )
    assert again.status_code == 409

    everyone = (await registry.get(team_url(person), headers=auth())).json()["items"]
    assert [(m["name"], m["to_on"]) for m in everyone] == [("覃工作者", "2013-05-31"), ("黄民警", None)]
    current = await registry.get(team_url(person), params={"current_only": "true"}, headers=auth())
    assert [m["id"] for m in current.json()["items"]] == [police["id"]]


async def test_leaving_before_joining_is_refused(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶乙", seq=603)
    worker = await add_member(person)
    early = await registry.post(
        f"{team_url(person)}/{worker['id']}/leave", json={"to_on": "2012-01-01"}, headers=auth()
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "body.to_on"
    assert (await registry.get(team_url(person), headers=auth())).json()["items"][0]["to_on"] is None


async def test_visits_come_newest_first_a_page_at_a_time(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶丙", seq=605)
    worker = await add_member(person)
    for day in ("2012-07-01", "2012-09-01", "2012-08-01"):
        body = {"visited_on": day, "kind": "home_visit", "member_id": worker["id"], "notes": f"走访 {day}"}
        assert (await registry.post(visits_url(person), json=body, headers=auth())).status_code == 201

    first = await registry.get(visits_url(person), params={"limit": 2}, headers=auth())
    assert [v["visited_on"] for v in first.json()["items"]] == ["2012-09-01", "2012-08-01"]
    assert first.json()["items"][0]["kind_label_zh"] == "走访"
    cursor = first.json()["next_cursor"]
    second = await registry.get(visits_url(person), params={"limit": 2, "cursor": cursor}, headers=auth())
    assert [v["visited_on"] for v in second.json()["items"]] == ["2012-07-01"]
    assert second.json()["next_cursor"] is None
    bad = await registry.get(visits_url(person), params={"cursor": "not-ours"}, headers=auth())
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_a_retried_visit_is_recorded_once(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶丁", seq=607)
    worker = await add_member(person)
    body = {"visited_on": "2012-07-01", "kind": "talk", "member_id": worker["id"], "notes": "谈话"}
    headers = {**auth(), "Idempotency-Key": "visit-607"}
    first = await registry.post(visits_url(person), json=body, headers=headers)
    retry = await registry.post(visits_url(person), json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"] and retry.headers["idempotent-replayed"] == "true"
    other = await registry.post(visits_url(person), json={**body, "notes": "另一次"}, headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert len((await registry.get(visits_url(person), headers=auth())).json()["items"]) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "party"},
        {"notes": ""},
        {"visited_on": "2999-01-01"},
        {"member_id": "00000000-0000-0000-0000-000000000000"},
        {"visited_on": "2012-01-01"},  # before the visitor joined the team
        {"recorded_by": "someone"},
    ],
)
async def test_bad_visits_are_refused_as_problems_and_write_nothing(registry, auth, new_person, add_member, change):
    person = await new_person(name="帮扶戊", seq=609)
    worker = await add_member(person)
    body = {"visited_on": "2012-07-01", "kind": "talk", "member_id": worker["id"], "notes": "谈话", **change}
    refused = await registry.post(visits_url(person), json=body, headers=auth())
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"]
    assert (await registry.get(visits_url(person), headers=auth())).json()["items"] == []


async def test_a_member_of_another_persons_team_cannot_be_the_visitor(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶己", seq=611)
    other = await new_person(name="别的人员", seq=613)
    stranger = await add_member(other)
    body = {"visited_on": "2012-07-01", "kind": "talk", "member_id": stranger["id"], "notes": "谈话"}
    refused = await registry.post(visits_url(person), json=body, headers=auth())
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.member_id"
    leave = await registry.post(
        f"{team_url(person)}/{stranger['id']}/leave", json={"to_on": "2013-01-01"}, headers=auth()
    )
    assert leave.status_code == 404


MATRIX = [
    # department, roles, (list team, add member, list visits, record visit)
    ("nco", ["staff"], (200, 201, 200, 201)),
    ("township", ["staff"], (200, 201, 200, 201)),
    ("township", ["viewer"], (200, 403, 200, 403)),
    ("police", ["staff"], (200, 403, 200, 403)),
    ("health", ["staff"], (403, 403, 403, 403)),
    ("civil_affairs", ["staff"], (403, 403, 403, 403)),
    ("human_resources", ["staff"], (403, 403, 403, 403)),
    ("finance", ["staff"], (403, 403, 403, 403)),
]


@pytest.mark.parametrize(("department", "roles", "expected"), MATRIX)
async def test_who_may_do_what(registry, auth, new_person, add_member, department, roles, expected):
    person = await new_person(name="帮扶辛", seq=615)
    worker = await add_member(person)
    headers = auth(department=department, jurisdiction="dapu" if department == "township" else None, roles=roles)
    visit = {"visited_on": "2012-07-01", "kind": "talk", "member_id": worker["id"], "notes": "谈话"}
    got = (
        (await registry.get(team_url(person), headers=headers)).status_code,
        (await registry.post(team_url(person), json=MEMBER, headers=headers)).status_code,
        (await registry.get(visits_url(person), headers=headers)).status_code,
        (await registry.post(visits_url(person), json=visit, headers=headers)).status_code,
    )
    assert got == expected
    visits = (await registry.get(visits_url(person), headers=auth())).json()["items"]
    assert len(visits) == (1 if expected[3] == 201 else 0)


async def test_people_of_another_jurisdiction_do_not_exist_here(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶壬", seq=617)
    worker = await add_member(person)
    outsider = auth(department="township", jurisdiction="shechong")
    visit = {"visited_on": "2012-07-01", "kind": "talk", "member_id": worker["id"], "notes": "谈话"}
    for response in (
        await registry.get(team_url(person), headers=outsider),
        await registry.post(team_url(person), json=MEMBER, headers=outsider),
        await registry.post(f"{team_url(person)}/{worker['id']}/leave", json={"to_on": "2013-01-01"}, headers=outsider),
        await registry.get(visits_url(person), headers=outsider),
        await registry.post(visits_url(person), json=visit, headers=outsider),
    ):
        assert response.status_code == 404 and "覃工作者" not in response.text
    assert (await registry.get(visits_url(person), headers=auth())).json()["items"] == []
    assert (await registry.get(team_url(person), headers=auth())).json()["items"][0]["to_on"] is None


async def test_archived_people_get_no_new_visits(registry, auth, new_person, add_member):
    person = await new_person(name="帮扶癸", seq=619)
    worker = await add_member(person)
    await registry.post(f"/api/v1/persons/{person['id']}/archive", json={"reason": "期满"}, headers=auth())
    visit = {"visited_on": "2012-07-01", "kind": "talk", "member_id": worker["id"], "notes": "谈话"}
    assert (await registry.post(visits_url(person), json=visit, headers=auth())).status_code == 409
    assert (await registry.get(visits_url(person), headers=auth())).status_code == 200


async def test_the_audit_trail_names_phones_and_notes_but_never_their_values(
    registry, auth, new_person, add_member, audit_rows
):
    person = await new_person(name="帮扶子", seq=621)
    worker = await add_member(person, phone="13800000621")
    body = {"visited_on": "2012-07-01", "kind": "home_visit", "member_id": worker["id"], "notes": "家中情况稳定"}
    await registry.post(visits_url(person), json=body, headers=auth())
    await registry.get(visits_url(person), headers=auth(department="police"))
    await registry.get(visits_url(person), headers=auth(department="health"))

    rows = await audit_rows(person["id"], "support.")
    assert [(op, outcome, dept) for op, outcome, dept, _ in rows] == [
        ("support.member.create", "success", "nco"),
        ("support.visit.create", "success", "nco"),
        ("support.visit.list", "success", "police"),
        ("support.visit.list", "denied", "health"),
    ]
    member_changes, visit_changes = rows[0][3], rows[1][3]
    assert member_changes["phone"] == {"old": None, "new": "[redacted]"}
    assert member_changes["role"] == {"old": None, "new": "drug_control_worker"}
    assert visit_changes["notes"] == {"old": None, "new": "[redacted]"}
    assert visit_changes["kind"] == {"old": None, "new": "home_visit"}
    assert "13800000621" not in str(rows) and "家中情况稳定" not in str(rows)
