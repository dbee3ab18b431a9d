import uuid

import pytest
from sqlalchemy import select

from registry.audit.models import audit
from tests.registry.persons.conftest import id_number


def url(person_id: str) -> str:
    return f"/api/v1/persons/{person_id}/record"


@pytest.fixture
async def history(registry, auth, new_person):
    """A person in Dapu with something in every part of the record."""
    person = await new_person(name="全档甲", seq=951, phone="13800000951", registered_on="2020-12-01")
    pid = person["id"]
    base = f"/api/v1/persons/{pid}"
    nco, health = auth(), auth(department="health")

    async def post(path: str, body: dict, headers=nco) -> dict:
        response = await registry.post(f"{base}/{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    wrong = await post("measures", {"kind": "community_detox", "start_on": "2021-01-01"})
    await post(
        f"measures/{wrong['id']}/corrections",
        {"kind": "community_detox", "start_on": "2021-02-01", "reason": "决定书日期录入错误"},
    )
    await post(
        "drug-tests", {"tested_on": "2021-03-01", "kind": "urine", "result": "positive", "tested_by": "大埔派出所"}
    )
    member = await post("support-team", {"role": "drug_control_worker", "name": "覃工作者", "from_on": "2021-01-05"})
    await post("visits", {"visited_on": "2021-02-10", "kind": "home_visit", "member_id": member["id"], "notes": "走访"})
    await post(
        "treatment/counselling", {"held_on": "2021-04-01", "provider": "县人民医院", "kind": "psychological"}, health
    )
    await post("welfare/relief", {"granted_on": "2021-05-01", "amount_cny": "300", "reason": "因病致困"})
    await post("work-ability-changes", {"work_ability": "partly", "effective_on": "2021-06-01", "reason": "腿伤"})
    await post("stays", {"kind": "detention", "start_on": "2021-07-01", "end_on": "2021-07-11", "for_drug_use": True})
    await post("register-changes", {"kind": "left", "effective_on": "2021-09-01", "reason_code": "moved_out_of_county"})
    await post("register-changes", {"kind": "returned", "effective_on": "2022-01-01"})
    return pid


async def test_the_nco_gets_everything_held_with_the_full_id_number_audited(registry, auth, history, db):
    response = await registry.get(url(history), headers=auth())
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["person"]["id_number"] == id_number(seq=951) and record["person"]["id_number_unmasked"]
    assert [(m["start_on"], m["in_force"]) for m in record["control_measures"]] == [
        ("2021-01-01", False),
        ("2021-02-01", True),
    ]
    assert [t["result"] for t in record["drug_tests"]] == ["positive"]
    assert [r["occurred_on"] for r in record["relapses"]] == ["2021-03-01"]
    assert [m["name"] for m in record["support_team"]] == ["覃工作者"]
    assert [v["notes"] for v in record["support_visits"]] == ["走访"]
    assert [c["provider"] for c in record["counselling"]] == ["县人民医院"]
    assert record["detox_agreements"] == [] and record["methadone"] == []
    assert [r["amount_cny"] for r in record["relief"]] == ["300.00"]
    assert record["welfare"]["person_id"] == history
    assert record["transfers"] == []
    assert record["person"]["registered_on"] == "2020-12-01"
    assert [(c["effective_on"], c["work_ability"]) for c in record["work_ability_changes"]] == [
        ("2020-12-01", "able"),
        ("2021-06-01", "partly"),
    ]
    assert [(s["kind"], s["start_on"], s["end_on"], s["for_drug_use"]) for s in record["stays"]] == [
        ("detention", "2021-07-01", "2021-07-11", True)
    ]
    assert [(c["kind"], c["effective_on"], c["reason_code"]) for c in record["register_changes"]] == [
        ("left", "2021-09-01", "moved_out_of_county"),
        ("returned", "2022-01-01", None),
    ]
    operations = [e["operation"] for e in record["audit_trail"]]
    assert operations[:4] == ["person.create", "measure.create", "measure.correct", "drug_test.create"]
    rows = (
        (
            await db.execute(
                select(audit.table.c.operation).where(audit.table.c.resource_ids.contains([uuid.UUID(history)]))
            )
        )
        .scalars()
        .all()
    )
    assert rows[-2:] == ["person.id_number.unmask", "person.record.read"]
    assert len(record["audit_trail"]) == len(rows) - 2  # the copy was made before its own entries


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ({"department": "nco"}, 200),
        ({"department": "nco", "roles": ("viewer",)}, 200),
        ({"department": "nco", "roles": ("auditor",)}, 200),
        ({"department": "nco", "jurisdiction": "dapu"}, 403),
        ({"department": "township", "jurisdiction": "dapu"}, 403),
        ({"department": "township", "jurisdiction": "shapu"}, 403),
        ({"department": "police"}, 403),
        ({"department": "health"}, 403),
        ({"department": "civil_affairs"}, 403),
        ({"department": "it", "roles": ("auditor",)}, 403),
        ({"department": "nco", "scopes": []}, 403),
    ],
)
async def test_only_county_nco_staff_take_out_a_whole_record(registry, auth, new_person, db, who, status):
    person = await new_person(name="全档乙", seq=953)
    response = await registry.get(url(person["id"]), headers=auth(**who))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["code"] == "no_record_access"
        assert id_number(seq=953) not in response.text
    outcomes = (
        (await db.execute(select(audit.table.c.outcome).where(audit.table.c.operation == "person.record.read")))
        .scalars()
        .all()
    )
    assert outcomes == ["success" if status == 200 else "denied"]


async def test_an_unknown_person_is_404(registry, auth):
    response = await registry.get(url(str(uuid.uuid4())), headers=auth())
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
