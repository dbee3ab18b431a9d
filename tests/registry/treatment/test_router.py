"""Treatment: voluntary detox agreements, methadone maintenance (one open enrolment, ended once), counselling;
department policy, jurisdiction, audit with notes redacted."""

import pytest

AGREEMENT = {
    "institution": "柳城县人民医院",
    "signed_on": "2012-06-01",
    "start_on": "2012-06-05",
    "end_on": "2012-09-05",
    "guardian_signed": True,
}
METHADONE = {"clinic": "柳城县美沙酮维持治疗门诊", "enrolled_on": "2012-06-01"}
COUNSELLING = {"held_on": "2012-07-01", "provider": "县人民医院心理科", "kind": "psychological", "notes": "情绪低落"}


def url(person: dict, kind: str) -> str:
    return f"/api/v1/persons/{person['id']}/treatment/{kind}"


async def test_agreements_and_counselling_are_recorded_and_listed_newest_first(registry, auth, new_person):
    person = await new_person(name="治疗甲", seq=701)
    health = auth(department="health")
    for signed in ("2012-06-01", "2013-02-01"):
        body = {**AGREEMENT, "signed_on": signed, "start_on": signed, "end_on": None}
        assert (await registry.post(url(person, "agreements"), json=body, headers=health)).status_code == 201
    listed = (await registry.get(url(person, "agreements"), headers=health)).json()["items"]
    assert [a["signed_on"] for a in listed] == ["2013-02-01", "2012-06-01"]

    created = await registry.post(url(person, "counselling"), json=COUNSELLING, headers=health)
    assert created.status_code == 201 and created.json()["kind_label_zh"] == "心理咨询"
    listed = await registry.get(url(person, "counselling"), headers=auth(department="township", jurisdiction="dapu"))
    assert [(c["provider"], c["notes"]) for c in listed.json()["items"]] == [("县人民医院心理科", "情绪低落")]


async def test_a_methadone_enrolment_is_open_once_and_ends_once(registry, auth, new_person):
    person = await new_person(name="治疗乙", seq=703)
    health = auth(department="health")
    enrolled = await registry.post(url(person, "methadone"), json=METHADONE, headers=health)
    assert enrolled.status_code == 201 and enrolled.json()["active"] is True
    second = await registry.post(
        url(person, "methadone"), json={**METHADONE, "enrolled_on": "2012-07-01"}, headers=health
    )
    assert second.status_code == 409 and second.json()["code"] == "methadone_enrolment_open"

    end_url = f"{url(person, 'methadone')}/{enrolled.json()['id']}/end"
    too_early = await registry.post(end_url, json={"ended_on": "2012-05-01", "end_reason": "completed"}, headers=health)
    assert too_early.status_code == 422
    ended = await registry.post(end_url, json={"ended_on": "2013-06-01", "end_reason": "completed"}, headers=health)
    assert ended.status_code == 200
    assert (ended.json()["active"], ended.json()["end_reason_label_zh"]) == (False, "治疗完成")
    again = await registry.post(end_url, json={"ended_on": "2013-07-01", "end_reason": "relapse"}, headers=health)
    assert again.status_code == 409 and again.json()["code"] == "methadone_enrolment_ended"
    listed = (await registry.get(url(person, "methadone"), headers=health)).json()["items"]
    assert [(m["ended_on"], m["end_reason"]) for m in listed] == [("2013-06-01", "completed")]

    reenrolled = await registry.post(
        url(person, "methadone"), json={**METHADONE, "enrolled_on": "2013-08-01"}, headers=health
    )
    assert reenrolled.status_code == 201


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("agreements", {**AGREEMENT, "start_on": "2012-05-01"}),  # starts before it was signed
        ("agreements", {**AGREEMENT, "guardian_signed": "maybe"}),
        ("methadone", {**METHADONE, "enrolled_on": "2999-01-01"}),
        ("methadone", {**METHADONE, "ended_on": "2013-01-01"}),
        ("counselling", {**COUNSELLING, "kind": "spiritual"}),
    ],
)
async def test_bad_input_is_a_422_problem_and_writes_nothing(registry, auth, new_person, kind, body):
    person = await new_person(name="治疗丙", seq=705)
    refused = await registry.post(url(person, kind), json=body, headers=auth(department="health"))
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert (await registry.get(url(person, kind), headers=auth())).json()["items"] == []


