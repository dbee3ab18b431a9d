"""Referrals: a person recommended to an open post (checked with the registry) moves recommended → interview →
offer → hired, or is declined with a coded reason; every move is kept as history, evented and audited."""

import uuid

from sqlalchemy import text

from tests.placement.placements.conftest import POSTS, PROBLEM, REFERRALS


async def test_a_referral_moves_through_its_steps_with_history(api, auth, new_employer, new_post, fake_registry, db):
    post = await new_post(await new_employer())
    person_id = fake_registry.add()
    nco = auth()

    created = await api.post(REFERRALS, json={"person_id": person_id, "post_id": post["id"]}, headers=nco)
    assert created.status_code == 201, created.text
    referral = created.json()
    assert (referral["status"], referral["status_label_zh"], referral["jurisdiction_code"]) == (
        "recommended",
        "已推荐",
        "dapu",
    )
    url = f"{REFERRALS}/{referral['id']}/moves"
    for step, version in (("interview", 1), ("offer", 2), ("hired", 3)):
        moved = await api.post(url, json={"to": step}, headers=nco | {"If-Match": f'"{version}"'})
        assert moved.status_code == 200, moved.text
    done = moved.json()
    assert [(h["from_status"], h["to_status"]) for h in done["history"]] == [
        (None, "recommended"),
        ("recommended", "interview"),
        ("interview", "offer"),
        ("offer", "hired"),
    ]
    assert all(h["by_subject"] for h in done["history"])
    after = await api.post(url, json={"to": "declined", "reason": "other"}, headers=nco | {"If-Match": '"4"'})
    assert (after.status_code, after.json()["code"]) == (409, "invalid_referral_transition")
    kinds = (
        (await db.execute(text("SELECT kind FROM outbox_event WHERE aggregate_type = 'referral' ORDER BY id")))
        .scalars()
        .all()
    )
    assert kinds == ["referral.recommended", "referral.interview", "referral.offer", "referral.hired"]
    moves = (
        await db.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE operation = 'referral.move' "
                "AND CAST(:p AS uuid) = ANY(resource_ids)"
            ),
            {"p": person_id},
        )
    ).scalar_one()
    assert moves == 3


async def test_declining_needs_a_coded_reason_and_if_match(api, auth, new_employer, new_post, fake_registry):
    post = await new_post(await new_employer())
    created = await api.post(REFERRALS, json={"person_id": fake_registry.add(), "post_id": post["id"]}, headers=auth())
    url = f"{REFERRALS}/{created.json()['id']}/moves"

    assert (await api.post(url, json={"to": "declined"}, headers=auth() | {"If-Match": '"1"'})).status_code == 422
    assert (
        await api.post(url, json={"to": "interview", "reason": "other"}, headers=auth() | {"If-Match": '"1"'})
    ).status_code == 422
    assert (
        await api.post(url, json={"to": "declined", "reason": "bored"}, headers=auth() | {"If-Match": '"1"'})
    ).status_code == 422
    assert (await api.post(url, json={"to": "hired"}, headers=auth() | {"If-Match": '"1"'})).status_code == 409
    assert (await api.post(url, json={"to": "declined", "reason": "no_show"}, headers=auth())).status_code == 428
    stale = await api.post(url, json={"to": "declined", "reason": "no_show"}, headers=auth() | {"If-Match": '"9"'})
    assert stale.status_code == 412
    declined = await api.post(url, json={"to": "declined", "reason": "no_show"}, headers=auth() | {"If-Match": '"1"'})
    assert declined.status_code == 200
    assert (declined.json()["decline_reason"], declined.json()["decline_reason_label_zh"]) == ("no_show", "未参加面试")
    assert declined.json()["history"][-1]["reason"] == "no_show"


