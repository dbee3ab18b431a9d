"""Job posts: publishing, validation, status changes under If-Match, and who sees which posts."""

import uuid

from sqlalchemy import text

from tests.placement.placements.conftest import POSTS, PROBLEM, post_body


async def test_a_post_is_published_with_labels_places_left_and_an_event(api, auth, new_employer, db):
    employer_id = await new_employer()
    nco = auth() | {"Idempotency-Key": "post-1"}

    response = await api.post(
        POSTS,
        json=post_body(employer_id, is_public_welfare=True, funding_source="县就业专项资金", monthly_wage="1800.5"),
        headers=nco,
    )

    assert response.status_code == 201, response.text
    post = response.json()
    assert response.headers["location"] == f"{POSTS}/{post['id']}"
    assert response.headers["etag"] == '"1"'
    assert (post["filled"], post["places_left"], post["status_label_zh"]) == (0, 3, "招聘中")
    assert (post["monthly_wage"], post["contract_type_label_zh"]) == ("1800.50", "固定期限劳动合同")
    assert post["jurisdiction_code"] == "dapu"
    replay = await api.post(
        POSTS,
        json=post_body(employer_id, is_public_welfare=True, funding_source="县就业专项资金", monthly_wage="1800.5"),
        headers=nco,
    )
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["id"] == post["id"]
    events = (
        await db.execute(
            text("SELECT kind, data FROM outbox_event WHERE aggregate_id = CAST(:id AS uuid)"), {"id": post["id"]}
        )
    ).all()
    assert [(e.kind, e.data["status"], e.data["headcount"]) for e in events] == [("job_post.created", "open", 3)]


async def test_invalid_posts_are_refused_and_nothing_is_written(api, auth, new_employer, db):
    employer_id = await new_employer()
    bad = [
        post_body(employer_id, is_public_welfare=True),
        post_body(employer_id, funding_source="县财政"),
        post_body(employer_id, headcount=0),
        post_body(employer_id, monthly_wage="-1"),
        post_body(employer_id, monthly_wage="12.345"),
        post_body(employer_id, working_pattern="nights"),
        post_body(employer_id, closes_on="2000-01-01"),
        post_body(employer_id, status="filled"),
        post_body(employer_id, filled=2),
    ]
    for body in bad:
        response = await api.post(POSTS, json=body, headers=auth())
        assert response.status_code == 422, body
        assert response.headers["content-type"] == PROBLEM
    unknown = await api.post(POSTS, json=post_body(str(uuid.uuid4())), headers=auth())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "employer_not_found")
    assert (await db.execute(text("SELECT count(*) FROM job_post"))).scalar_one() == 0


async def test_status_changes_follow_the_table_and_need_if_match(api, auth, new_employer, new_post):
    post = await new_post(await new_employer(), status="draft")
    url = f"{POSTS}/{post['id']}"

    missing = await api.patch(url, json={"status": "open"}, headers=auth())
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")
    opened = await api.patch(url, json={"status": "open"}, headers=auth() | {"If-Match": '"1"'})
    assert opened.status_code == 200, opened.text
    assert (opened.json()["status"], opened.headers["etag"]) == ("open", '"2"')
    stale = await api.patch(url, json={"status": "closed"}, headers=auth() | {"If-Match": '"1"'})
    assert stale.status_code == 412
    back_to_draft = await api.patch(url, json={"status": "draft"}, headers=auth() | {"If-Match": '"2"'})
    assert (back_to_draft.status_code, back_to_draft.json()["code"]) == (409, "invalid_status_change")
    closed = await api.patch(url, json={"status": "closed", "headcount": 5}, headers=auth() | {"If-Match": '"2"'})
    assert (closed.json()["status"], closed.json()["headcount"]) == ("closed", 5)
    nulled = await api.patch(url, json={"title": None}, headers=auth() | {"If-Match": '"3"'})
    assert nulled.status_code == 422