MATRIX = [
    # department, jurisdiction, (list agreements, create agreement, list methadone, enrol, list counselling, create)
    ("health", None, (200, 201, 200, 201, 200, 201)),
    ("nco", None, (200, 201, 200, 201, 200, 201)),
    ("township", "dapu", (200, 403, 200, 403, 200, 403)),
    ("police", None, (403, 403, 403, 403, 403, 403)),
    ("civil_affairs", None, (403, 403, 403, 403, 403, 403)),
    ("human_resources", None, (403, 403, 403, 403, 403, 403)),
    ("finance", None, (403, 403, 403, 403, 403, 403)),
    # Another jurisdiction's person does not exist; a write township staff may never do is refused before the lookup.
    ("township", "shechong", (404, 403, 404, 403, 404, 403)),
]


@pytest.mark.parametrize(("department", "jurisdiction", "expected"), MATRIX)
async def test_who_may_do_what(registry, auth, new_person, department, jurisdiction, expected):
    person = await new_person(name="治疗丁", seq=707)
    headers = auth(department=department, jurisdiction=jurisdiction)
    got = []
    for kind, body in (("agreements", AGREEMENT), ("methadone", METHADONE), ("counselling", COUNSELLING)):
        got.append((await registry.get(url(person, kind), headers=headers)).status_code)
        got.append((await registry.post(url(person, kind), json=body, headers=headers)).status_code)
    assert tuple(got) == expected
    written = (await registry.get(url(person, "counselling"), headers=auth())).json()["items"]
    assert len(written) == (1 if expected[5] == 201 else 0)


async def test_only_health_and_nco_end_an_enrolment_and_outsiders_see_none(registry, auth, new_person):
    person = await new_person(name="治疗戊", seq=709)
    enrolled = (await registry.post(url(person, "methadone"), json=METHADONE, headers=auth(department="health"))).json()
    end_url = f"{url(person, 'methadone')}/{enrolled['id']}/end"
    body = {"ended_on": "2013-01-01", "end_reason": "withdrew"}
    assert (
        await registry.post(end_url, json=body, headers=auth(department="township", jurisdiction="dapu"))
    ).status_code == 403
    outsider = await registry.get(
        url(person, "methadone"), headers=auth(department="township", jurisdiction="shechong")
    )
    assert outsider.status_code == 404 and enrolled["id"] not in outsider.text
    assert (await registry.get(url(person, "methadone"), headers=auth())).json()["items"][0]["active"] is True
    assert (await registry.post(end_url, json=body, headers=auth())).status_code == 200


async def test_a_retried_counselling_record_is_written_once(registry, auth, new_person):
    person = await new_person(name="治疗己", seq=711)
    headers = {**auth(department="health"), "Idempotency-Key": "counsel-711"}
    first = await registry.post(url(person, "counselling"), json=COUNSELLING, headers=headers)
    retry = await registry.post(url(person, "counselling"), json=COUNSELLING, headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert len((await registry.get(url(person, "counselling"), headers=auth())).json()["items"]) == 1


async def test_treatment_reads_and_writes_are_audited_with_notes_redacted(registry, auth, new_person, audit_rows):
    person = await new_person(name="治疗庚", seq=713)
    await registry.post(url(person, "counselling"), json=COUNSELLING, headers=auth(department="health"))
    await registry.get(url(person, "counselling"), headers=auth(department="township", jurisdiction="dapu"))
    await registry.get(url(person, "methadone"), headers=auth(department="police"))
    rows = await audit_rows(person["id"], "treatment.")
    assert [(op, outcome, dept) for op, outcome, dept, _ in rows] == [
        ("treatment.counselling.create", "success", "health"),
        ("treatment.counselling.list", "success", "township"),
        ("treatment.methadone.list", "denied", "police"),
    ]
    assert rows[0][3]["notes"] == {"old": None, "new": "[redacted]"}
    assert rows[0][3]["provider"] == {"old": None, "new": "[redacted]"}  # an institution: named, never copied
    assert "情绪低落" not in str(rows)
