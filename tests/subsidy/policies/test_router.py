import uuid

import pytest

URL = "/api/v1/subsidy-policies"
PROBLEM = "application/problem+json"

# The notice's three bands, in the notice's order (largest first): >=100, 50-99, 1-49.
NOTICE_TIERS = [
    {"min_headcount": 100, "max_headcount": None, "amount_cny": "30000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount_cny": "20000.00"},
    {"min_headcount": 1, "max_headcount": 49, "amount_cny": "10000.00"},
]


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def policy(**overrides):
    body = {
        "year": 2013,
        "title": "2013年度“启航工程”企业安置经费补助标准",
        "effective_from": "2013-01-01",
        "effective_to": "2013-12-31",
        "tiers": NOTICE_TIERS,
        "notes": "依据柳城政办〔2012〕84号",
    }
    body.update(overrides)
    return body


@pytest.fixture
def finance(make_token):
    return make_token(roles=["staff"], department="finance")


async def create(client, token, **overrides):
    response = await client.post(URL, json=policy(**overrides), headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def count_all(client, token) -> int:
    response = await client.get(URL, params={"limit": 200}, headers=bearer(token))
    assert response.status_code == 200
    return len(response.json()["items"])


async def test_writes_a_draft_with_its_tiers_and_reads_it_back(subsidy, finance):
    response = await subsidy.post(URL, json=policy(), headers=bearer(finance))
    assert response.status_code == 201
    body = response.json()
    assert (body["year"], body["version"], body["status"], body["status_label_zh"]) == (2013, 1, "draft", "草稿")
    assert body["minimum_contract_months"] == 12
    assert body["published_at"] is None
    assert body["tiers"] == [
        {"min_headcount": 1, "max_headcount": 49, "amount_cny": "10000.00", "label_zh": "1–49人"},
        {"min_headcount": 50, "max_headcount": 99, "amount_cny": "20000.00", "label_zh": "50–99人"},
        {"min_headcount": 100, "max_headcount": None, "amount_cny": "30000.00", "label_zh": "100人及以上"},
    ]
    assert response.headers["location"] == f"{URL}/{body['id']}"

    detail = await subsidy.get(f"{URL}/{body['id']}", headers=bearer(finance))
    assert detail.status_code == 200
    assert detail.json() == body


async def test_numbers_versions_within_each_year(subsidy, finance):
    first = await create(subsidy, finance)
    second = await create(subsidy, finance, title="修订稿")
    other_year = await create(subsidy, finance, year=2014, effective_from="2014-01-01", effective_to="2014-12-31")
    assert (first["version"], second["version"], other_year["version"]) == (1, 2, 1)


async def test_money_is_a_decimal_string_with_two_places(subsidy, finance):
    body = await create(
        subsidy,
        finance,
        tiers=[
            {"min_headcount": 1, "max_headcount": 49, "amount_cny": 12000.5},
            {"min_headcount": 50, "max_headcount": None, "amount_cny": "12000"},
        ],
    )
    assert [t["amount_cny"] for t in body["tiers"]] == ["12000.50", "12000.00"]


async def test_lists_newest_first_with_filters_and_a_cursor(subsidy, finance):
    await create(subsidy, finance, year=2012, effective_from="2012-05-30", effective_to="2012-12-31")
    await create(subsidy, finance)
    latest = await create(subsidy, finance)
    await subsidy.post(f"{URL}/{latest['id']}/publish", headers=bearer(finance))

    first = (await subsidy.get(URL, params={"limit": 2}, headers=bearer(finance))).json()
    assert [(p["year"], p["version"]) for p in first["items"]] == [(2013, 2), (2013, 1)]
    second = (
        await subsidy.get(URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(finance))
    ).json()
    assert [(p["year"], p["version"]) for p in second["items"]] == [(2012, 1)]
    assert second["next_cursor"] is None

    async def listed(**params):
        response = await subsidy.get(URL, params=params, headers=bearer(finance))
        assert response.status_code == 200
        return [(p["year"], p["version"]) for p in response.json()["items"]]

    assert await listed(year=2012) == [(2012, 1)]
    assert await listed(status="published") == [(2013, 2)]
    assert await listed(year=2013, status="draft") == [(2013, 1)]


@pytest.mark.parametrize(
    ("headcount", "label", "amount"),
    [
        (1, "1–49人", "10000.00"),
        (49, "1–49人", "10000.00"),
        (50, "50–99人", "20000.00"),
        (99, "50–99人", "20000.00"),
        (100, "100人及以上", "30000.00"),
        (5000, "100人及以上", "30000.00"),
    ],
)
async def test_tier_for_a_headcount_follows_the_stated_boundaries(subsidy, finance, headcount, label, amount):
    created = await create(subsidy, finance)
    response = await subsidy.get(
        f"{URL}/{created['id']}/tier-for", params={"headcount": headcount}, headers=bearer(finance)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["headcount"] == headcount
    assert (body["tier"]["label_zh"], body["tier"]["amount_cny"]) == (label, amount)
    assert (body["policy_id"], body["year"], body["version"], body["status"]) == (created["id"], 2013, 1, "draft")
    assert body["minimum_contract_months"] == 12


async def test_tier_for_refuses_a_headcount_of_zero_and_an_unknown_policy(subsidy, finance):
    created = await create(subsidy, finance)
    zero = await subsidy.get(f"{URL}/{created['id']}/tier-for", params={"headcount": 0}, headers=bearer(finance))
    assert zero.status_code == 422
    assert zero.headers["content-type"] == PROBLEM
    assert zero.json()["errors"][0]["field"] == "query.headcount"
    unknown = await subsidy.get(f"{URL}/{uuid.uuid4()}/tier-for", params={"headcount": 5}, headers=bearer(finance))
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "policy_not_found"


def tiers(*bands):
    return [{"min_headcount": lo, "max_headcount": hi, "amount_cny": "100.00"} for lo, hi in bands]


@pytest.mark.parametrize(
    ("bad_tiers", "field", "words"),
    [
        (tiers((1, 49), (51, 99), (100, None)), "body.tiers.1.min_headcount", "leaves 50 uncovered"),
        (tiers((1, 50), (50, 99), (100, None)), "body.tiers.1.min_headcount", "overlaps the tier 1-50"),
        (tiers((2, 49), (50, None)), "body.tiers.0.min_headcount", "must start at 1"),
        (tiers((1, 49), (50, 99), (100, 199)), "body.tiers.2.max_headcount", "must be open-ended"),
        (tiers((1, None), (50, None)), "body.tiers.0.max_headcount", "only the highest tier may be open-ended"),
        (tiers((1, 49), (60, 55), (50, None)), "body.tiers.1.max_headcount", "at least min_headcount"),
    ],
)
async def test_refuses_tiers_that_do_not_cover_each_headcount_once(subsidy, finance, bad_tiers, field, words):
    response = await subsidy.post(URL, json=policy(tiers=bad_tiers), headers=bearer(finance))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "invalid_tiers"
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem["errors"]
    assert await count_all(subsidy, finance) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "published"}, "body.status"),
        ({"version": 3}, "body.version"),
        ({"tiers": [{"min_headcount": 1, "max_headcount": None, "amount_cny": "1.00", "x": 1}]}, "body.tiers.0.x"),
        ({"tiers": [{"min_headcount": 1, "max_headcount": None, "amount_cny": "-1.00"}]}, "body.tiers.0.amount_cny"),
        ({"tiers": [{"min_headcount": 1, "max_headcount": None, "amount_cny": "1.001"}]}, "body.tiers.0.amount_cny"),
        ({"tiers": [{"min_headcount": 0, "max_headcount": None, "amount_cny": "1.00"}]}, "body.tiers.0.min_headcount"),
        ({"tiers": [{"min_headcount": 1, "amount_cny": "1.00"}]}, "body.tiers.0.max_headcount"),
        ({"tiers": []}, "body.tiers"),
        ({"year": 2011}, "body.year"),
        ({"effective_to": "2012-12-31"}, "body.effective_to"),
    ],
)
async def test_refuses_invalid_or_unknown_fields_and_writes_nothing(subsidy, finance, overrides, field):
    response = await subsidy.post(URL, json=policy(**overrides), headers=bearer(finance))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in [e["field"] for e in problem["errors"]]
    assert await count_all(subsidy, finance) == 0


