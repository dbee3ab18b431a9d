import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, update

from registry.audit.models import audit
from registry.events import outbox
from registry.imports.models import jobs_table
from registry.persons.models import Person
from tests.jobs import finished_job, xlsx_bytes
from tests.registry.imports.conftest import HEADER, csv_file
from tests.registry.persons.conftest import id_number

DAPU = {"department": "township", "jurisdiction": "dapu"}
SHAPU = {"department": "township", "jurisdiction": "shapu"}
URL = "/api/v1/person-imports"
PROBLEM = "application/problem+json"


async def people_with(reg, numbers: list[str]) -> list[Person]:
    hashes = [reg.importer.cipher.lookup_hash(n) for n in numbers]
    return list((await reg.session.scalars(select(Person).where(Person.id_number_hash.in_(hashes)))).all())


async def run(reg, files, headers, **params) -> dict:
    """Start an import, wait for it, and return the finished job."""
    started = await reg.client.post(URL, files=files, headers=headers, params=params)
    return await finished_job(reg.client, started, URL, headers, reg.drain)


async def test_a_dry_run_reports_every_bad_row_and_writes_nobody(reg, auth):
    good = id_number(date(1990, 1, 1), 11)
    bad_check = id_number(date(1990, 1, 1), 13)[:-1] + ("0" if id_number(date(1990, 1, 1), 13)[-1] != "0" else "1")
    rows = [
        ["姓名", "性别", "公民身份号码", "就业能力", "所属乡镇", "文化程度", "联系电话"],
        ["韦一", "男", good, "有劳动能力", "大埔镇", "初中", "13800000001"],
        ["韦二", "男", bad_check, "able", "dapu", "", ""],
        ["", "女", id_number(date(1990, 1, 1), 15), "部分丧失劳动能力", "火星镇", "博士后", "abc"],
        ["韦四", "男", good, "有劳动能力", "大埔镇", "", ""],
    ]
    response = await reg.client.post(URL, files=csv_file(rows), params={"dry_run": "true"}, headers=auth())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total"], report["would_create"], report["would_skip"], report["failed"]) == (4, 1, 0, 3)
    issues = {(i["line"], i["column"]) for i in report["issues"]}
    assert (3, "公民身份号码") in issues
    assert {(4, "姓名"), (4, "所属乡镇"), (4, "文化程度"), (4, "联系电话"), (4, "性别")} <= issues
    assert (4, "性别") in issues  # 女, but the number says male
    assert (5, "公民身份号码") in issues  # the same ID number as row 2
    assert bad_check not in response.text and good not in response.text
    assert await people_with(reg, [good]) == []


async def test_an_import_registers_good_rows_in_the_background_like_single_creates(reg, auth):
    numbers = [id_number(date(1985, 5, 5), seq) for seq in range(101, 131, 2)]
    rows = [["姓名", "公民身份号码", "就业能力", "所属乡镇", "技能"]]
    rows += [[f"覃{i}号", n, "有劳动能力", "大埔镇", "缫丝、电焊"] for i, n in enumerate(numbers)]
    rows.append(["坏行", "123", "有劳动能力", "大埔镇", ""])
    chain_before = await reg.session.scalar(select(func.count()).select_from(audit.table))
    job = await run(reg, csv_file(rows), auth())
    assert (job["status"], job["total"], job["processed"]) == ("succeeded", 16, 16)
    assert (job["created"], job["skipped"], job["failed"]) == (15, 0, 1)
    assert [(r["line"], r["column"]) for r in job["failed_rows"]] == [(17, "公民身份号码")]
    people = await people_with(reg, numbers)
    assert len(people) == 15
    assert {tuple(p.skills) for p in people} == {("缫丝", "电焊")}
    assert {p.jurisdiction_code for p in people} == {"dapu"}
    ids = {p.id for p in people}
    creates = (await reg.session.execute(select(audit.table).where(audit.table.c.operation == "person.create"))).all()
    created_entries = [e for e in creates if set(e.resource_ids) <= ids]
    assert len(created_entries) == 15
    assert created_entries[0].changes["id_number"] == {"old": None, "new": "[redacted]"}
    events = (
        await reg.session.execute(
            select(outbox.table.c.aggregate_id, outbox.table.c.data).where(outbox.table.c.kind == "person.created")
        )
    ).all()
    assert {e.aggregate_id for e in events} >= ids
    assert all("name" not in e.data for e in events)
    verified = await audit.verify(reg.session)
    assert verified.ok, verified
    assert await reg.session.scalar(select(func.count()).select_from(audit.table)) > chain_before + 15


