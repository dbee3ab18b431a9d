import uuid

from sqlalchemy import func, select, update

from placement.employers.models import Employer
from placement.events import outbox
from placement.imports.models import jobs_table
from tests.placement.imports.conftest import (
    DAPU,
    EMPLOYER_HEADER,
    PROBLEM,
    SHAPU,
    URL,
    credit_code,
    csv_file,
    xlsx_file,
)


async def employers_named(db, *names: str) -> list[Employer]:
    return list((await db.scalars(select(Employer).where(Employer.name.in_(names)).order_by(Employer.name))).all())


async def test_a_dry_run_reports_every_bad_row_with_line_and_column_and_writes_nothing(env, auth):
    bad_check = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    rows = [
        EMPLOYER_HEADER,
        ["柳城县鹏鑫源茧丝绸公司", "企业", credit_code(1), "大埔镇", "制造业", "龙江路88号", "韦经理", "0772-7612345"],
        ["甲商店", "个体工商户", bad_check, "dapu", "F", "", "", ""],
        ["", "合作社", "", "火星镇", "Z", "", "", "0772-1"],
        ["乙公司", "企业", credit_code(1), "大埔镇", "", "", "", ""],
    ]
    response = await env.client.post(
        URL, files=csv_file(rows), params={"kind": "employers", "dry_run": "true"}, headers=auth()
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["kind"], report["format"]) == ("employers", "csv")
    assert (report["total"], report["would_create"], report["would_skip"], report["failed"]) == (4, 1, 0, 3)
    issues = {(i["line"], i["column"]) for i in report["issues"]}
    assert (3, "统一社会信用代码") in issues
    assert {(4, "单位名称"), (4, "单位类型"), (4, "所属乡镇"), (4, "行业"), (4, "联系人")} <= issues
    assert (5, "统一社会信用代码") in issues  # the same code as row 2
    assert bad_check not in response.text
    assert await employers_named(env.session, "柳城县鹏鑫源茧丝绸公司") == []


async def test_an_import_creates_employers_in_the_background_like_single_creates_and_a_rerun_skips_them(env, auth):
    rows = [
        EMPLOYER_HEADER,
        ["柳城县鹏鑫源茧丝绸公司", "企业", credit_code(11), "大埔镇", "C", "龙江路88号", "韦经理", "0772-7612345"],
        ["韦记粉店", "个体工商户", "", "沙埔镇", "住宿和餐饮业", "", "", ""],
        ["坏行", "企业", "", "大埔镇", "Z", "", "", ""],
    ]
    events_before = await env.session.scalar(select(func.count()).select_from(outbox.table))
    job = await env.run(csv_file(rows, name="单位.csv"), auth(), "employers")
    assert job["status"] == "succeeded" and job["status_label_zh"] == "已完成" and job["kind"] == "employers"
    assert (job["total"], job["processed"], job["created"], job["skipped"], job["failed"]) == (3, 3, 2, 0, 1)
    assert [(r["line"], r["column"]) for r in job["failed_rows"]] == [(4, "行业")]
    silk, noodles = await employers_named(env.session, "柳城县鹏鑫源茧丝绸公司", "韦记粉店")
    assert (silk.kind, silk.unified_social_credit_code, silk.jurisdiction_code, silk.sector_code) == (
        "enterprise",
        credit_code(11),
        "dapu",
        "C",
    )
    assert silk.contacts == [{"name": "韦经理", "role": None, "phone": "0772-7612345"}]
    assert (noodles.kind, noodles.jurisdiction_code, noodles.sector_code) == ("individual_business", "shapu", "H")
    kinds = (
        await env.session.scalars(
            select(outbox.table.c.kind).where(outbox.table.c.aggregate_id.in_([silk.id, noodles.id]))
        )
    ).all()
    assert sorted(kinds) == ["employer.created", "employer.created"]
    assert await env.session.scalar(select(func.count()).select_from(outbox.table)) == events_before + 2

    again = await env.run(csv_file(rows, name="单位.csv"), auth(), "employers")
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 1)
    skipped = await env.client.get(f"{URL}/{again['id']}/issues", params={"outcome": "skipped"}, headers=auth())
    assert [(i["line"], i["outcome"]) for i in skipped.json()["items"]] == [(2, "skipped"), (3, "skipped")]
    assert len(await employers_named(env.session, "柳城县鹏鑫源茧丝绸公司", "韦记粉店")) == 2


