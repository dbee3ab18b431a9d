"""Bad input is a 4xx problem, never a 500: control characters in any text input (one check for every service and
the gateway), made-up or misplaced cursors, and unknown filter codes. Each case here was a 500 or a silent empty
answer before."""

from __future__ import annotations

import json
from datetime import date

import pytest

from placement.main import create_app as create_placement
from registry.main import create_app as create_registry
from registry.persons.national_id import check_char
from tests.gateway.conftest import login, running_gateway

PROBLEM = "application/problem+json"


def id_number(seq: int, born: date = date(1990, 1, 1)) -> str:
    first17 = f"450222{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


@pytest.fixture
def county(make_token):
    return {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}


@pytest.fixture
async def registry(service_client):
    async with service_client("registry", create_registry) as (client, _session):
        yield client


@pytest.fixture
async def placement(service_client):
    async with service_client("placement", create_placement) as (client, _session):
        yield client


def assert_refused(response, *fields: str, status: int = 422, code: str = "validation_error") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == code
    assert [e["field"] for e in body.get("errors", [])] == list(fields)
    assert "\x00" not in response.text and "\\u0000" not in response.text  # the bad input is never echoed


# --- control characters --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["\x00", "王\x00勇", "\x1b[31m", "\x7f", "a\nb", "\x85"])
async def test_a_control_character_in_a_query_parameter_is_a_422_naming_it(registry, placement, county, value):
    assert_refused(await registry.get("/api/v1/persons", params={"q": value}, headers=county), "query.q")
    assert_refused(await placement.get("/api/v1/employers", params={"q": value}, headers=county), "query.q")


async def test_a_control_character_in_a_path_parameter_is_a_422_naming_it(registry, county):
    assert_refused(await registry.get("/api/v1/jurisdictions/da%00pu", headers=county), "path.code")


async def test_a_nul_in_a_json_body_is_a_422_naming_the_field_and_nothing_is_written(registry, county):
    body = {"name": "\u0000", "id_number": id_number(401), "work_ability": "able", "jurisdiction_code": "dapu"}
    assert_refused(await registry.post("/api/v1/persons", json=body, headers=county), "body.name")
    found = await registry.post(
        "/api/v1/persons/search-by-id-number", json={"id_number": id_number(401)}, headers=county
    )
    assert found.status_code == 404, found.text


async def test_nested_fields_are_named_and_every_bad_one_is_listed(placement, county):
    body = {
        "name": "某\x07厂",
        "kind": "enterprise",
        "jurisdiction_code": "dapu",
        "contacts": [{"name": "韦经理", "phone": "0772"}, {"name": "覃\x00", "phone": "0772"}],
    }
    response = await placement.post("/api/v1/employers", json=body, headers=county)
    assert_refused(response, "body.name", "body.contacts.1.name")


async def test_tab_and_newlines_are_free_text_but_a_lone_surrogate_is_not(registry, county):
    body = {
        "name": "韦某",
        "id_number": id_number(402),
        "work_ability": "able",
        "jurisdiction_code": "dapu",
        "notes": "第一行\r\n第二行\t完",
    }
    created = await registry.post("/api/v1/persons", json=body, headers=county)
    assert created.status_code == 201, created.text
    assert created.json()["notes"] == "第一行\r\n第二行\t完"
    raw = json.dumps({**body, "id_number": id_number(403), "notes": "x"}).replace('"x"', '"\\ud800"')
    response = await registry.post(
        "/api/v1/persons", content=raw, headers={**county, "Content-Type": "application/json"}
    )
    assert_refused(response, "body.notes")


async def test_json_nested_too_deeply_to_parse_is_a_400_not_a_500(registry, county):
    raw = "[" * 100_000 + "]" * 100_000
    response = await registry.post(
        "/api/v1/persons", content=raw, headers={**county, "Content-Type": "application/json"}
    )
    assert_refused(response, status=400, code="malformed_json")


async def test_a_control_character_in_an_uploaded_csv_cell_is_a_422_naming_row_and_column(registry, county):
    csv = f"姓名,公民身份号码,劳动能力,所属乡镇\n韦\x01某,{id_number(404)},有劳动能力,大埔镇\n".encode()
    response = await registry.post(
        "/api/v1/person-imports",
        params={"dry_run": "true"},
        files={"file": ("people.csv", csv, "text/csv")},
        headers=county,
    )
    assert_refused(response, "line 2 姓名", code="bad_file_structure")


async def test_gateway_form_fields_urlencoded_and_multipart_are_checked(database_url):
    async with running_gateway(database_url("gateway")) as gateway:
        urlencoded = await login(gateway, "ad\x00min", "whatever")
        assert_refused(urlencoded, "body.username")
        multipart = await gateway.post(
            "/api/v1/auth/token",
            files={"grant_type": (None, "password"), "username": (None, "admin"), "password": (None, "pw\x00")},
        )
        assert_refused(multipart, "body.password")
        assert_refused(await gateway.get("/api/v1/persons", params={"q": "\x00"}), "query.q")