async def test_who_can_be_referred_where(api, auth, new_employer, new_post, fake_registry, db):
    employer_id = await new_employer()
    post = await new_post(employer_id)
    draft = await new_post(employer_id, status="draft")
    person_id = fake_registry.add()

    first = await api.post(REFERRALS, json={"person_id": person_id, "post_id": post["id"]}, headers=auth())
    twice = await api.post(REFERRALS, json={"person_id": person_id, "post_id": post["id"]}, headers=auth())
    to_draft = await api.post(REFERRALS, json={"person_id": person_id, "post_id": draft["id"]}, headers=auth())
    unable = await api.post(
        REFERRALS, json={"person_id": fake_registry.add(work_ability="unable"), "post_id": post["id"]}, headers=auth()
    )
    partly = await api.post(
        REFERRALS, json={"person_id": fake_registry.add(work_ability="partly"), "post_id": post["id"]}, headers=auth()
    )
    nobody = await api.post(REFERRALS, json={"person_id": str(uuid.uuid4()), "post_id": post["id"]}, headers=auth())
    no_post = await api.post(REFERRALS, json={"person_id": person_id, "post_id": str(uuid.uuid4())}, headers=auth())
    extra = await api.post(
        REFERRALS, json={"person_id": person_id, "post_id": post["id"], "status": "hired"}, headers=auth()
    )

    assert first.status_code == 201
    assert (twice.status_code, twice.json()["code"]) == (409, "referral_exists")
    assert (to_draft.status_code, to_draft.json()["code"]) == (409, "job_post_not_open")
    assert unable.status_code == partly.status_code == 409
    assert (nobody.status_code, no_post.status_code, extra.status_code) == (404, 404, 422)
    assert all(r.headers["content-type"] == PROBLEM for r in (twice, to_draft, unable, nobody, no_post, extra))
    assert (await db.execute(text("SELECT count(*) FROM referral"))).scalar_one() == 1


async def test_referral_access_by_caller(
    api, auth, new_employer, new_post, fake_registry, employer_client, service_auth
):
    own_employer = await new_employer()
    other_employer = await new_employer(name="柳城县启航服装加工厂")
    own_post = await new_post(own_employer)
    other_post = await new_post(other_employer)
    dapu_person = fake_registry.add()
    shapu_person = fake_registry.add(jurisdiction_code="shapu")
    shapu_employer = await new_employer("shapu", name="沙埔服装厂")
    shapu_post = await new_post(shapu_employer)
    to_own = (
        await api.post(REFERRALS, json={"person_id": dapu_person, "post_id": own_post["id"]}, headers=auth())
    ).json()
    to_other = (
        await api.post(REFERRALS, json={"person_id": dapu_person, "post_id": other_post["id"]}, headers=auth())
    ).json()
    in_shapu = (
        await api.post(REFERRALS, json={"person_id": shapu_person, "post_id": shapu_post["id"]}, headers=auth())
    ).json()

    employer = employer_client(own_employer)
    assert [r["id"] for r in (await api.get(REFERRALS, headers=employer)).json()["items"]] == [to_own["id"]]
    assert (await api.get(f"{REFERRALS}/{to_other['id']}", headers=employer)).status_code == 404
    moved = await api.post(
        f"{REFERRALS}/{to_own['id']}/moves", json={"to": "interview"}, headers=employer | {"If-Match": '"1"'}
    )
    assert moved.status_code == 200
    assert (
        await api.post(REFERRALS, json={"person_id": dapu_person, "post_id": own_post["id"]}, headers=employer)
    ).status_code == 403

    dapu_staff = auth(department="township", jurisdiction="dapu")
    listed = {r["id"] for r in (await api.get(REFERRALS, headers=dapu_staff)).json()["items"]}
    assert listed == {to_own["id"], to_other["id"]}
    assert (await api.get(f"{REFERRALS}/{in_shapu['id']}", headers=dapu_staff)).status_code == 404
    shapu_referral = await api.post(
        REFERRALS, json={"person_id": shapu_person, "post_id": own_post["id"]}, headers=dapu_staff
    )
    assert shapu_referral.status_code == 404

    service = service_auth()
    assert len((await api.get(REFERRALS, headers=service)).json()["items"]) == 3
    assert (
        await api.post(
            f"{REFERRALS}/{in_shapu['id']}/moves", json={"to": "interview"}, headers=service | {"If-Match": '"1"'}
        )
    ).status_code == 403
    assert (await api.get(REFERRALS, headers=auth(department="finance"))).status_code == 403
    viewer = auth(department="nco", roles=["viewer"])
    assert (await api.get(REFERRALS, headers=viewer)).status_code == 200
    assert (
        await api.post(REFERRALS, json={"person_id": dapu_person, "post_id": shapu_post["id"]}, headers=viewer)
    ).status_code == 403
    assert (await api.get(f"{POSTS}/{own_post['id']}", headers=employer)).status_code == 200
