"""The registry's world for the access matrix, and the one request each operation is called with.

Side A (大埔镇 Dapu): a person (on the register since 2025-01-01) with a control measure, a drug test, a support team
member and a visit, treatment (agreement, methadone, counselling), welfare and relief, and a departure and return;
a second person with an open detention and a pending transfer to 太平镇 Taiping;
an import job started by Dapu's township staff. Side B (沙埔镇 Shapu): a person with a measure and a transfer to
Taiping, and an import job of Shapu's. Everything is made through the API by the county NCO (the import jobs by each
township's staff), so the world is what users would make. Every request names side A's objects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from registry.main import create_app
from tests.access import webhooks
from tests.access.matrix import A, B, Call, Harness, World, fill_path
from tests.jobs import same_session
from tests.registry.imports.conftest import csv_file
from tests.registry.persons.conftest import id_number

SERVICE = "registry"
WEBHOOKS = "/api/v1/registry-webhooks"
THIRD = "taiping"
"""Where the worlds' transfers go: a jurisdiction of neither side."""


def make_app(settings, jwks_fetcher):
    return create_app(settings, jwks_fetcher=jwks_fetcher)


async def _ok(response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


async def _person(h: Harness, nco: dict, name: str, seq: int, jurisdiction: str) -> dict[str, Any]:
    body = {
        "name": name,
        "id_number": id_number(date(1988, 3, 4), seq),
        "work_ability": "able",
        "jurisdiction_code": jurisdiction,
        "phone": f"1380000{seq:04d}",
        "registered_on": "2025-01-01",
        "confirm_not_duplicate": True,
    }
    person = await _ok(await h.client.post("/api/v1/persons", json=body, headers=nco))
    person["id_number"] = body["id_number"]
    return person


async def _side(h: Harness, world: World, nco: dict, side: str, jurisdiction: str, seq: int) -> dict[str, Any]:
    """A person of `jurisdiction` with every part of a record, and a second one with a transfer to THIRD."""
    c = h.client
    person = await _person(h, nco, f"{jurisdiction}甲某", seq, jurisdiction)
    pid = person["id"]
    base = f"/api/v1/persons/{pid}"
    measure = await _ok(
        await c.post(
            f"{base}/measures", json={"kind": "community_rehabilitation", "start_on": "2025-03-01"}, headers=nco
        )
    )
    test = await _ok(
        await c.post(
            f"{base}/drug-tests",
            json={
                "tested_on": "2025-06-01",
                "kind": "urine",
                "result": "negative",
                "tested_by": f"{jurisdiction}派出所",
            },
            headers=nco,
        )
    )
    member = await _ok(
        await c.post(
            f"{base}/support-team",
            json={"role": "drug_control_worker", "name": f"{jurisdiction}覃工作者", "from_on": "2025-03-01"},
            headers=nco,
        )
    )
    visit = await _ok(
        await c.post(
            f"{base}/visits",
            json={"visited_on": "2025-04-01", "kind": "home_visit", "member_id": member["id"], "notes": "按时报到"},
            headers=nco,
        )
    )
    agreement = await _ok(
        await c.post(
            f"{base}/treatment/agreements",
            json={
                "institution": "柳城县人民医院",
                "signed_on": "2025-03-01",
                "start_on": "2025-03-05",
                "guardian_signed": True,
            },
            headers=nco,
        )
    )
    methadone = await _ok(
        await c.post(
            f"{base}/treatment/methadone",
            json={"clinic": "柳城县美沙酮维持治疗门诊", "enrolled_on": "2025-03-10"},
            headers=nco,
        )
    )
    counselling = await _ok(
        await c.post(
            f"{base}/treatment/counselling",
            json={"held_on": "2025-04-01", "provider": "县人民医院心理科", "kind": "psychological"},
            headers=nco,
        )
    )
    welfare = await _ok(
        await c.put(
            f"{base}/welfare",
            json={"minimum_living_guarantee": {"status": "granted", "since": "2025-01-01", "amount_cny": "230.50"}},
            headers={**nco, "If-Match": '"0"'},
        ),
        200,
    )
    relief = await _ok(
        await c.post(
            f"{base}/welfare/relief",
            json={"granted_on": "2025-05-01", "amount_cny": "500", "reason": "因病致困"},
            headers=nco,
        )
    )
    # Off the register and back (the return is the change a withdrawal names), and an open stay of the second person
    # (the first must be free to leave the register: a stay may not run past a departure).
    await _ok(
        await c.post(
            f"{base}/register-changes",
            json={"kind": "left", "effective_on": "2025-01-10", "reason_code": "moved_out_of_county"},
            headers=nco,
        )
    )
    returned = await _ok(
        await c.post(f"{base}/register-changes", json={"kind": "returned", "effective_on": "2025-01-20"}, headers=nco)
    )
    person["version"] = (await _ok(await c.get(base, headers=nco), 200))["version"]  # If-Match of the PATCH
    moving = await _person(h, nco, f"{jurisdiction}乙某", seq + 1, jurisdiction)
    stay = await _ok(
        await c.post(
            f"/api/v1/persons/{moving['id']}/stays", json={"kind": "detention", "start_on": "2025-05-01"}, headers=nco
        )
    )
    transfer = await _ok(
        await c.post(
            "/api/v1/transfers",
            json={"person_id": moving["id"], "to_jurisdiction_code": THIRD, "reason": "随家人迁居"},
            headers=nco,
        )
    )
    world.hide(
        side,
        pid,
        person["name"],
        person["id_number"],
        measure["id"],
        test["id"],
        member["id"],
        member["name"],
        visit["id"],
        agreement["id"],
        methadone["id"],
        counselling["id"],
        relief["id"],
        moving["id"],
        moving["name"],
        moving["id_number"],
        transfer["id"],
        returned["id"],
        stay["id"],
    )
    return {
        "person": person,
        "measure": measure,
        "member": member,
        "methadone": methadone,
        "welfare": welfare,
        "transfer": transfer,
        "moving": moving,
        "returned": returned,
        "stay": stay,
    }


async def _import_job(h: Harness, world: World, side: str, jurisdiction: str, token: Callable[..., str], seq: int):
    """An import by the township's own staff: one person registered, one bad row (an issue)."""
    importer = h.app.state.person_imports
    importer.runner.sessions = same_session(h.session)
    rows = [
        ["姓名", "公民身份号码", "就业能力", "所属乡镇"],
        [f"{jurisdiction}丙某", id_number(date(1991, 5, 6), seq), "有劳动能力", jurisdiction],
        [f"{jurisdiction}丁某", "123", "有劳动能力", jurisdiction],
    ]
    staff = {"Authorization": f"Bearer {token(roles=['staff'], department='township', jurisdiction=jurisdiction)}"}
    started = await _ok(await h.client.post("/api/v1/person-imports", files=csv_file(rows), headers=staff), 202)
    await importer.runner.drain()
    world.hide(side, started["id"], rows[1][0], rows[1][1], rows[2][0])
    return started


async def build(h: Harness, token: Callable[..., str], **_: str) -> World:
    world = World()
    nco = {"Authorization": f"Bearer {token(roles=['staff'], department='nco')}"}
    a = await _side(h, world, nco, "A", A, 101)
    await _side(h, world, nco, "B", B, 201)
    job = await _import_job(h, world, "A", A, token, 301)
    await _import_job(h, world, "B", B, token, 401)
    await webhooks.seed(h, world, token, WEBHOOKS, "civil_affairs", "person.created")
    world.extra.update(a=a, job=job)
    world.ids.update(
        code=A,
        person_id=a["person"]["id"],
        measure_id=a["measure"]["id"],
        member_id=a["member"]["id"],
        enrolment_id=a["methadone"]["id"],
        transfer_id=a["transfer"]["id"],
        change_id=a["returned"]["id"],
        stay_id=a["stay"]["id"],
        job_id=job["id"],
    )
    return world


def _if_match(version: Any) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def _a(w: World) -> dict[str, Any]:
    return w.extra["a"]


P = "/api/v1/persons/{person_id}"
REFERENCE = {("GET", "/api/v1/jurisdictions"), ("GET", "/api/v1/jurisdictions/{code}")}
"""Operations that answer reference data naming every jurisdiction by design."""
KNOWN_LEAKS: dict[tuple[str, str], str] = {}
"""Operations whose answers are known to carry the other side's objects, with the issue that tracks each: the
matrix checks everything else about them, and that the leak is still there (so its fix cannot land unnoticed)."""
NOT_A_LIST = {
    ("GET", "/api/v1/audit-events/verify"): "the hash chain's verdict, not a list of objects",
    **webhooks.not_a_list(WEBHOOKS),
}
"""Collection GETs whose answer holds no side's objects, so the check that a county-wide caller sees both sides does
not apply (each with why)."""

REQUESTS: dict[tuple[str, str], Callable[[World], Call]] = {
    ("GET", "/api/v1/persons"): lambda w: Call("/api/v1/persons", params={"limit": 200}),
    ("GET", "/api/v1/persons/export"): lambda w: Call("/api/v1/persons/export", params={"format": "csv"}),
    ("POST", "/api/v1/persons"): lambda w: Call(
        "/api/v1/persons",
        json={
            "name": "新登记",
            "id_number": id_number(date(1992, 7, 8), 501),
            "work_ability": "able",
            "jurisdiction_code": A,
        },
    ),
    ("POST", "/api/v1/persons/search-by-id-number"): lambda w: Call(
        "/api/v1/persons/search-by-id-number", json={"id_number": _a(w)["person"]["id_number"]}
    ),
    ("POST", "/api/v1/persons/lookup"): lambda w: Call("/api/v1/persons/lookup", json={"ids": [w.ids["person_id"]]}),
    ("PATCH", P): lambda w: Call(
        fill_path(P, w.ids), json={"skills": ["缫丝"]}, headers=_if_match(_a(w)["person"]["version"])
    ),
    ("POST", P + "/archive"): lambda w: Call(fill_path(P + "/archive", w.ids), json={"reason": "期满解除社区康复"}),
    ("POST", "/api/v1/person-imports"): lambda w: Call(
        "/api/v1/person-imports",
        params={"dry_run": "true"},
        files=csv_file(
            [
                ["姓名", "公民身份号码", "就业能力", "所属乡镇"],
                ["试导入", id_number(date(1993, 1, 2), 601), "有劳动能力", A],
            ]
        ),
    ),
    ("POST", P + "/measures"): lambda w: Call(
        fill_path(P + "/measures", w.ids), json={"kind": "voluntary_detox", "start_on": "2025-07-01"}
    ),
    ("POST", P + "/measures/{measure_id}/end"): lambda w: Call(
        fill_path(P + "/measures/{measure_id}/end", w.ids),
        json={"actual_end_on": "2025-09-01", "end_reason": "completed"},
    ),
    ("POST", P + "/measures/{measure_id}/corrections"): lambda w: Call(
        fill_path(P + "/measures/{measure_id}/corrections", w.ids),
        json={"kind": "community_rehabilitation", "start_on": "2025-03-02", "reason": "决定书日期录入错误"},
    ),
    ("GET", P + "/status"): lambda w: Call(fill_path(P + "/status", w.ids), params={"as_of": "2025-08-01"}),
    ("POST", P + "/drug-tests"): lambda w: Call(
        fill_path(P + "/drug-tests", w.ids),
        json={"tested_on": "2025-08-01", "kind": "urine", "result": "negative", "tested_by": "大埔派出所"},
    ),
    ("POST", P + "/support-team"): lambda w: Call(
        fill_path(P + "/support-team", w.ids),
        json={"role": "community_police", "name": "黄民警", "organisation": "大埔派出所", "from_on": "2025-05-01"},
    ),
    ("POST", P + "/support-team/{member_id}/leave"): lambda w: Call(
        fill_path(P + "/support-team/{member_id}/leave", w.ids), json={"to_on": "2025-08-31"}
    ),
    ("POST", P + "/visits"): lambda w: Call(
        fill_path(P + "/visits", w.ids),
        json={"visited_on": "2025-08-01", "kind": "home_visit", "member_id": w.ids["member_id"], "notes": "在家"},
    ),
    ("POST", P + "/treatment/agreements"): lambda w: Call(
        fill_path(P + "/treatment/agreements", w.ids),
        json={
            "institution": "柳城县人民医院",
            "signed_on": "2025-08-01",
            "start_on": "2025-08-05",
            "guardian_signed": False,
        },
    ),
    # The first person's enrolment is open (for the /end above): one person has one open enrolment, so the second.
    ("POST", P + "/treatment/methadone"): lambda w: Call(
        fill_path(P + "/treatment/methadone", {"person_id": _a(w)["moving"]["id"]}),
        json={"clinic": "柳城县美沙酮门诊", "enrolled_on": "2025-08-01"},
    ),
    ("POST", P + "/treatment/methadone/{enrolment_id}/end"): lambda w: Call(
        fill_path(P + "/treatment/methadone/{enrolment_id}/end", w.ids),
        json={"ended_on": "2025-09-01", "end_reason": "completed"},
    ),
    ("POST", P + "/treatment/counselling"): lambda w: Call(
        fill_path(P + "/treatment/counselling", w.ids),
        json={"held_on": "2025-08-01", "provider": "县人民医院心理科", "kind": "psychological"},
    ),
    ("PUT", P + "/welfare"): lambda w: Call(
        fill_path(P + "/welfare", w.ids),
        json={"medical_insurance": "urban_resident"},
        headers=_if_match(_a(w)["welfare"]["version"]),
    ),
    ("POST", P + "/welfare/relief"): lambda w: Call(
        fill_path(P + "/welfare/relief", w.ids),
        json={"granted_on": "2025-08-01", "amount_cny": "300", "reason": "临时困难"},
    ),
    ("POST", P + "/register-changes"): lambda w: Call(
        fill_path(P + "/register-changes", w.ids),
        json={"kind": "left", "effective_on": "2025-08-01", "reason_code": "moved_out_of_county"},
    ),
    ("POST", P + "/register-changes/{change_id}/withdrawal"): lambda w: Call(
        fill_path(P + "/register-changes/{change_id}/withdrawal", w.ids), json={"reason": "录入错误"}
    ),
    ("POST", P + "/work-ability-changes"): lambda w: Call(
        fill_path(P + "/work-ability-changes", w.ids),
        json={"work_ability": "partly", "effective_on": "2025-06-01", "reason": "腿伤"},
    ),
    ("POST", P + "/stays"): lambda w: Call(
        fill_path(P + "/stays", w.ids), json={"kind": "hospital", "start_on": "2025-06-01", "end_on": "2025-06-05"}
    ),
    # The open stay is the second person's (see _side).
    ("GET", P + "/stays"): lambda w: Call(fill_path(P + "/stays", {"person_id": _a(w)["moving"]["id"]})),
    ("POST", P + "/stays/{stay_id}/end"): lambda w: Call(
        fill_path(P + "/stays/{stay_id}/end", {"person_id": _a(w)["moving"]["id"], "stay_id": w.ids["stay_id"]}),
        json={"end_on": "2025-05-15"},
    ),
    ("POST", P + "/stays/{stay_id}/withdrawal"): lambda w: Call(
        fill_path(P + "/stays/{stay_id}/withdrawal", {"person_id": _a(w)["moving"]["id"], "stay_id": w.ids["stay_id"]}),
        json={"reason": "录错人"},
    ),
    ("POST", "/api/v1/transfers"): lambda w: Call(
        "/api/v1/transfers",
        json={"person_id": w.ids["person_id"], "to_jurisdiction_code": "liutang", "reason": "随家人迁居"},
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/accept"): lambda w: Call(
        fill_path("/api/v1/transfers/{transfer_id}/accept", w.ids), headers=_if_match(_a(w)["transfer"]["version"])
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/reject"): lambda w: Call(
        fill_path("/api/v1/transfers/{transfer_id}/reject", w.ids),
        json={"reason": "经核实本人未在本镇居住"},
        headers=_if_match(_a(w)["transfer"]["version"]),
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/cancel"): lambda w: Call(
        fill_path("/api/v1/transfers/{transfer_id}/cancel", w.ids), headers=_if_match(_a(w)["transfer"]["version"])
    ),
    **webhooks.requests(WEBHOOKS, "civil_affairs", "person.created"),
}