async def test_publishes_a_draft_once_and_then_it_is_fixed(subsidy, finance):
    draft = await create(subsidy, finance)
    published = await subsidy.post(f"{URL}/{draft['id']}/publish", headers=bearer(finance))
    assert published.status_code == 200
    body = published.json()
    assert (body["status"], body["status_label_zh"]) == ("published", "已发布")
    assert body["published_at"] is not None
    assert body["published_by"] is not None
    assert body["tiers"] == draft["tiers"]

    again = await subsidy.post(f"{URL}/{draft['id']}/publish", headers=bearer(finance))
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["code"] == "policy_not_draft"


async def test_a_year_has_at_most_one_published_policy(subsidy, finance):
    first = await create(subsidy, finance)
    second = await create(subsidy, finance, title="修订稿")
    next_year = await create(subsidy, finance, year=2014, effective_from="2014-01-01", effective_to="2014-12-31")
    assert (await subsidy.post(f"{URL}/{first['id']}/publish", headers=bearer(finance))).status_code == 200

    refused = await subsidy.post(f"{URL}/{second['id']}/publish", headers=bearer(finance))
    assert refused.status_code == 409
    assert refused.json()["code"] == "policy_already_published"
    still_draft = await subsidy.get(f"{URL}/{second['id']}", headers=bearer(finance))
    assert still_draft.json()["status"] == "draft"

    assert (await subsidy.post(f"{URL}/{next_year['id']}/publish", headers=bearer(finance))).status_code == 200


