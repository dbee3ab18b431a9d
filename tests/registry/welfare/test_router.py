"""Welfare and employment status: one current record under If-Match, section-level department policy (civil affairs:
minimum living guarantee, disability, relief; human resources: certificate, medical insurance), relief events,
jurisdiction, audit with certificate numbers redacted."""

import pytest

MLG = {"status": "granted", "since": "2012-07-01", "amount_cny": "230.5"}
RELIEF = {"granted_on": "2012-09-10", "amount_cny": "500", "reason": "因病致困"}


def url(person: dict) -> str:
    return f"/api/v1/persons/{person['id']}/welfare"


async def test_the_record_starts_empty_and_each_put_needs_the_latest_etag(registry, auth, new_person):
    person = await new_person(name="福利甲", seq=801)
    first = await registry.get(url(person), headers=auth())
    assert first.status_code == 200 and first.headers["etag"] == '"0"'
    assert first.json()["minimum_living_guarantee"]["status"] == "none" and first.json()["version"] == 0

    body = {"minimum_living_guarantee": MLG, "medical_insurance": "new_rural_cooperative"}
    assert (await registry.put(url(person), json=body, headers=auth())).status_code == 428
    saved = await registry.put(url(person), json=body, headers={**auth(), "If-Match": '"0"'})
    assert saved.status_code == 200, saved.text
    assert saved.json()["minimum_living_guarantee"] == {
        "status": "granted",
        "status_label_zh": "享受低保",
        "since": "2012-07-01",
        "amount_cny": "230.50",
    }
    assert saved.json()["medical_insurance_label_zh"] == "新型农村合作医疗"
    etag = saved.headers["etag"]
    stale = await registry.put(url(person), json={"medical_insurance": "none"}, headers={**auth(), "If-Match": '"0"'})
    assert stale.status_code == 412
    assert (await registry.get(url(person), headers=auth())).json()["medical_insurance"] == "new_rural_cooperative"
    fresh = await registry.put(url(person), json={"medical_insurance": "none"}, headers={**auth(), "If-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert fresh.json()["minimum_living_guarantee"]["status"] == "granted"  # left out, so unchanged


async def test_each_department_sets_only_its_own_sections(registry, auth, new_person):
    person = await new_person(name="福利乙", seq=803)
    hr = auth(department="human_resources")
    civil = auth(department="civil_affairs")
    refused = await registry.put(url(person), json={"minimum_living_guarantee": MLG}, headers={**hr, "If-Match": '"0"'})
    assert refused.status_code == 403 and refused.json()["code"] == "field_not_allowed"
    certificate = {"number": "4502220120001", "issued_on": "2012-08-01"}
    ok = await registry.put(
        url(person),
        json={"employment_certificate": certificate, "medical_insurance": "urban_resident"},
        headers={**hr, "If-Match": '"0"'},
    )
    assert ok.status_code == 200 and ok.json()["employment_certificate"] == certificate
    etag = ok.headers["etag"]
    sneaky = await registry.put(url(person), json={"employment_certificate": None}, headers={**civil, "If-Match": etag})
    assert sneaky.status_code == 403 and sneaky.json()["code"] == "field_not_allowed"
    disability = {"grade": 3, "certificate_number": "45022219900101123443"}
    civil_ok = await registry.put(
        url(person),
        json={"disability": disability, "minimum_living_guarantee": MLG},
        headers={**civil, "If-Match": etag},
    )
    assert civil_ok.status_code == 200 and civil_ok.json()["disability"] == disability
    assert civil_ok.json()["employment_certificate"] == certificate


@pytest.mark.parametrize(
    "body",
    [
        {"minimum_living_guarantee": {"status": "granted"}},  # no since
        {"minimum_living_guarantee": {**MLG, "amount_cny": "12.345"}},
        {"minimum_living_guarantee": {**MLG, "amount_cny": "-1"}},
        {"minimum_living_guarantee": None},
        {"disability": {"grade": 5, "certificate_number": "X1"}},
        {"disability": {"grade": 2}},
        {"medical_insurance": "private"},
        {"welfare_status": "rich"},
    ],
)
async def test_bad_input_is_a_422_problem_and_changes_nothing(registry, auth, new_person, body):
    person = await new_person(name="福利丙", seq=805)
    refused = await registry.put(url(person), json=body, headers={**auth(), "If-Match": '"0"'})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert (await registry.get(url(person), headers=auth())).json()["version"] == 0


async def test_relief_events_are_listed_newest_first_and_a_retry_records_one(registry, auth, new_person):
    person = await new_person(name="福利丁", seq=807)
    civil = auth(department="civil_affairs")
    relief_url = f"{url(person)}/relief"
    headers = {**civil, "Idempotency-Key": "relief-807"}
    first = await registry.post(relief_url, json=RELIEF, headers=headers)
    retry = await registry.post(relief_url, json=RELIEF, headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert first.json()["amount_cny"] == "500.00"
    later = await registry.post(relief_url, json={**RELIEF, "granted_on": "2013-01-20"}, headers=civil)
    assert later.status_code == 201
    zero = await registry.post(relief_url, json={**RELIEF, "amount_cny": "0"}, headers=civil)
    assert zero.status_code == 422
    listed = (await registry.get(relief_url, headers=civil)).json()["items"]
    assert [r["granted_on"] for r in listed] == ["2013-01-20", "2012-09-10"]


MATRIX = [
    # department, jurisdiction, (read record, put mlg, put certificate, list relief, record relief)
    ("nco", None, (200, 200, 200, 200, 201)),
    ("township", "dapu", (200, 200, 200, 200, 201)),
    ("civil_affairs", None, (200, 200, 403, 200, 201)),
    ("human_resources", None, (200, 403, 200, 403, 403)),
    ("police", None, (403, 403, 403, 403, 403)),
    ("health", None, (403, 403, 403, 403, 403)),
    ("finance", None, (403, 403, 403, 403, 403)),
    ("township", "shechong", (404, 404, 404, 404, 404)),
]


@pytest.mark.parametrize(("department", "jurisdiction", "expected"), MATRIX)
async def test_who_may_do_what(registry, auth, new_person, department, jurisdiction, expected):
    person = await new_person(name="福利戊", seq=809)
    headers = auth(department=department, jurisdiction=jurisdiction)
    certificate = {"employment_certificate": {"number": "4502220120009", "issued_on": "2012-08-01"}}

    async def put(body: dict) -> int:
        etag = (await registry.get(url(person), headers=auth())).headers["etag"]
        return (await registry.put(url(person), json=body, headers={**headers, "If-Match": etag})).status_code

    got = (
        (await registry.get(url(person), headers=headers)).status_code,
        await put({"minimum_living_guarantee": MLG}),
        await put(certificate),
        (await registry.get(f"{url(person)}/relief", headers=headers)).status_code,
        (await registry.post(f"{url(person)}/relief", json=RELIEF, headers=headers)).status_code,
    )
    assert got == expected
    record = (await registry.get(url(person), headers=auth())).json()
    assert (record["minimum_living_guarantee"]["status"] == "granted") == (expected[1] == 200)
    assert (record["employment_certificate"] is not None) == (expected[2] == 200)


async def test_a_read_only_token_changes_nothing(registry, auth, new_person):
    person = await new_person(name="福利己", seq=811)
    viewer = auth(department="civil_affairs", roles=["viewer"])
    assert (await registry.get(url(person), headers=viewer)).status_code == 200
    put = await registry.put(url(person), json={"minimum_living_guarantee": MLG}, headers={**viewer, "If-Match": '"0"'})
    assert put.status_code == 403
    assert (await registry.post(f"{url(person)}/relief", json=RELIEF, headers=viewer)).status_code == 403


async def test_changes_are_audited_field_by_field_with_certificate_numbers_redacted(
    registry, auth, new_person, audit_rows
):
    person = await new_person(name="福利庚", seq=813)
    body = {
        "minimum_living_guarantee": MLG,
        "disability": {"grade": 2, "certificate_number": "45022219900101123422"},
        "employment_certificate": {"number": "4502220120813", "issued_on": "2012-08-01"},
    }
    assert (await registry.put(url(person), json=body, headers={**auth(), "If-Match": '"0"'})).status_code == 200
    await registry.get(url(person), headers=auth(department="human_resources"))
    await registry.put(url(person), json={"minimum_living_guarantee": MLG}, headers=auth(department="human_resources"))
    rows = await audit_rows(person["id"], "welfare.")
    assert [(op, outcome, dept) for op, outcome, dept, _ in rows] == [
        ("welfare.update", "success", "nco"),
        ("welfare.read", "success", "human_resources"),
        ("welfare.update", "denied", "human_resources"),
    ]
    changes = rows[0][3]
    assert changes["minimum_living_guarantee.amount_cny"] == {"old": None, "new": "230.50"}
    assert changes["minimum_living_guarantee.status"] == {"old": "none", "new": "granted"}
    assert changes["disability.certificate_number"] == {"old": None, "new": "[redacted]"}
    assert changes["employment_certificate.number"] == {"old": None, "new": "[redacted]"}
    assert "45022219900101123422" not in str(rows) and "4502220120813" not in str(rows)
