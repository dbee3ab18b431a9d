import uuid

import pytest

from tests.calls import bearer, listed_count

URL = "/api/v1/subsidy-policies"
PROBLEM = "application/problem+json"

# The notice's three bands, in the notice's order (largest first): >=100, 50-99, 1-49.
NOTICE_TIERS = [
    {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
    {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
    {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
]


def enterprise(tiers=None, **fields):
    return {"type": "enterprise_placement", "tiers": NOTICE_TIERS if tiers is None else tiers, **fields}


def policy(tiers=None, **overrides):
    body = {
        "year": 2013,
        "title": "2013年度“启航工程”企业安置经费补助标准",
        "effective_from": "2013-01-01",
        "effective_to": "2013-12-31",
        "rules": [enterprise()],
        "notes": "依据柳城政办〔2012〕84号",
    }
    if tiers is not None:
        body["rules"] = [enterprise(tiers)]
    body.update(overrides)
    return body


@pytest.fixture
def finance(make_token):
    return make_token(roles=["staff"], department="finance")


async def create(client, token, **overrides):
    response = await client.post(URL, json=policy(**overrides), headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def test_writes_a_draft_with_its_rules_and_reads_it_back(subsidy, finance):
    response = await subsidy.post(URL, json=policy(), headers=bearer(finance))
    assert response.status_code == 201
    body = response.json()
    assert (body["year"], body["version"], body["status"], body["status_label_zh"]) == (2013, 1, "draft", "草稿")
    assert (body["frozen"], body["used_by_decisions"], body["differences_from_previous"]) == (False, False, None)
    assert body["published_at"] is None
    (rule,) = body["rules"]
    assert rule["type"] == "enterprise_placement"
    assert (rule["method"], rule["minimum_contract_months"], rule["minimum_days_in_year"]) == ("tiered", 12, 1)
    assert rule["require_designation"] is True
    # Stored from the lowest headcount up, whatever order they came in.
    assert rule["tiers"] == [
        {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
        {"min_headcount": 50, "max_headcount": 99, "amount": "20000.00"},
        {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
    ]
    assert "ROUND_HALF_UP" in body["rounding"]
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert response.headers["etag"] == '"1"'

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
            {"min_headcount": 1, "max_headcount": 49, "amount": 12000.5},
            {"min_headcount": 50, "max_headcount": None, "amount": "12000"},
        ],
    )
    assert [t["amount"] for t in body["rules"][0]["tiers"]] == ["12000.50", "12000.00"]


async def test_every_type_has_a_rule_with_its_own_fields(subsidy, finance):
    rules = [
        enterprise(),
        {"type": "hiring", "amount_per_person": "1000.00", "cap": "20000.00"},
        {"type": "self_employment", "amount_per_person": "2000.00"},
        {"type": "post", "monthly_amount": "300.00"},
        {"type": "social_insurance", "monthly_amount": "200.00", "days_for_a_month": 10},
        {"type": "loan_interest", "share_percent": 50, "cap": "5000.00"},
        {"type": "tax_reduction"},
    ]
    body = await create(subsidy, finance, rules=list(reversed(rules)))
    by_type = {r["type"]: r for r in body["rules"]}
    assert list(by_type) == [r["type"] for r in rules]
    assert by_type["hiring"]["employer_kinds"] == ["individual_business", "private_owner"]
    assert by_type["post"]["days_for_a_month"] == 15
    assert by_type["social_insurance"]["minimum_contract_months"] == 12
    assert by_type["loan_interest"]["cap"] == "5000.00"
    assert by_type["tax_reduction"] == {
        "type": "tax_reduction",
        "minimum_contract_months": 12,
        "minimum_days_in_year": 1,
    }

    types = await subsidy.get("/api/v1/subsidy-types", headers=bearer(finance))
    assert types.status_code == 200
    assert {t["code"]: (t["beneficiary"], t["pays_money"]) for t in types.json()} == {
        "enterprise_placement": ("employer", True),
        "hiring": ("employer", True),
        "self_employment": ("person", True),
        "post": ("person", True),
        "social_insurance": ("employer", True),
        "loan_interest": ("person", True),
        "tax_reduction": ("employer", False),
    }


async def test_lists_newest_first_with_filters_and_a_cursor(subsidy, finance):
    await create(subsidy, finance, year=2012, effective_from="2012-05-30", effective_to="2012-12-31")
    first_2013 = await create(subsidy, finance)
    latest = await create(subsidy, finance)
    await subsidy.post(f"{URL}/{first_2013['id']}/publish", headers=bearer(finance))
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
    assert await listed(year=2013, status="superseded") == [(2013, 1)]
    assert await listed(status="draft") == [(2012, 1)]


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
    assert (body["tier"]["label_zh"], body["tier"]["amount"]) == (label, amount)
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
    return [{"min_headcount": lo, "max_headcount": hi, "amount": "100.00"} for lo, hi in bands]


@pytest.mark.parametrize(
    ("bad_tiers", "field", "words"),
    [
        (tiers((1, 49), (51, 99), (100, None)), "body.rules.0.tiers.1.min_headcount", "leaves 50 uncovered"),
        (tiers((1, 50), (50, 99), (100, None)), "body.rules.0.tiers.1.min_headcount", "overlaps the tier 1-50"),
        (tiers((2, 49), (50, None)), "body.rules.0.tiers.0.min_headcount", "must start at 1"),
        (tiers((1, 49), (50, 99), (100, 199)), "body.rules.0.tiers.2.max_headcount", "must be open-ended"),
        (tiers((1, None), (50, None)), "body.rules.0.tiers.0.max_headcount", "only the highest tier may be open-ended"),
        (tiers((1, 49), (60, 55), (50, None)), "body.rules.0.tiers.1.max_headcount", "at least min_headcount"),
    ],
)
async def test_refuses_tiers_that_do_not_cover_each_headcount_once(subsidy, finance, bad_tiers, field, words):
    response = await subsidy.post(URL, json=policy(tiers=bad_tiers), headers=bearer(finance))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "invalid_rules"
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem["errors"]
    assert await listed_count(subsidy, URL, finance) == 0


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ([enterprise(), enterprise()], "body.rules.1.type", "already has a rule"),
        ([enterprise(method="per_person")], "body.rules.0.amount_per_person", "required with method per_person"),
        ([enterprise(method="per_person", amount_per_person="10.00")], "body.rules.0.tiers", "only with method"),
        ([enterprise(cap="10.00")], "body.rules.0.cap", "only with method per_person"),
        ([{"type": "enterprise_placement"}], "body.rules.0.tiers", "required with method tiered"),
        (
            [{"type": "hiring", "amount_per_person": "1.00", "employer_kinds": ["private_owner", "private_owner"]}],
            "body.rules.0.employer_kinds",
            "twice",
        ),
    ],
)
async def test_refuses_rules_that_contradict_themselves(subsidy, finance, rules, field, words):
    response = await subsidy.post(URL, json=policy(rules=rules), headers=bearer(finance))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_rules"
    assert any(e["field"] == field and words in e["message"] for e in problem["errors"]), problem["errors"]
    assert await listed_count(subsidy, URL, finance) == 0


def tier(amount):
    return {"min_headcount": 1, "max_headcount": None, "amount": amount}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "published"}, "body.status"),
        ({"version": 3}, "body.version"),
        ({"tiers": [tier("1.00") | {"x": 1}]}, "body.rules.0.enterprise_placement.tiers.0.x"),
        ({"tiers": [tier("-1.00")]}, "body.rules.0.enterprise_placement.tiers.0.amount"),
        ({"tiers": [tier("1.001")]}, "body.rules.0.enterprise_placement.tiers.0.amount"),
        ({"tiers": [tier("1000000000000.00")]}, "body.rules.0.enterprise_placement.tiers.0.amount"),
        ({"tiers": [tier("1.00") | {"min_headcount": 0}]}, "body.rules.0.enterprise_placement.tiers.0.min_headcount"),
        ({"tiers": [tier("1.00") | {"max_headcount": 0}]}, "body.rules.0.enterprise_placement.tiers.0.max_headcount"),
        ({"tiers": []}, "body.rules.0.enterprise_placement.tiers"),
        ({"rules": []}, "body.rules"),
        ({"rules": [{"type": "lottery"}]}, "body.rules.0"),
        ({"rules": [{"type": "post", "monthly_amount": "-5"}]}, "body.rules.0.post.monthly_amount"),
        (
            {"rules": [{"type": "post", "monthly_amount": "5", "days_for_a_month": 32}]},
            "body.rules.0.post.days_for_a_month",
        ),
        (
            {"rules": [enterprise(minimum_contract_months=0)]},
            "body.rules.0.enterprise_placement.minimum_contract_months",
        ),
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
    assert field in [e["field"] for e in problem["errors"]], problem["errors"]
    assert await listed_count(subsidy, URL, finance) == 0


