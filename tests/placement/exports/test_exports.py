import codecs
import csv
import io
import uuid

from openpyxl import load_workbook
from sqlalchemy import select

from placement.audit.models import audit
from tests.placement.imports.conftest import DAPU, EMPLOYER_HEADER, PLACEMENT_HEADER, URL, credit_code, csv_file

EMPLOYERS = "/api/v1/employers/export"
PLACEMENTS = "/api/v1/placements/export"
PROBLEM = "application/problem+json"


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body[len(codecs.BOM_UTF8) :].decode())))


async def test_employer_csv_export_has_the_import_headings_and_the_lists_filters(env, auth, new_employer):
    await new_employer(name="甲厂", unified_social_credit_code=credit_code(1), sector_code="C")
    await new_employer(name="=乙店", kind="individual_business", contacts=[{"name": "韦经理", "phone": "0772-7612345"}])
    await new_employer(name="丙厂", jurisdiction_code="shapu")
    response = await env.client.get(EMPLOYERS, params={"jurisdiction_code": "dapu"}, headers=auth())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.content)
    assert rows[0][:8] == EMPLOYER_HEADER and rows[0][8:] == ["启航企业", "认定状态", "登记时间", "单位编号"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"甲厂", "'=乙店"}  # a formula-looking name is defused; 丙厂 is filtered out
    assert by_name["甲厂"][1:5] == ["企业", credit_code(1), "大埔镇", "制造业"]
    assert by_name["'=乙店"][6:10] == ["韦经理", "0772-7612345", "否", "未认定"]

    kinds = await env.client.get(EMPLOYERS, params={"kind": "individual_business"}, headers=auth())
    assert [r[0] for r in read_csv(kinds.content)[1:]] == ["'=乙店"]


async def test_township_staff_export_only_their_own_employers_and_bad_parameters_are_422(env, auth, new_employer):
    await new_employer(name="甲厂")
    await new_employer(name="丙厂", jurisdiction_code="shapu")
    response = await env.client.get(EMPLOYERS, headers=auth(**DAPU))
    assert [r[0] for r in read_csv(response.content)[1:]] == ["甲厂"]
    for params in ({"format": "pdf"}, {"kind": "farm"}):
        bad = await env.client.get(EMPLOYERS, params=params, headers=auth())
        assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)


async def test_an_employer_export_imports_again_and_skips_every_row(env, auth, new_employer):
    await new_employer(name="甲厂", unified_social_credit_code=credit_code(2), sector_code="C")
    await new_employer(name="乙店", kind="private_owner", contacts=[{"name": "韦经理", "phone": "0772-7612345"}])
    for fmt in ("csv", "xlsx"):
        exported = await env.client.get(EMPLOYERS, params={"format": fmt}, headers=auth())
        files = {"file": (f"employers.{fmt}", exported.content, exported.headers["content-type"])}
        report = await env.client.post(
            URL, files=files, params={"kind": "employers", "dry_run": "true"}, headers=auth()
        )
        assert report.status_code == 200, report.text
        body = report.json()
        assert (body["format"], body["failed"], body["would_create"]) == (fmt, 0, 0)
        assert body["would_skip"] == body["total"] >= 2


async def place_two(env, auth, new_employer, new_post) -> tuple[list[str], str]:
    employer_id = await new_employer(unified_social_credit_code=credit_code(3))
    await new_post(employer_id, headcount=5)
    people = [env.registry.add(), env.registry.add()]
    rows = [
        PLACEMENT_HEADER,
        [people[0], "集中安置", credit_code(3), "缫丝工", "HT-1", "2026-01-01", "2026-01-01", "2026-12-31", "2200"],
        [people[1], "分散安置", "柳城县鹏鑫源茧丝绸公司", "", "HT-2", "2026-02-01", "2026-02-01", "", "1800.5"],
    ]
    job = await env.run(csv_file(rows), auth(), "placements")
    assert job["created"] == 2, job
    return people, employer_id


async def test_a_placement_xlsx_export_is_audited_and_imports_again(env, auth, new_employer, new_post):
    people, _ = await place_two(env, auth, new_employer, new_post)
    response = await env.client.get(PLACEMENTS, params={"format": "xlsx"}, headers=auth())
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:10] == [*PLACEMENT_HEADER[:4], "用工形式", *PLACEMENT_HEADER[4:]]
    assert {r[0] for r in rows[1:]} == set(people)
    first = next(r for r in rows[1:] if r[0] == people[0])
    assert first[1:6] == ["集中安置", credit_code(3), "缫丝工", "全日制", "HT-1"]
    (entry,) = (
        await env.session.execute(
            select(audit.table.c.resource_ids, audit.table.c.outcome).where(
                audit.table.c.operation == "placement.export"
            )
        )
    ).all()
    assert {str(i) for i in entry.resource_ids} == set(people) and entry.outcome == "success"

    files = {"file": ("placements.xlsx", response.content, response.headers["content-type"])}
    report = await env.client.post(URL, files=files, params={"kind": "placements", "dry_run": "true"}, headers=auth())
    assert report.status_code == 200, report.text
    assert (report.json()["would_skip"], report.json()["would_create"], report.json()["failed"]) == (2, 0, 0)


async def test_a_placement_csv_export_follows_the_lists_filters_and_scope(env, auth, new_employer, new_post):
    people, _ = await place_two(env, auth, new_employer, new_post)
    response = await env.client.get(PLACEMENTS, params={"route": "dispersed"}, headers=auth())
    rows = read_csv(response.content)
    assert [r[0] for r in rows[1:]] == [people[1]]
    assert rows[1][7:10] == ["2026-02-01", "", "1800.50"]  # open-ended: no end day
    other = await env.client.get(PLACEMENTS, headers=auth(department="township", jurisdiction="shapu"))
    assert read_csv(other.content)[1:] == []
    refused = await env.client.get(PLACEMENTS, headers=auth(department="finance"))
    assert refused.status_code == 403 and refused.headers["content-type"].startswith(PROBLEM)


async def test_the_export_routes_are_not_taken_for_an_id(env, auth):
    for url in (EMPLOYERS, PLACEMENTS):
        response = await env.client.get(url, headers=auth())
        assert response.status_code == 200, (url, response.text)
    missing = await env.client.get(f"/api/v1/placements/{uuid.uuid4()}", headers=auth())
    assert missing.status_code == 404