async def test_running_the_same_file_again_skips_everyone_already_registered(reg, auth):
    numbers = [id_number(date(1987, 7, 7), seq) for seq in (201, 203, 205)]
    rows = [HEADER] + [[f"蒙{i}", n, "able", "dapu"] for i, n in enumerate(numbers)]
    first = await run(reg, csv_file(rows), auth())
    assert first["created"] == 3
    rows.append(["蒙新", id_number(date(1987, 7, 7), 207), "able", "dapu"])
    again = await run(reg, csv_file(rows), auth())
    assert (again["created"], again["skipped"], again["failed"]) == (1, 3, 0)
    issues = await reg.client.get(f"{URL}/{again['id']}/issues", params={"outcome": "skipped"}, headers=auth())
    assert [(i["line"], i["outcome"]) for i in issues.json()["items"]] == [
        (2, "skipped"),
        (3, "skipped"),
        (4, "skipped"),
    ]


async def test_township_staff_import_only_their_own_jurisdictions_people(reg, auth):
    own, other = id_number(date(1991, 1, 1), 301), id_number(date(1991, 1, 1), 303)
    rows = [
        ["姓名", "公民身份号码", "就业能力", "所属乡镇"],
        ["黄一", own, "able", ""],
        ["黄二", other, "able", "沙埔镇"],
    ]
    job = await run(reg, csv_file(rows), auth(**DAPU))
    assert (job["created"], job["failed"]) == (1, 1)
    assert job["failed_rows"][0]["column"] == "所属乡镇"
    assert [p.jurisdiction_code for p in await people_with(reg, [own, other])] == ["dapu"]


async def test_county_staff_must_name_the_jurisdiction(reg, auth):
    rows = [["姓名", "公民身份号码", "就业能力"], ["黄三", id_number(date(1991, 1, 1), 305), "able"]]
    report = (await reg.client.post(URL, files=csv_file(rows), params={"dry_run": True}, headers=auth())).json()
    assert [(i["line"], i["column"]) for i in report["issues"]] == [(2, "所属乡镇")]


async def test_same_name_and_birth_date_needs_confirmation(reg, auth):
    born = date(1992, 2, 2)
    first = [HEADER, ["潘小明", id_number(born, 401), "able", "dapu"]]
    assert (await run(reg, csv_file(first), auth()))["created"] == 1
    second = [[*HEADER, "确认非重复"], ["潘小明", id_number(born, 403), "able", "dapu", ""]]
    job = await run(reg, csv_file(second), auth())
    assert (job["created"], job["failed"]) == (0, 1)
    assert "确认非重复" in job["failed_rows"][0]["reason"]
    second[1][4] = "是"
    assert (await run(reg, csv_file(second), auth()))["created"] == 1


async def test_gb18030_csv_and_xlsx_files_import(reg, auth):
    gb = [HEADER, ["陆一", id_number(date(1980, 3, 3), 501), "有劳动能力", "凤山镇"]]
    assert (await run(reg, csv_file(gb, encoding="gb18030"), auth()))["created"] == 1
    rows = [
        ["柳城县社区康复人员名单"],
        ["序号", "姓名", "身份证号", "出生日期", "就业能力", "所属乡镇", "联系电话"],
        [1, "陆二", id_number(date(1980, 3, 3), 503), date(1980, 3, 3), "有劳动能力", "fengshan", 13900000000],
    ]
    files = {"file": ("名单.xlsx", xlsx_bytes(rows), "application/octet-stream")}
    job = await run(reg, files, auth())
    assert (job["created"], job["failed"]) == (1, 0), job
    [person] = await people_with(reg, [id_number(date(1980, 3, 3), 503)])
    assert (person.phone, person.jurisdiction_code) == ("13900000000", "fengshan")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 64, 415, "unsupported_file_type"),
        ("姓名,身份证,电话号\n韦某,1,2\n".encode(), 422, "bad_file_structure"),
        ("姓名,就业能力\n韦某,able\n".encode(), 422, "bad_file_structure"),
        (b"", 422, "bad_file_structure"),
    ],
    ids=["xls", "unknown-heading", "missing-id-heading", "empty"],
)
async def test_unusable_files_are_refused_with_a_problem_and_no_job(reg, auth, content, status, code):
    response = await reg.client.post(URL, files={"file": ("x.csv", content, "text/csv")}, headers=auth())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM and response.json()["code"] == code
    assert await reg.session.scalar(select(func.count()).select_from(jobs_table)) == 0