async def test_a_clean_multipart_upload_still_reaches_the_route(registry, county):
    csv = f"姓名,公民身份号码,劳动能力,所属乡镇\n韦某,{id_number(405)},有劳动能力,大埔镇\n".encode()
    response = await registry.post(
        "/api/v1/person-imports",
        params={"dry_run": "true"},
        files={"file": ("people.csv", csv, "text/csv")},
        headers=county,
    )
    assert response.status_code == 200, response.text
    assert response.json()["would_create"] == 1


# --- cursors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "W1sxXSwgWzJdXQ",  # [[1], [2]]: was a 500 (lists reached the query)
        "WyJ4Il0",  # ["x"]
        "bm90IGpzb24",
        "!!!",
        "W1sxXSwgWzJdXQ.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
async def test_a_cursor_this_service_did_not_issue_is_a_400(registry, placement, county, cursor):
    for client, path in ((registry, "/api/v1/persons"), (placement, "/api/v1/employers")):
        response = await client.get(path, params={"cursor": cursor}, headers=county)
        assert_refused(response, status=400, code="invalid_cursor")


async def test_a_cursor_of_another_sort_or_another_key_is_a_400_and_a_real_one_pages_on(service_client, county):
    async with service_client("registry", create_registry) as (registry, _session):
        for seq in range(411, 414):
            body = {
                "name": f"翻页{seq}",
                "id_number": id_number(seq),
                "work_ability": "able",
                "jurisdiction_code": "dapu",
                "confirm_not_duplicate": True,
            }
            assert (await registry.post("/api/v1/persons", json=body, headers=county)).status_code == 201
        first = await registry.get("/api/v1/persons", params={"q": "翻页", "limit": 1}, headers=county)
        cursor = first.json()["next_cursor"]
        second = await registry.get(
            "/api/v1/persons", params={"q": "翻页", "limit": 1, "cursor": cursor}, headers=county
        )
        assert [p["name"] for p in first.json()["items"] + second.json()["items"]] == ["翻页411", "翻页412"]
        other_sort = await registry.get(
            "/api/v1/persons", params={"q": "翻页", "sort": "-created_at", "cursor": cursor}, headers=county
        )
        assert_refused(other_sort, status=400, code="invalid_cursor")
        payload, _, signature = cursor.partition(".")
        tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
        response = await registry.get("/api/v1/persons", params={"cursor": tampered}, headers=county)
        assert_refused(response, status=400, code="invalid_cursor")
    async with service_client("registry", create_registry, cursor_key="another-registry-key-" + "k" * 20) as (
        other,
        _session,
    ):
        response = await other.get("/api/v1/persons", params={"cursor": cursor}, headers=county)
        assert_refused(response, status=400, code="invalid_cursor")


async def test_gateway_admin_lists_refuse_a_cursor_of_the_wrong_shape(database_url):
    async with running_gateway(database_url("gateway")) as gateway:
        token = (await login(gateway, "admin", "admin-password-for-tests")).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("/api/v1/admin/users", "/api/v1/admin/clients", "/api/v1/admin/auth-events"):
            response = await gateway.get(path, params={"cursor": "WyJ4Il0"}, headers=headers)
            assert_refused(response, status=400, code="invalid_cursor")


# --- unknown filter codes ------------------------------------------------------------------------------------------

UNKNOWN_CODES = ["' OR 1=1", "nowhere", "DAPU"]


@pytest.mark.parametrize("code", UNKNOWN_CODES)
async def test_an_unknown_jurisdiction_in_a_registry_or_placement_list_is_a_422(registry, placement, county, code):
    for client, path in (
        (registry, "/api/v1/persons"),
        (registry, "/api/v1/persons/export"),
        (registry, "/api/v1/transfers"),
        (placement, "/api/v1/employers"),
        (placement, "/api/v1/placements"),
    ):
        response = await client.get(path, params={"jurisdiction_code": code}, headers=county)
        assert_refused(response, "query.jurisdiction_code")
    known = await registry.get("/api/v1/persons", params={"jurisdiction_code": "dapu"}, headers=county)
    assert known.status_code == 200, known.text


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/api/v1/persons", "status", "deleted"),
        ("/api/v1/persons", "measure", "' OR 1=1"),
        ("/api/v1/employers", "kind", "farm"),
        ("/api/v1/employers", "sector_code", "Z"),
    ],
)
async def test_an_unknown_enum_value_in_a_list_filter_is_a_422(registry, placement, county, path, field, value):
    client = registry if path == "/api/v1/persons" else placement
    assert_refused(await client.get(path, params={field: value}, headers=county), f"query.{field}")


async def test_gateway_user_list_refuses_unknown_departments_and_jurisdictions(database_url):
    async with running_gateway(database_url("gateway")) as gateway:
        token = (await login(gateway, "admin", "admin-password-for-tests")).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for field in ("department", "jurisdiction"):
            response = await gateway.get("/api/v1/admin/users", params={field: "' OR 1=1"}, headers=headers)
            assert_refused(response, f"query.{field}")
        known = await gateway.get("/api/v1/admin/users", params={"department": "township"}, headers=headers)
        assert known.status_code == 200, known.text
