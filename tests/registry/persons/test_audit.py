"""Every read and write of a person is in the audit trail, refused attempts included, sensitive values redacted."""

from tests.registry.persons.conftest import id_number


async def trail(registry, auth, person_id: str) -> list[dict]:
    response = await registry.get(
        "/api/v1/audit-events", params={"person_id": person_id}, headers=auth(roles=["auditor"])
    )
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["operation"].startswith("person.")]


async def test_reads_writes_and_unmasking_are_recorded_with_who_and_request_id(registry, auth, new_person):
    person = await new_person(name="审计甲", seq=501)
    url = f"/api/v1/persons/{person['id']}"
    reader = auth(department="police")
    await registry.get(url, headers={**reader, "X-Request-ID": "req-read-1"})
    await registry.get(f"{url}/id-number", headers=reader)
    await registry.get("/api/v1/persons", params={"q": "审计甲"}, headers=reader)
    events = await trail(registry, auth, person["id"])
    operations = [e["operation"] for e in reversed(events)]
    assert operations == ["person.create", "person.read", "person.id_number.unmask", "person.list"]
    read = next(e for e in events if e["operation"] == "person.read")
    assert (read["actor_department"], read["outcome"], read["request_id"]) == ("police", "success", "req-read-1")
    assert id_number(seq=501) not in str(events)


async def test_changed_fields_are_named_and_sensitive_values_redacted(registry, auth, new_person):
    person = await new_person(name="审计乙", seq=511, phone="13800000011")
    url = f"/api/v1/persons/{person['id']}"
    changed = await registry.patch(
        url, json={"phone": "13900000022", "education": "senior_high"}, headers={**auth(), "If-Match": '"1"'}
    )
    assert changed.status_code == 200
    update = next(e for e in await trail(registry, auth, person["id"]) if e["operation"] == "person.update")
    assert update["changes"]["education"] == {"old": None, "new": "senior_high"}
    assert update["changes"]["phone"] == {"old": "[redacted]", "new": "[redacted]"}
    assert "13900000022" not in str(update) and "13800000011" not in str(update)


async def test_refused_attempts_are_recorded_although_the_request_fails(registry, auth, new_person):
    person = await new_person(name="审计丙", seq=521)
    url = f"/api/v1/persons/{person['id']}"
    outsider = await registry.get(url, headers=auth(department="township", jurisdiction="shechong"))
    assert outsider.status_code == 404
    health = await registry.get(f"{url}/id-number", headers=auth(department="health"))
    assert health.status_code == 403
    events = await trail(registry, auth, person["id"])
    outcomes = {(e["operation"], e["actor_department"], e["outcome"]) for e in events}
    assert ("person.read", "township", "not_found") in outcomes
    assert ("person.id_number.unmask", "health", "denied") in outcomes


async def test_a_failed_write_leaves_its_record_but_not_its_change(registry, auth, new_person):
    person = await new_person(name="审计丁", seq=531)
    url = f"/api/v1/persons/{person['id']}"
    stale = await registry.patch(url, json={"education": "college"}, headers={**auth(), "If-Match": '"9"'})
    assert stale.status_code == 412
    assert (await registry.get(url, headers=auth())).json()["education"] is None
    update = next(e for e in await trail(registry, auth, person["id"]) if e["operation"] == "person.update")
    assert update["outcome"] == "invalid"


async def test_the_chain_still_verifies_after_person_activity(registry, auth, new_person):
    await new_person(name="审计戊", seq=541)
    verified = await registry.get("/api/v1/audit-events/verify", headers=auth(roles=["auditor"]))
    assert verified.status_code == 200 and verified.json()["ok"] is True
