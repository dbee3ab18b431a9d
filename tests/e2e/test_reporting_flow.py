"""Reporting across the real processes: people registered and placed through the gateway reach reporting's read
model over the registry's and placement's feeds (its own client, svc-reporting); the county's and the townships'
figures follow; a township officer sees their own jurisdiction in detail and the others suppressed; the NCO publishes
a bulletin whose PDF and XLSX carry the Chinese title and the township names. Its people live in Liutang and
Fengshan, where no other e2e test registers anyone (the system is shared by the whole session)."""

import io
import uuid
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.e2e.conftest import call, new_employer, wait_until
from tests.e2e.steps import id_number, new_user, placement_body, register_person

pytestmark = pytest.mark.e2e

NAMES = ("覃某某", "韦某某", "蓝某某", "莫某某")


FIRST_BORN = date(1988, 3, 9)


def user(system, admin_token: str, department: str, jurisdiction: str | None) -> dict[str, str]:
    return new_user(system, admin_token, f"{department}.rep", department, jurisdiction)


@pytest.fixture(scope="module")
def nco(system, admin_token):
    return user(system, admin_token, "nco", None)


@pytest.fixture(scope="module")
def liutang(system, admin_token):
    return user(system, admin_token, "township", "liutang")


def register(system, headers, seq: int, jurisdiction: str) -> str:
    # On the register since the detox began: placement checks the person on the contract's start date.
    since = date.today() - timedelta(days=200)
    return register_person(
        system,
        headers,
        id_number(seq, FIRST_BORN),
        since,
        name=NAMES[seq % len(NAMES)],
        jurisdiction=jurisdiction,
        measures=({"kind": "community_detox", "start_on": str(since)},),
    )


def place(system, headers, person_id: str, employer_id: str) -> None:
    body = placement_body(person_id, employer_id, f"RP-{uuid.uuid4().hex[:8]}", date.today() - timedelta(days=3))
    placed = call(system, "POST", "/api/v1/placements", headers, json=body)
    assert placed.status_code == 201, placed.text


def figures(report: dict, code: str) -> dict:
    indicator = next(i for i in report["indicators"] if i["code"] == code)
    return {f["jurisdiction_code"]: f for f in [indicator["county"], *indicator["jurisdictions"]]}


def report(system, headers) -> dict:
    response = call(system, "GET", "/api/v1/reports/indicators", headers, params={"period": str(date.today())})
    assert response.status_code == 200, response.text
    return response.json()


def test_registered_and_placed_people_reach_the_figures_and_the_bulletin(system, nco, liutang):
    liutang_people = [register(system, liutang, 500 + i, "liutang") for i in range(6)]
    for i in range(2):
        register(system, nco, 520 + i, "fengshan")
    employer_id = new_employer(system, liutang, "柳城县六塘镇蔗糖厂", "liutang")
    # Placement hears of the people from the registry's feed too before it may place them.
    for person_id in liutang_people[:3]:
        wait_until(
            lambda pid=person_id: _placeable(system, liutang, pid, employer_id),
            "placement did not accept the person",
            system.logs["placement"],
            timeout=30,
        )

    def caught_up() -> bool:
        placement = figures(report(system, nco), "placement_rate")
        ours = (
            placement["liutang"]["numerator"],
            placement["liutang"]["denominator"],
            placement["fengshan"]["denominator"],
        )
        return ours == (3, 6, 2)

    wait_until(caught_up, "reporting did not catch up with the feeds", system.logs["reporting"], timeout=90)
    county = report(system, nco)
    assert county["definition_version"] == 1
    placement = figures(county, "placement_rate")
    assert (placement["liutang"]["numerator"], placement["liutang"]["denominator"], placement["liutang"]["value"]) == (
        3,
        6,
        "50.00",
    )
    assert (placement["fengshan"]["numerator"], placement["fengshan"]["denominator"]) == (0, 2)
    # The county is the sum of its jurisdictions (other e2e tests' people included).
    townships = [f for code, f in placement.items() if code != "liucheng"]
    assert placement["liucheng"]["numerator"] == sum(f["numerator"] for f in townships)
    assert placement["liucheng"]["denominator"] == sum(f["denominator"] for f in townships) >= 8
    on_record = figures(county, "on_record")
    assert (on_record["liutang"]["value"], on_record["fengshan"]["value"]) == ("6.00", "2.00")
    assert figures(county, "control_rate")["liutang"]["value"] == "100.00"
    sources = {s["source"]: s for s in county["data_as_of"]}
    assert sources["registry"]["as_of"] is not None and sources["placement"]["as_of"] is not None

    township = report(system, liutang)
    seen = figures(township, "placement_rate")
    assert seen["liutang"]["numerator"] == 3 and not seen["liutang"]["suppressed"]
    assert seen["fengshan"]["suppressed"] and seen["fengshan"]["denominator_display"] == "<5"

    published = call(system, "POST", "/api/v1/bulletins", nco, json={"period": str(date.today())})
    assert published.status_code == 201, published.text
    bulletin = published.json()
    pdf = call(system, "GET", f"/api/v1/bulletins/{bulletin['id']}/file", liutang, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert bulletin["title_zh"] in text and "六塘镇" in text and "凤山镇" in text
    xlsx = call(system, "GET", f"/api/v1/bulletins/{bulletin['id']}/file", liutang, params={"format": "xlsx"})
    workbook = load_workbook(io.BytesIO(xlsx.content))
    rows = {r[1]: r for r in workbook["就业安置率"].iter_rows(min_row=2, values_only=True)}
    assert rows["六塘镇"][2:5] == ("<5", "—", None)  # published: a numerator under 5 is withheld
    png = call(
        system, "GET", f"/api/v1/bulletins/{bulletin['id']}/charts/placement_rate", liutang, params={"format": "png"}
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def _placeable(system, headers, person_id: str, employer_id: str) -> bool:
    """Place the person; False while placement has not yet heard of them from the registry."""
    try:
        place(system, headers, person_id, employer_id)
    except AssertionError:
        return False
    return True