async def test_the_headcount_cannot_drop_below_the_places_filled(
    api, auth, new_employer, new_post, place, fake_registry
):
    employer_id = await new_employer()
    post = await new_post(employer_id, headcount=2)
    for _ in range(2):
        assert (await place(fake_registry.add(), post_id=post["id"])).status_code == 201
    url = f"{POSTS}/{post['id']}"
    full = await api.get(url, headers=auth())
    assert (full.json()["status"], full.json()["filled"], full.json()["places_left"]) == ("filled", 2, 0)

    lower = await api.patch(url, json={"headcount": 1}, headers=auth() | {"If-Match": full.headers["etag"]})
    assert lower.status_code == 409
    higher = await api.patch(url, json={"headcount": 3}, headers=auth() | {"If-Match": full.headers["etag"]})
    assert (higher.json()["status"], higher.json()["places_left"]) == ("open", 1)


async def test_township_staff_see_and_change_only_their_jurisdictions_posts(api, auth, new_employer, new_post):
    dapu_post = await new_post(await new_employer("dapu"))
    shapu_employer = await new_employer("shapu", name="沙埔服装厂")
    shapu_post = await new_post(shapu_employer)
    dapu_staff = auth(department="township", jurisdiction="dapu")

    listed = await api.get(POSTS, headers=dapu_staff)
    assert [p["id"] for p in listed.json()["items"]] == [dapu_post["id"]]
    assert (await api.get(f"{POSTS}/{shapu_post['id']}", headers=dapu_staff)).status_code == 404
    assert (await api.post(POSTS, json=post_body(shapu_employer), headers=dapu_staff)).status_code == 404
    patch = await api.patch(f"{POSTS}/{shapu_post['id']}", json={"title": "x"}, headers=dapu_staff | {"If-Match": "*"})
    assert patch.status_code == 404
    county = await api.get(POSTS, headers=auth(department="human_resources"))
    assert {p["id"] for p in county.json()["items"]} == {dapu_post["id"], shapu_post["id"]}


async def test_an_employers_client_sees_and_publishes_only_its_own_posts(
    api, auth, new_employer, new_post, employer_client
):
    own = await new_employer()
    other = await new_employer(name="柳城县启航服装加工厂")
    own_post = await new_post(own)
    other_post = await new_post(other)
    client = employer_client(own)

    assert [p["id"] for p in (await api.get(POSTS, headers=client)).json()["items"]] == [own_post["id"]]
    assert (await api.get(f"{POSTS}/{other_post['id']}", headers=client)).status_code == 404
    assert (await api.post(POSTS, json=post_body(other), headers=client)).status_code == 404
    created = await api.post(POSTS, json=post_body(own), headers=client)
    assert created.status_code == 201
    read_only = employer_client(own, scopes=("placement:read",))
    assert (await api.post(POSTS, json=post_body(own), headers=read_only)).status_code == 403


async def test_who_may_publish_posts(api, auth, new_employer, make_token):
    employer_id = await new_employer()
    cases = [
        (auth(department="nco"), 201),
        (auth(department="human_resources"), 201),
        (auth(department="township", jurisdiction="dapu"), 201),
        (auth(department="finance"), 403),
        (auth(department="nco", roles=["viewer"]), 403),
        (auth(department="womens_federation"), 403),
    ]
    for headers, expected in cases:
        response = await api.post(POSTS, json=post_body(employer_id), headers=headers)
        assert response.status_code == expected, (headers, response.text)
    finance_reads = await api.get(POSTS, headers=auth(department="finance"))
    assert finance_reads.status_code == 200


async def test_an_employers_client_cannot_change_another_employers_post(api, new_employer, new_post, employer_client):
    own = await new_employer()
    other_post = await new_post(await new_employer(name="柳城县启航服装加工厂"))

    response = await api.patch(
        f"{POSTS}/{other_post['id']}", json={"status": "closed"}, headers=employer_client(own) | {"If-Match": "*"}
    )

    assert (response.status_code, response.json()["code"]) == (404, "job_post_not_found")