async def test_township_staff_import_employers_only_into_their_own_jurisdiction(env, auth):
    rows = [EMPLOYER_HEADER, ["甲厂", "企业", "", "", "", "", "", ""], ["乙厂", "企业", "", "东泉镇", "", "", "", ""]]
    job = await env.run(csv_file(rows), auth(**DAPU), "employers")
    assert (job["created"], job["failed"]) == (1, 1)
    assert job["failed_rows"][0]["line"] == 3 and job["failed_rows"][0]["column"] == "所属乡镇"
    (made,) = await employers_named(env.session, "甲厂")
    assert made.jurisdiction_code == "dapu"
    assert await employers_named(env.session, "乙厂") == []

    county = await env.client.post(
        URL, files=csv_file(rows), params={"kind": "employers", "dry_run": "true"}, headers=auth()
    )
    assert [(i["line"], i["column"]) for i in county.json()["issues"] if i["outcome"] == "failed"] == [(2, "所属乡镇")]


async def test_an_xlsx_with_a_title_row_imports(env, auth):
    rows = [["大埔镇用人单位名单"], EMPLOYER_HEADER, ["丙厂", "私营业主", credit_code(21), "大埔镇", "", "", "", ""]]
    job = await env.run(xlsx_file(rows), auth(), "employers")
    assert (job["total"], job["created"]) == (1, 1)
    (made,) = await employers_named(env.session, "丙厂")
    assert made.kind == "private_owner"


async def test_unknown_headings_are_refused_whole_and_nothing_is_queued(env, auth):
    rows = [[*EMPLOYER_HEADER[:7], "联系电活"], ["丁厂", "企业", "", "大埔镇", "", "", "", ""]]
    response = await env.client.post(URL, files=csv_file(rows), params={"kind": "employers"}, headers=auth())
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    assert "联系电活" in response.json()["detail"]
    listed = await env.client.get(URL, headers=auth())
    assert listed.json()["items"] == []


async def test_who_may_import_employers(env, auth):
    rows = csv_file([EMPLOYER_HEADER, ["戊厂", "企业", "", "大埔镇", "", "", "", ""]])
    for headers, status in (
        (auth(department="finance"), 403),
        (auth(department="police"), 403),
        (auth(department="human_resources"), 200),
        (auth(**DAPU), 200),
    ):
        params = {"kind": "employers", "dry_run": "true"}
        response = await env.client.post(URL, files=rows, params=params, headers=headers)
        assert response.status_code == status, (headers, response.text)
    assert await employers_named(env.session, "戊厂") == []


async def test_a_job_is_seen_by_its_department_and_jurisdiction_and_the_nco_only(env, auth):
    files = csv_file([EMPLOYER_HEADER, ["己厂", "企业", "", "", "", "", "", ""]])
    job = await env.run(files, auth(**DAPU), "employers")
    url = f"{URL}/{job['id']}"
    assert (await env.client.get(url, headers=auth(**DAPU))).status_code == 200
    assert (await env.client.get(url, headers=auth())).status_code == 200
    for other in (auth(**SHAPU), auth(department="human_resources")):
        assert (await env.client.get(url, headers=other)).status_code == 404
        assert (await env.client.get(f"{url}/issues", headers=other)).status_code == 404
        assert job["id"] not in (await env.client.get(URL, headers=other)).text
    assert job["id"] in (await env.client.get(URL, params={"kind": "employers"}, headers=auth())).text
    assert job["id"] not in (await env.client.get(URL, params={"kind": "placements"}, headers=auth())).text


async def test_an_idempotency_key_replays_the_job_instead_of_starting_another(env, auth):
    files = csv_file([EMPLOYER_HEADER, ["庚厂", "企业", "", "大埔镇", "", "", "", ""]])
    headers = auth() | {"Idempotency-Key": "import-geng-1"}
    first = await env.client.post(URL, files=files, params={"kind": "employers"}, headers=headers)
    await env.drain()
    second = await env.client.post(URL, files=files, params={"kind": "employers"}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert second.headers.get("idempotent-replayed") == "true" and second.json()["id"] == first.json()["id"]
    assert second.json()["status"] == "succeeded"
    assert len(await employers_named(env.session, "庚厂")) == 1


async def test_a_job_left_running_by_a_dead_process_is_interrupted_at_start_up(env, auth):
    files = csv_file([EMPLOYER_HEADER, ["辛厂", "企业", "", "大埔镇", "", "", "", ""]])
    job = await env.run(files, auth(), "employers")
    await env.session.execute(
        update(jobs_table)
        .where(jobs_table.c.id == uuid.UUID(job["id"]))
        .values(status="running", finished_at=None, heartbeat_at=func.now() - func.make_interval(0, 0, 0, 0, 1))
    )
    assert await env.importer.runner.recover() == 1
    read = (await env.client.get(f"{URL}/{job['id']}", headers=auth())).json()
    assert read["status"] == "interrupted" and "upload the same file again" in read["error"]
