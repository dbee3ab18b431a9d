"""What the registry's trail holds about people, through the API as users would write it: every sub-record created and
changed, then the audit table's raw rows searched for each personal value sent (names, ID numbers, phones,
addresses, free text, reasons, institutions, decision and certificate numbers), and the jurisdictions rows were given
from the people they concern, which decide what a township auditor reads."""

from sqlalchemy import text

from tests.registry.persons.conftest import id_number
from tests.rows import last_audit_id, operations_since, trail_since

SECRET_PREFIX = "审秘"


def secret(what: str) -> str:
    return f"{SECRET_PREFIX}{what}"


async def test_no_personal_value_sent_to_the_registry_is_copied_into_its_trail(registry_and_session, auth):
    api, session = registry_and_session
    since = await last_audit_id(session)
    sent: list[str] = []

    async def call(method: str, url: str, *, expect: int, headers=None, **kwargs):
        response = await api.request(method, url, headers=headers or auth(), **kwargs)
        assert response.status_code == expect, (url, response.text)
        body = kwargs.get("json") or {}
        sent.extend(v for v in _strings(body) if SECRET_PREFIX in v or (v.isdigit() and len(v) >= 11))
        return response

    person_body = {
        "name": secret("名甲"),
        "id_number": id_number(seq=901),
        "work_ability": "partly",
        "work_ability_reason": secret("丧失劳动能力原因"),
        "jurisdiction_code": "dapu",
        "ethnicity": secret("族"),
        "phone": "13912340001",
        "household_address": secret("户籍地址一号"),
        "residence_address": secret("居住地址二号"),
        "skills": [secret("技能")],
        "guardian_name": secret("监护人"),
        "guardian_relation": secret("亲属"),
        "guardian_phone": "13912340002",
        "notes": secret("备注"),
        "confirm_not_duplicate": True,
    }
    person = (await call("POST", "/api/v1/persons", json=person_body, expect=201)).json()
    sent.append(person_body["id_number"])
    base = f"/api/v1/persons/{person['id']}"
    update = {
        "name": secret("名乙"),
        "phone": "13912340003",
        "residence_address": secret("新居住地址"),
        "notes": secret("新备注"),
        "education": "senior_high",
    }
    await call("PATCH", base, json=update, headers={**auth(), "If-Match": '"1"'}, expect=200)
    await call("GET", f"{base}/id-number", expect=200)

    measure_body = {
        "kind": "community_detox",
        "start_on": "2024-03-01",
        "decision_number": secret("决字001"),
        "issuing_authority": secret("公安局"),
    }
    measure = (await call("POST", f"{base}/measures", json=measure_body, expect=201)).json()
    correction = {**measure_body, "decision_number": secret("决字002"), "reason": secret("更正原因")}
    corrected = (await call("POST", f"{base}/measures/{measure['id']}/corrections", json=correction, expect=201)).json()
    await call(
        "POST",
        f"{base}/measures/{corrected['id']}/end",
        json={"actual_end_on": "2024-06-01", "end_reason": "completed"},
        expect=200,
    )
    drug_test = {
        "tested_on": "2024-04-01",
        "kind": "urine",
        "result": "negative",
        "substance": secret("物质"),
        "tested_by": secret("派出所"),
    }
    await call("POST", f"{base}/drug-tests", json=drug_test, expect=201)

    member_body = {
        "role": "drug_control_worker",
        "name": secret("工作者"),
        "phone": "13912340004",
        "organisation": secret("禁毒办"),
        "from_on": "2024-03-01",
    }
    member = (await call("POST", f"{base}/support-team", json=member_body, expect=201)).json()
    visit = {"visited_on": "2024-03-05", "kind": "home_visit", "member_id": member["id"], "notes": secret("走访记录")}
    await call("POST", f"{base}/visits", json=visit, expect=201)
    await call("POST", f"{base}/support-team/{member['id']}/leave", json={"to_on": "2024-05-31"}, expect=200)

    health = auth(department="health")
    agreement = {
        "institution": secret("医院"),
        "signed_on": "2024-03-01",
        "start_on": "2024-03-02",
        "guardian_signed": True,
    }
    await call("POST", f"{base}/treatment/agreements", json=agreement, headers=health, expect=201)
    methadone = (
        await call(
            "POST",
            f"{base}/treatment/methadone",
            json={"clinic": secret("门诊"), "enrolled_on": "2024-03-01"},
            headers=health,
            expect=201,
        )
    ).json()
    await call(
        "POST",
        f"{base}/treatment/methadone/{methadone['id']}/end",
        json={"ended_on": "2024-05-01", "end_reason": "completed"},
        headers=health,
        expect=200,
    )
    counselling = {
        "held_on": "2024-03-03",
        "provider": secret("心理科"),
        "kind": "psychological",
        "notes": secret("咨询"),
    }
    await call("POST", f"{base}/treatment/counselling", json=counselling, headers=health, expect=201)

    welfare = {
        "minimum_living_guarantee": {"status": "granted", "since": "2024-03-01", "amount_cny": "230.50"},
        "disability": {"grade": 2, "certificate_number": "45022219900101999922"},
        "employment_certificate": {"number": "4502229990001", "issued_on": "2024-03-01"},
    }
    await call("PUT", f"{base}/welfare", json=welfare, headers={**auth(), "If-Match": '"0"'}, expect=200)
    relief = {"granted_on": "2024-03-10", "amount_cny": "500", "reason": secret("救助原因")}
    await call("POST", f"{base}/welfare/relief", json=relief, expect=201)
    await call("GET", f"{base}/record", expect=200)

    dapu, dongquan = auth("township", "dapu"), auth("township", "dongquan")
    proposal = {
        "person_id": person["id"],
        "to_jurisdiction_code": "dongquan",
        "reason": secret("迁移原因"),
        "new_residence_address": secret("新址"),
        "notes": secret("迁移备注"),
    }
    transfer = (await call("POST", "/api/v1/transfers", json=proposal, headers=dapu, expect=201)).json()
    await call(
        "POST",
        f"/api/v1/transfers/{transfer['id']}/accept",
        headers={**dongquan, "If-Match": f'"{transfer["version"]}"'},
        expect=200,
    )
    back = (
        await call(
            "POST",
            "/api/v1/transfers",
            json={**proposal, "to_jurisdiction_code": "dapu", "reason": secret("回迁原因")},
            headers=dongquan,
            expect=201,
        )
    ).json()
    await call(
        "POST",
        f"/api/v1/transfers/{back['id']}/reject",
        json={"reason": secret("拒绝原因")},
        headers={**dapu, "If-Match": f'"{back["version"]}"'},
        expect=200,
    )
    again = (
        await call(
            "POST", "/api/v1/transfers", json={**proposal, "to_jurisdiction_code": "dapu"}, headers=dongquan, expect=201
        )
    ).json()
    await call(
        "POST",
        f"/api/v1/transfers/{again['id']}/cancel",
        json={"reason": secret("撤回原因")},
        headers={**dongquan, "If-Match": f'"{again["version"]}"'},
        expect=200,
    )
    person_now = (await call("GET", base, expect=200)).json()
    await call(
        "POST",
        f"{base}/archive",
        json={"reason": secret("注销原因")},
        headers={**auth(), "If-Match": f'"{person_now["version"]}"'},
        expect=200,
    )

    recorded = await operations_since(session, since)
    for operation in (
        "person.create",
        "person.update",
        "person.id_number.unmask",
        "measure.create",
        "measure.correct",
        "measure.end",
        "drug_test.create",
        "support.member.create",
        "support.visit.create",
        "support.member.leave",
        "treatment.agreements.create",
        "treatment.methadone.create",
        "treatment.methadone.end",
        "treatment.counselling.create",
        "welfare.update",
        "welfare.relief.create",
        "person.record.read",
        "transfer.propose",
        "transfer.accept",
        "person.transfer",
        "transfer.reject",
        "transfer.cancel",
        "person.archive",
    ):
        assert (operation, "success") in recorded, operation
    # The move is seen by both townships: where the person was and where they went.
    moved = await session.scalar(
        text("SELECT jurisdictions FROM audit_log WHERE id > :since AND operation = 'person.transfer'"),
        {"since": since},
    )
    assert moved == ["dapu", "dongquan"]
    trail = await trail_since(session, since)
    leaked = sorted(value for value in set(sent) if value in trail)
    assert leaked == []
    assert len(set(sent)) >= 35
    # What the trail does keep: codes, dates, statuses and amounts, and where the person was.
    for kept in ("senior_high", "completed", "granted", "230.50", "dongquan", "archived"):
        assert kept in trail, kept


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def test_rows_take_the_jurisdictions_of_the_people_they_concern_and_township_auditors_read_only_theirs(
    registry_and_session, auth
):
    api, session = registry_and_session
    people = {}
    for seq, code in ((911, "dapu"), (912, "shapu")):
        body = {
            "name": f"辖区{seq}",
            "id_number": id_number(seq=seq),
            "work_ability": "able",
            "jurisdiction_code": code,
            "confirm_not_duplicate": True,
        }
        response = await api.post("/api/v1/persons", json=body, headers=auth())
        assert response.status_code == 201, response.text
        people[code] = response.json()["id"]
    for person_id in people.values():
        assert (await api.get(f"/api/v1/persons/{person_id}", headers=auth(department="police"))).status_code == 200
    # A township's staff trying the other township's person: refused (404) and recorded with that person's township.
    outsider = await api.get(f"/api/v1/persons/{people['shapu']}", headers=auth("township", "dapu"))
    assert outsider.status_code == 404

    rows = (
        await session.execute(
            text(
                "SELECT operation, outcome, jurisdictions FROM audit_log "
                "WHERE resource_ids && CAST(:ids AS uuid[]) ORDER BY id"
            ),
            {"ids": list(people.values())},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        ("person.create", "success", ["dapu"]),
        ("person.create", "success", ["shapu"]),
        ("person.read", "success", ["dapu"]),
        ("person.read", "success", ["shapu"]),
        ("person.read", "not_found", ["shapu"]),
    ]

    async def trail_of(person: str, headers: dict) -> list[tuple[str, str]]:
        response = await api.get("/api/v1/audit-events", params={"person_id": people[person]}, headers=headers)
        assert response.status_code == 200, response.text
        return [(e["operation"], e["outcome"]) for e in response.json()["items"]]

    dapu_auditor = auth("township", "dapu", roles=("auditor",))
    shapu_auditor = auth("township", "shapu", roles=("auditor",))
    county_auditor = auth(roles=("auditor",))
    assert await trail_of("shapu", dapu_auditor) == []
    assert await trail_of("dapu", dapu_auditor) == [("person.read", "success"), ("person.create", "success")]
    # Shapu's auditor also sees that Dapu's auditor asked about a Shapu person.
    assert await trail_of("shapu", shapu_auditor) == [
        ("audit.read", "success"),
        ("person.read", "not_found"),
        ("person.read", "success"),
        ("person.create", "success"),
    ]
    assert [op for op, _ in await trail_of("shapu", county_auditor)] == [
        "audit.read",
        "audit.read",
        "person.read",
        "person.read",
        "person.create",
    ]