async def test_publishing_an_unknown_policy_is_a_404(subsidy, finance):
    response = await subsidy.post(f"{URL}/{uuid.uuid4()}/publish", headers=bearer(finance))
    assert response.status_code == 404
    assert response.json()["code"] == "policy_not_found"


async def test_only_finance_the_nco_or_an_admin_may_write_or_publish(subsidy, finance, make_token):
    township = make_token(roles=["staff"], department="township", jurisdiction="dapu")
    refused = await subsidy.post(URL, json=policy(), headers=bearer(township))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "forbidden"
    assert await count_all(subsidy, finance) == 0

    nco = make_token(roles=["staff"], department="nco")
    admin = make_token(roles=["admin"], department="it")
    by_nco = await create(subsidy, nco)
    by_admin = await create(subsidy, admin, year=2014, effective_from="2014-01-01", effective_to="2014-12-31")

    not_publishable = await subsidy.post(f"{URL}/{by_nco['id']}/publish", headers=bearer(township))
    assert not_publishable.status_code == 403
    assert not_publishable.json()["code"] == "forbidden"
    assert (await subsidy.get(f"{URL}/{by_nco['id']}", headers=bearer(township))).json()["status"] == "draft"
    assert (await subsidy.post(f"{URL}/{by_admin['id']}/publish", headers=bearer(admin))).status_code == 200


async def test_anyone_with_the_read_scope_may_read_but_not_write(subsidy, finance, make_token):
    created = await create(subsidy, finance)
    viewer = make_token(roles=["viewer"], department="township", jurisdiction="shapu")
    assert (await subsidy.get(f"{URL}/{created['id']}", headers=bearer(viewer))).status_code == 200
    assert (await subsidy.get(URL, headers=bearer(viewer))).json()["items"][0]["id"] == created["id"]
    finance_viewer = make_token(roles=["viewer"], department="finance")
    refused = await subsidy.post(URL, json=policy(), headers=bearer(finance_viewer))
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert (await subsidy.get(URL, headers=bearer(make_token(scopes=["placement:read"])))).status_code == 403


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_draft(subsidy, finance):
    headers = bearer(finance, **{"Idempotency-Key": "policy-2013-draft"})
    first = await subsidy.post(URL, json=policy(), headers=headers)
    assert first.status_code == 201
    retry = await subsidy.post(URL, json=policy(), headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert await count_all(subsidy, finance) == 1

    other = await subsidy.post(URL, json=policy(title="另一个标题"), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["code"] == "idempotency_key_reused"
    assert await count_all(subsidy, finance) == 1

    fresh = await create(subsidy, finance)
    assert fresh["version"] == 2
