"""Who may import what, as a matrix of kind of caller × kind of import (a dry run, which writes nothing either way)."""

import pytest

from tests.placement.imports.conftest import EMPLOYER_HEADER, PLACEMENT_HEADER, URL, credit_code, csv_file

ALLOWED_EMPLOYERS = {"nco", "human_resources", "township"}
ALLOWED_PLACEMENTS = {"nco", "human_resources", "township"}
DEPARTMENTS = [
    "nco",
    "human_resources",
    "township",
    "finance",
    "civil_affairs",
    "police",
    "justice",
    "health",
    "industry_commerce",
    "development_reform",
    "trade_union",
]


def headers_of(auth, department: str) -> dict:
    return auth(department=department, jurisdiction="dapu" if department == "township" else None)


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_employer_imports_by_department(env, auth, department):
    files = csv_file([EMPLOYER_HEADER, ["甲厂", "企业", credit_code(7), "大埔镇", "", "", "", ""]])
    params = {"kind": "employers", "dry_run": "true"}
    response = await env.client.post(URL, files=files, params=params, headers=headers_of(auth, department))
    assert response.status_code == (200 if department in ALLOWED_EMPLOYERS else 403), response.text
    if response.status_code == 200:
        assert response.json()["would_create"] == 1


@pytest.mark.parametrize("department", DEPARTMENTS)
async def test_placement_imports_by_department(env, auth, department):
    person = env.registry.add(jurisdiction_code="dapu")
    files = csv_file([[*PLACEMENT_HEADER[:2], "合同开始日期"], [person, "灵活就业", "2026-01-01"]])
    params = {"kind": "placements", "dry_run": "true"}
    response = await env.client.post(URL, files=files, params=params, headers=headers_of(auth, department))
    assert response.status_code == (200 if department in ALLOWED_PLACEMENTS else 403), response.text
    if response.status_code == 200:
        assert response.json()["would_create"] == 1


@pytest.mark.parametrize("kind", ["employers", "placements"])
async def test_an_employers_own_system_and_a_platform_service_may_not_import(env, make_token, kind):
    employer = make_token(
        roles=["integration"], department=None, kind="client", scopes=["placement:read", "placement:write"], emp="x"
    )
    service = make_token(roles=["service"], department="it", kind="client", scopes=["placement:read"])
    files = csv_file([EMPLOYER_HEADER, ["甲厂", "企业", "", "大埔镇", "", "", "", ""]])
    for token in (employer, service):
        response = await env.client.post(
            URL, files=files, params={"kind": kind, "dry_run": "true"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403, response.text
