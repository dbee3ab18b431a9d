"""Bulletins (通报): published once with frozen, suppressed figures; as XLSX with native charts and Chinese headings,
as PDF whose text layer carries the Chinese title and the township names, and each chart as PNG and SVG."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reporting.feeds import catch_up

PROBLEM = "application/problem+json"


@pytest.fixture
async def published(reporting, reporting_session, feeds, auth):
    dapu = [feeds.person(jurisdiction="dapu") for _ in range(12)]
    for person in dapu[:7]:
        feeds.placement(person, date(2013, 4, 1))
    shapu = [feeds.person(jurisdiction="shapu") for _ in range(2)]
    feeds.placement(shapu[0], date(2013, 4, 1))
    liutang = [feeds.person(jurisdiction="liutang") for _ in range(8)]
    feeds.placement(liutang[0], date(2013, 4, 1))
    await catch_up(reporting_session, feeds)
    response = await reporting.post(
        "/api/v1/bulletins", json={"period": "2013"}, headers=auth() | {"Idempotency-Key": "bulletin-2013"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def figures(bulletin: dict, code: str) -> dict:
    indicator = next(i for i in bulletin["report"]["indicators"] if i["code"] == code)
    return {f["jurisdiction_code"]: f for f in [indicator["county"], *indicator["jurisdictions"]]}


async def test_a_bulletin_is_published_with_suppressed_small_counts(reporting, auth, published):
    assert published["number"] == "柳禁毒通〔2013〕1号"
    assert published["title_zh"] == "柳城县“启航工程”2013年工作进展情况通报"
    placement = figures(published, "placement_rate")
    assert (placement["dapu"]["numerator"], placement["dapu"]["denominator"], placement["dapu"]["value"]) == (
        7,
        12,
        "58.33",
    )
    # Shapu: 1 of 2 is withheld even for the county's own office: a bulletin is safe to share.
    assert placement["shapu"]["suppressed"] and placement["shapu"]["numerator_display"] == "<5"
    assert placement["shapu"]["value"] is None and placement["shapu"]["rank"] is None
    # Liutang: 1 of 8, a numerator under 5.
    assert placement["liutang"]["suppressed"] and placement["liutang"]["denominator_display"] == "—"
    assert len(published["trend"]) == 12 and published["trend"][-1]["period"] == "2013-12"
    assert published["files"]["pdf"].endswith("/file?format=pdf")
    assert published["report"]["revisions"] == []


async def test_the_same_key_replays_the_bulletin_and_township_staff_may_read_it_but_not_publish(
    reporting, auth, published
):
    nco = published  # published with one NCO token; a retry is another request of the same subject in real life
    listed = await reporting.get("/api/v1/bulletins", headers=auth(department="township", jurisdiction="shapu"))
    assert listed.status_code == 200 and [b["id"] for b in listed.json()["items"]] == [nco["id"]]
    read = await reporting.get(
        f"/api/v1/bulletins/{nco['id']}", headers=auth(department="township", jurisdiction="shapu")
    )
    assert read.status_code == 200 and read.json()["report"] == nco["report"]
    refused = await reporting.post(
        "/api/v1/bulletins", json={"period": "2013"}, headers=auth(department="township", jurisdiction="dapu")
    )
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    missing = await reporting.get("/api/v1/bulletins/8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a", headers=auth())
    assert missing.status_code == 404 and missing.json()["code"] == "bulletin_not_found"
    bad = await reporting.post("/api/v1/bulletins", json={"period": "2013-14"}, headers=auth())
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.period"


async def test_the_pdf_text_layer_has_the_chinese_title_and_township_names(reporting, auth, published):
    response = await reporting.get(
        f"/api/v1/bulletins/{published['id']}/file", params={"format": "pdf"}, headers=auth()
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "柳城县“启航工程”2013年工作进展情况通报",
        "大埔镇",
        "沙埔镇",
        "古砦仫佬族乡",
        "伏虎华侨经济管理区",
        "就业安置率",
        "未达标",
    ):
        assert expected in text
    assert "58.33%" in text


async def test_the_xlsx_has_chinese_headings_and_native_charts(reporting, auth, published):
    response = await reporting.get(
        f"/api/v1/bulletins/{published['id']}/file", params={"format": "xlsx"}, headers=auth()
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "全县汇总",
        "就业安置率",
        "管控率",
        "戒断巩固率",
        "技能培训覆盖率",
        "未达标乡镇",
        "月度走势",
    ]
    summary = workbook["全县汇总"]
    assert summary["A2"].value == "柳城县“启航工程”2013年工作进展情况通报"
    placement = workbook["就业安置率"]
    assert [c.value for c in placement[1]] == ["排名", "乡镇", "分子", "分母", "就业安置率(%)", "目标(%)", "达标情况"]
    rows = {r[1]: r for r in placement.iter_rows(min_row=2, values_only=True)}
    assert rows["大埔镇"][2:6] == ("7", "12", 58.33, 50.0) and rows["沙埔镇"][2] == "<5"
    assert len(placement._charts) == 1 and len(workbook["月度走势"]._charts) == 1
    below = {r[0]: r[1] for r in workbook["未达标乡镇"].iter_rows(min_row=2, values_only=True)}
    assert below["就业安置率"] == "无"  # Dapu met 50%; the others are withheld, not named


@pytest.mark.parametrize("chart", ["placement_rate", "trend"])
async def test_charts_as_png_and_svg(reporting, auth, published, chart):
    png = await reporting.get(
        f"/api/v1/bulletins/{published['id']}/charts/{chart}", params={"format": "png"}, headers=auth()
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = await reporting.get(
        f"/api/v1/bulletins/{published['id']}/charts/{chart}", params={"format": "svg"}, headers=auth()
    )
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and b"<path" in svg.content
    unknown = await reporting.get(f"/api/v1/bulletins/{published['id']}/charts/pie", headers=auth())
    assert unknown.status_code == 422
