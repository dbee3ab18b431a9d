async def test_lists_the_county_and_its_fourteen_jurisdictions(registry, make_token):
    response = await registry.get(
        "/api/v1/jurisdictions", headers={"Authorization": f"Bearer {make_token(roles=['viewer'])}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 15
    county = body[0]
    assert (county["code"], county["name_zh"], county["parent_code"]) == ("liucheng", "柳城县", None)
    names = {j["name_zh"] for j in body[1:]}
    assert {"大埔镇", "古砦仫佬族乡", "伏虎华侨经济管理区"} <= names
    assert {j["parent_code"] for j in body[1:]} == {"liucheng"}


async def test_gets_one_jurisdiction_and_404s_an_unknown_code(registry, make_token):
    headers = {"Authorization": f"Bearer {make_token()}"}
    ok = await registry.get("/api/v1/jurisdictions/guzhai", headers=headers)
    assert ok.json()["kind_label_zh"] == "民族乡"
    missing = await registry.get("/api/v1/jurisdictions/nowhere", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "jurisdiction_not_found"


async def test_refuses_a_call_without_a_token(registry):
    response = await registry.get("/api/v1/jurisdictions")
    assert response.status_code == 401
    assert response.json()["code"] == "missing_token"


async def test_refuses_a_token_without_the_read_scope(registry, make_token):
    response = await registry.get(
        "/api/v1/jurisdictions", headers={"Authorization": f"Bearer {make_token(scopes=['placement:read'])}"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