async def test_a_file_over_the_limits_is_413(database_url, jwks_fetcher, make_token):
    from registry.main import create_app
    from tests.conftest import _isolated_client, _settings

    url = database_url("registry")
    app = create_app(
        _settings("registry", url, import_max_file_bytes=2048, import_max_rows=3), jwks_fetcher=jwks_fetcher
    )
    headers = {"Authorization": f"Bearer {make_token()}"}
    async for client, _session in _isolated_client(app, url):
        big = ("姓名,身份证号,就业能力\n" + "韦某,1,able\n" * 400).encode()
        response = await client.post(URL, files={"file": ("a.csv", big, "text/csv")}, headers=headers)
        assert response.status_code == 413 and response.headers["content-type"] == PROBLEM
        many = ("姓名,身份证号,就业能力\n" + "韦某,1,able\n" * 4).encode()
        response = await client.post(URL, files={"file": ("a.csv", many, "text/csv")}, headers=headers)
        assert response.status_code == 413 and response.json()["code"] == "too_many_rows"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ({"department": "nco"}, 200),
        (DAPU, 200),
        ({"department": "nco", "roles": ("viewer",)}, 403),
        ({"department": "police"}, 403),
        ({"department": "health"}, 403),
        ({"department": "finance"}, 403),
    ],
)
async def test_who_may_import(reg, auth, who, status):
    rows = [HEADER, ["韦某", id_number(date(1990, 1, 1), 601), "able", "dapu"]]
    response = await reg.client.post(URL, files=csv_file(rows), params={"dry_run": True}, headers=auth(**who))
    assert response.status_code == status, response.text


async def test_a_job_is_seen_by_its_department_and_jurisdiction_and_the_nco_only(reg, auth):
    rows = [HEADER, ["韦某", id_number(date(1990, 1, 1), 701), "able", "dapu"]]
    job = await run(reg, csv_file(rows), auth(**DAPU))
    where = f"{URL}/{job['id']}"
    assert (await reg.client.get(where, headers=auth(**DAPU))).status_code == 200  # a colleague
    assert (await reg.client.get(where, headers=auth())).status_code == 200  # the NCO
    for other in (auth(**SHAPU), auth(department="police"), auth(department="nco", jurisdiction="dapu")):
        assert (await reg.client.get(where, headers=other)).status_code in (403, 404)
        assert (await reg.client.get(f"{where}/issues", headers=other)).status_code in (403, 404)
    assert (await reg.client.get(where, headers=auth(**SHAPU))).status_code == 404
    listed = await reg.client.get(URL, headers=auth(**SHAPU))
    assert listed.status_code == 200 and job["id"] not in listed.text
    assert job["id"] in (await reg.client.get(URL, headers=auth(**DAPU))).text
    assert (await reg.client.get(f"{URL}/{uuid.uuid4()}", headers=auth())).status_code == 404


async def test_a_job_left_running_by_a_dead_process_reads_as_interrupted(reg, auth):
    rows = [HEADER, ["韦某", id_number(date(1990, 1, 1), 801), "able", "dapu"]]
    job = await run(reg, csv_file(rows), auth())
    await reg.session.execute(
        update(jobs_table)
        .where(jobs_table.c.id == uuid.UUID(job["id"]))
        .values(status="running", finished_at=None, heartbeat_at=func.now() - func.make_interval(0, 0, 0, 0, 1))
    )
    read = (await reg.client.get(f"{URL}/{job['id']}", headers=auth())).json()
    assert read["status"] == "interrupted" and "upload the same file again" in read["error"]
    assert await reg.importer.runner.recover() == 0  # already marked; a fresh process finds nothing more


async def test_a_fresh_running_job_is_not_interrupted(reg, auth):
    rows = [HEADER, ["韦某", id_number(date(1990, 1, 1), 803), "able", "dapu"]]
    job = await run(reg, csv_file(rows), auth())
    await reg.session.execute(
        update(jobs_table).where(jobs_table.c.id == uuid.UUID(job["id"])).values(status="running", finished_at=None)
    )
    assert (await reg.client.get(f"{URL}/{job['id']}", headers=auth())).json()["status"] == "running"


async def test_an_idempotency_key_replays_the_job_instead_of_starting_another(reg, auth):
    rows = [HEADER, ["韦某", id_number(date(1990, 1, 1), 901), "able", "dapu"]]
    headers = auth() | {"Idempotency-Key": "import-1"}
    first = await reg.client.post(URL, files=csv_file(rows), headers=headers)
    await reg.drain()
    again = await reg.client.post(URL, files=csv_file(rows), headers=headers)
    assert again.status_code == 202 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert (first.json()["status"], again.json()["status"]) == ("queued", "succeeded")
    assert await reg.session.scalar(select(func.count()).select_from(jobs_table)) == 1
    other = [HEADER, ["韦某", id_number(date(1990, 1, 1), 903), "able", "dapu"]]
    refused = await reg.client.post(URL, files=csv_file(other), headers=headers)
    assert refused.status_code == 422 and refused.json()["code"] == "idempotency_key_reused"