async def test_publishing_freezes_a_version(subsidy, finance):
    draft = await create(subsidy, finance)
    published = await subsidy.post(f"{URL}/{draft['id']}/publish", headers=bearer(finance))
    assert published.status_code == 200
    body = published.json()
    assert (body["status"], body["status_label_zh"], body["frozen"]) == ("published", "已发布", True)
    assert body["published_at"] is not None
    assert body["published_by"] is not None
    assert body["rules"] == draft["rules"]

    again = await subsidy.post(f"{URL}/{draft['id']}/publish", headers=bearer(finance))
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["code"] == "policy_frozen"
    edit = await subsidy.patch(
        f"{URL}/{draft['id']}", json={"title": "改"}, headers=bearer(finance, **{"If-Match": '"*"'})
    )
    assert (edit.status_code, edit.json()["code"]) == (409, "policy_frozen")
    assert "new version" in edit.json()["detail"]
    unchanged = (await subsidy.get(f"{URL}/{draft['id']}", headers=bearer(finance))).json()
    assert unchanged["title"] == draft["title"]


async def test_a_draft_is_edited_with_if_match(subsidy, finance):
    draft = await create(subsidy, finance)
    url = f"{URL}/{draft['id']}"
    missing = await subsidy.patch(url, json={"title": "改"}, headers=bearer(finance))
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    changed = await subsidy.patch(
        url,
        json={"rules": [enterprise(tiers((1, 49), (50, None)))], "notes": None},
        headers=bearer(finance, **{"If-Match": '"1"'}),
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert [t["max_headcount"] for t in changed.json()["rules"][0]["tiers"]] == [49, None]
    assert changed.json()["notes"] is None
    stale = await subsidy.patch(url, json={"title": "再改"}, headers=bearer(finance, **{"If-Match": '"1"'}))
    assert (stale.status_code, stale.json()["code"]) == (412, "precondition_failed")
    bad = await subsidy.patch(
        url, json={"rules": [enterprise(tiers((1, 49)))]}, headers=bearer(finance, **{"If-Match": '"2"'})
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_rules")
    backwards = await subsidy.patch(
        url, json={"effective_to": "2012-01-01"}, headers=bearer(finance, **{"If-Match": '"2"'})
    )
    assert backwards.status_code == 422
    assert (await subsidy.get(url, headers=bearer(finance))).json()["effective_to"] == "2013-12-31"


async def test_a_new_version_supersedes_the_published_one_and_shows_what_differs(subsidy, finance):
    first = await create(subsidy, finance)
    changed_tiers = [
        {"min_headcount": 1, "max_headcount": 49, "amount": "10000.00"},
        {"min_headcount": 50, "max_headcount": 99, "amount": "25000.00"},
        {"min_headcount": 100, "max_headcount": None, "amount": "30000.00"},
    ]
    second = await create(subsidy, finance, title="修订稿", tiers=changed_tiers)
    next_year = await create(subsidy, finance, year=2014, effective_from="2014-01-01", effective_to="2014-12-31")
    assert (await subsidy.post(f"{URL}/{first['id']}/publish", headers=bearer(finance))).status_code == 200
    assert second["differences_from_previous"] == [
        {"field": "title", "before": first["title"], "after": "修订稿"},
        {"field": "rules.enterprise_placement.tiers.1.amount", "before": "20000.00", "after": "25000.00"},
    ]

    published = await subsidy.post(f"{URL}/{second['id']}/publish", headers=bearer(finance))
    assert published.status_code == 200
    old = (await subsidy.get(f"{URL}/{first['id']}", headers=bearer(finance))).json()
    assert (old["status"], old["frozen"]) == ("superseded", True)
    assert old["superseded_at"] is not None
    diff = await subsidy.get(
        f"{URL}/{first['id']}/differences", params={"against": second["id"]}, headers=bearer(finance)
    )
    assert diff.status_code == 200
    assert diff.json()["differences"][1] == {
        "field": "rules.enterprise_placement.tiers.1.amount", "before": "25000.00", "after": "20000.00"
    }  # fmt: skip
    none_before = await subsidy.get(f"{URL}/{first['id']}/differences", headers=bearer(finance))
    assert none_before.status_code == 404
    assert (await subsidy.post(f"{URL}/{next_year['id']}/publish", headers=bearer(finance))).status_code == 200
    published_now = (await subsidy.get(URL, params={"status": "published"}, headers=bearer(finance))).json()["items"]
    assert {(p["year"], p["version"]) for p in published_now} == {(2013, 2), (2014, 1)}


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
    assert await listed_count(subsidy, URL, finance) == 0

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
    assert await listed_count(subsidy, URL, finance) == 1

    other = await subsidy.post(URL, json=policy(title="另一个标题"), headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM
    assert other.json()["code"] == "idempotency_key_reused"
    assert await listed_count(subsidy, URL, finance) == 1

    fresh = await create(subsidy, finance)
    assert fresh["version"] == 2
