import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit.models import audit
from registry.exports import service as export_service
from tests.registry.persons.conftest import id_number

URL = "/api/v1/persons/export"
DAPU = {"department": "township", "jurisdiction": "dapu"}


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
async def three(new_person):
    """Two people in Dapu (one with a formula-like note), one in Shapu."""
    return [
        await new_person(
            confirm_not_duplicate=True, name="出口甲", seq=851, notes='=HYPERLINK("http://x")', skills=["缫丝", "电焊"]
        ),
        await new_person(
            confirm_not_duplicate=True, name="出口乙", born=date(1970, 5, 5), seq=853, education="junior_high"
        ),
        await new_person(confirm_not_duplicate=True, name="出口丙", seq=855, jurisdiction_code="shapu"),
    ]


async def export_audits(db, operation: str = "person.export"):
    return (await db.execute(select(audit.table).where(audit.table.c.operation == operation))).all()


async def test_csv_export_has_chinese_headings_masked_ids_and_the_lists_filters(registry, auth, three, db):
    response = await registry.get(URL, params={"q": "出口", "jurisdiction_code": "dapu"}, headers=auth())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.content)
    assert [r["姓名"] for r in rows] == ["出口乙", "出口甲"]  # sorted by name, as the list
    first = rows[1]
    assert first["公民身份号码"] == id_number(seq=851)[:6] + "********" + id_number(seq=851)[-4:]
    assert (first["所属乡镇"], first["性别"], first["就业能力"], first["技能"]) == (
        "大埔镇",
        "男",
        "有劳动能力",
        "缫丝、电焊",
    )
    assert first["备注"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["文化程度"] == "初中"
    assert id_number(seq=851) not in response.text
    [entry] = await export_audits(db)
    assert {str(i) for i in entry.resource_ids} == {three[0]["id"], three[1]["id"]}


async def test_xlsx_export_streams_every_page(registry, auth, three, monkeypatch):
    monkeypatch.setattr(export_service, "PAGE", 1)  # one person per page: the keyset pages must join up
    response = await registry.get(URL, params={"q": "出口", "format": "xlsx", "sort": "-name"}, headers=auth())
    assert response.status_code == 200, response.text
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert values[0][:4] == ("姓名", "性别", "出生日期", "公民身份号码")
    assert [v[0] for v in values[1:]] == ["出口甲", "出口乙", "出口丙"]
    workbook.close()


async def test_township_staff_export_only_their_own_people(registry, auth, three, db):
    rows = read_csv((await registry.get(URL, params={"q": "出口"}, headers=auth(**DAPU))).content)
    assert sorted(r["姓名"] for r in rows) == ["出口乙", "出口甲"]
    other = read_csv(
        (
            await registry.get(
                URL, params={"jurisdiction_code": "dapu"}, headers=auth(department="township", jurisdiction="shapu")
            )
        ).content
    )
    assert other == []
    entries = await export_audits(db)
    assert [len(e.resource_ids) for e in entries] == [2, 0]


async def test_full_id_numbers_only_for_those_who_may_unmask_them(registry, auth, three, db):
    full = await registry.get(URL, params={"q": "出口甲", "id_numbers": "full"}, headers=auth())
    assert read_csv(full.content)[0]["公民身份号码"] == id_number(seq=851)
    assert [len(e.resource_ids) for e in await export_audits(db, "person.export.unmasked")] == [1]
    refused = await registry.get(URL, params={"q": "出口甲", "id_numbers": "full"}, headers=auth(department="health"))
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    masked = await registry.get(URL, params={"q": "出口甲"}, headers=auth(department="health"))
    assert masked.status_code == 200 and id_number(seq=851) not in masked.text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ({"department": "nco"}, 200),
        ({"department": "police"}, 200),
        ({"department": "human_resources", "roles": ("viewer",)}, 200),
        ({"department": "finance"}, 403),
        ({"department": "justice"}, 403),
    ],
)
async def test_who_may_export(registry, auth, who, status, db):
    response = await registry.get(URL, headers=auth(**who))
    assert response.status_code == status, response.text
    outcomes = [e.outcome for e in await export_audits(db)]
    assert outcomes == ["success" if status == 200 else "denied"]


async def test_the_export_route_is_not_taken_for_a_person_id_and_checks_its_parameters(registry, auth):
    assert (await registry.get(URL, params={"format": "pdf"}, headers=auth())).status_code == 422
    assert (await registry.get(URL, params={"cursor": "junk"}, headers=auth())).status_code in (200, 400)
    assert (await registry.get(URL, headers=auth())).status_code == 200