async def test_back_entered_rows_carry_their_dates_and_a_departure(reg, auth):
    """Paper records of 2012: 登记日期, 就业能力认定日期, and someone who died in 2013 (离册日期 / 离册原因)."""
    from registry.history.models import RegisterChange, WorkAbilityChange

    alive, dead = id_number(date(1980, 3, 3), 201), id_number(date(1981, 4, 4), 203)
    rows = [
        [
            "姓名",
            "公民身份号码",
            "就业能力",
            "就业能力说明",
            "所属乡镇",
            "登记日期",
            "就业能力认定日期",
            "离册日期",
            "离册原因",
        ],
        ["蓝一", alive, "部分丧失劳动能力", "腿伤", "大埔镇", "2012-06-15", "2012年7月1日", "", ""],
        ["蓝二", dead, "有劳动能力", "", "大埔镇", "2012/3/1", "", "2013-09-30", "死亡"],
    ]
    job = await run(reg, csv_file(rows), auth())
    assert (job["created"], job["failed"]) == (2, 0), job
    people = {p.name: p for p in await people_with(reg, [alive, dead])}
    first, second = people["蓝一"], people["蓝二"]
    assert (first.registered_on, first.work_ability_since, first.status) == (
        date(2012, 6, 15),
        date(2012, 7, 1),
        "active",
    )
    assert (second.registered_on, second.status, second.archived_on, second.archive_reason_code) == (
        date(2012, 3, 1),
        "archived",
        date(2013, 9, 30),
        "died",
    )
    changes = (
        await reg.session.execute(
            select(WorkAbilityChange.person_id, WorkAbilityChange.effective_on, WorkAbilityChange.work_ability).where(
                WorkAbilityChange.person_id.in_([first.id, second.id])
            )
        )
    ).all()
    assert sorted((str(p), d, a) for p, d, a in changes) == sorted(
        [(str(first.id), date(2012, 7, 1), "partly"), (str(second.id), date(2012, 3, 1), "able")]
    )
    departures = (
        await reg.session.execute(
            select(RegisterChange.person_id, RegisterChange.kind, RegisterChange.effective_on).where(
                RegisterChange.person_id.in_([first.id, second.id])
            )
        )
    ).all()
    assert [tuple(r) for r in departures] == [(second.id, "left", date(2013, 9, 30))]
    events = (
        await reg.session.execute(
            select(outbox.table.c.kind, outbox.table.c.data).where(outbox.table.c.aggregate_id == second.id)
        )
    ).all()
    assert [k for k, _ in events] == ["person.created", "work_ability.changed", "person.archived"]
    created, ability, archived = (data for _, data in events)
    assert (ability["work_ability"], ability["effective_on"]) == ("able", "2012-03-01")
    assert (created["schema_version"], created["registered_on"], created["birth_date"]) == (
        2,
        "2012-03-01",
        "1981-04-04",
    )
    assert (archived["effective_on"], archived["reason_code"], "birth_date" in archived) == (
        "2013-09-30",
        "died",
        False,
    )
    status = await reg.client.get(f"/api/v1/persons/{second.id}/status", params={"as_of": "2013-09-30"}, headers=auth())
    assert (status.json()["on_record"], status.json()["off_register_reason"]) == (False, "died")


async def test_bad_dates_in_a_row_are_named_and_nothing_is_written(reg, auth):
    number = id_number(date(1990, 1, 1), 205)
    rows = [
        ["姓名", "公民身份号码", "就业能力", "所属乡镇", "登记日期", "就业能力认定日期", "离册日期", "离册原因"],
        ["黄一", number, "有劳动能力", "大埔镇", "1989-12-31", "1989-01-01", "2012-01-01", ""],
        ["黄二", id_number(date(1990, 1, 1), 207), "有劳动能力", "大埔镇", "2013-01-01", "", "2012-01-01", "迁出"],
        ["黄三", id_number(date(1990, 1, 1), 209), "有劳动能力", "大埔镇", "2013-02-30", "", "", "升天"],
    ]
    response = await reg.client.post(URL, files=csv_file(rows), params={"dry_run": "true"}, headers=auth())
    assert response.status_code == 200, response.text
    issues = {(i["line"], i["column"]) for i in response.json()["issues"]}
    assert {
        (2, "登记日期"),
        (2, "就业能力认定日期"),
        (2, "离册原因"),
        (3, "离册日期"),
        (4, "登记日期"),
        (4, "离册原因"),
    } <= issues
    assert response.json()["would_create"] == 0
    assert await people_with(reg, [number]) == []
