"""Matching: suitable posts for a person (jurisdiction, work ability, skills) and candidates for a post (people
placement already knows plus those the caller names, checked with the registry with the caller's token)."""

import uuid
from datetime import date, timedelta

from placement.matching import service as matching_service
from tests.placement.placements.conftest import PLACEMENTS, REFERRALS, placement_body

POSTS = "/api/v1/job-posts"


async def test_suitable_posts_follow_jurisdiction_work_ability_and_skills(
    api, auth, new_employer, new_post, fake_registry
):
    dapu_employer = await new_employer()
    silk = await new_post(dapu_employer, title="缫丝工", required_skills=["缫丝"])
    welding = await new_post(dapu_employer, title="电焊工", required_skills=["电焊", "钳工"])
    part_time = await new_post(dapu_employer, title="保洁", required_skills=[], working_pattern="part_time")
    await new_post(dapu_employer, title="草稿岗位", status="draft")
    await new_post(dapu_employer, title="已截止", closes_on=str(date.today() - timedelta(days=1)))
    await new_post(await new_employer("shapu", name="沙埔服装厂"), title="沙埔岗位")
    welder = fake_registry.add(skills=["电焊"])
    partly = fake_registry.add(work_ability="partly", skills=["缫丝"])
    unable = fake_registry.add(work_ability="unable")

    found = (await api.get(f"{POSTS}/suitable-for/{welder}", headers=auth())).json()
    assert found["placeable"] is True
    assert [m["post"]["id"] for m in found["items"]] == [welding["id"], silk["id"], part_time["id"]]
    assert (found["items"][0]["matched_skills"], found["items"][0]["missing_skills"]) == (["电焊"], ["钳工"])

    only_part_time = (await api.get(f"{POSTS}/suitable-for/{partly}", headers=auth())).json()
    assert [m["post"]["id"] for m in only_part_time["items"]] == [part_time["id"]]
    none = (await api.get(f"{POSTS}/suitable-for/{unable}", headers=auth())).json()
    assert (none["placeable"], none["items"]) == (False, [])
    assert "丧失劳动能力" in none["reason"]
    hidden = await api.get(f"{POSTS}/suitable-for/{welder}", headers=auth(department="township", jurisdiction="shapu"))
    assert hidden.status_code == 404
    assert (await api.get(f"{POSTS}/suitable-for/{uuid.uuid4()}", headers=auth())).status_code == 404


async def test_an_older_post_wanting_the_persons_skill_is_not_crowded_out_by_newer_or_closed_ones(
    api, auth, new_employer, new_post, fake_registry, monkeypatch
):
    """Matching looks at a bounded number of posts: the bound applies after the posts that cannot take the person
    are filtered out, and posts wanting one of their skills come first."""
    monkeypatch.setattr(matching_service, "POSTS_CONSIDERED", 2)
    employer_id = await new_employer()
    old_silk = await new_post(employer_id, title="缫丝工", required_skills=["缫丝"])
    for title in ("保安", "仓管"):
        await new_post(employer_id, title=title, required_skills=[])
    for title in ("已截止一", "已截止二"):
        await new_post(employer_id, title=title, closes_on=str(date.today() - timedelta(days=1)))
    spinner = fake_registry.add(skills=["缫丝"])

    found = (await api.get(f"{POSTS}/suitable-for/{spinner}", headers=auth())).json()

    assert len(found["items"]) == 2
    assert found["items"][0]["post"]["id"] == old_silk["id"]
    assert all(m["post"]["title"] in ("缫丝工", "保安", "仓管") for m in found["items"])


async def test_candidates_come_from_referred_placed_and_named_people_who_fit(
    api, auth, new_employer, new_post, fake_registry, employer_client
):
    employer_id = await new_employer()
    post = await new_post(employer_id, required_skills=["缫丝"])
    other_post = await new_post(employer_id, working_pattern="seasonal", required_skills=[])
    referred = fake_registry.add(skills=["缫丝"])
    assert (
        await api.post(REFERRALS, json={"person_id": referred, "post_id": other_post["id"]}, headers=auth())
    ).status_code == 201
    placed_seasonal = fake_registry.add()
    assert (
        await api.post(
            PLACEMENTS, json=placement_body(placed_seasonal, employer_id, working_pattern="seasonal"), headers=auth()
        )
    ).status_code == 201
    busy_full_time = fake_registry.add(skills=["缫丝"])
    assert (
        await api.post(PLACEMENTS, json=placement_body(busy_full_time, employer_id), headers=auth())
    ).status_code == 201
    named = fake_registry.add(skills=["缫丝"])
    named_elsewhere = fake_registry.add(jurisdiction_code="shapu")
    named_unable = fake_registry.add(work_ability="unable")

    response = await api.get(
        f"{POSTS}/{post['id']}/candidates",
        params={"person_id": [named, named_elsewhere, named_unable]},
        headers=auth(),
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {c["person_id"] for c in items} == {referred, placed_seasonal, named}
    assert [c["person_id"] for c in items][-1] == placed_seasonal
    sources = {c["person_id"]: c["source"] for c in items}
    assert (sources[referred], sources[placed_seasonal], sources[named]) == (["referred"], ["placed"], ["given"])
    assert "plus the person ids you gave" in response.json()["pool"]

    shapu_staff = auth(department="township", jurisdiction="shapu")
    assert (await api.get(f"{POSTS}/{post['id']}/candidates", headers=shapu_staff)).status_code == 404
    assert (await api.get(f"{POSTS}/{post['id']}/candidates", headers=employer_client(employer_id))).status_code == 403


async def test_an_employers_client_cannot_browse_peoples_matches(api, new_employer, fake_registry, employer_client):
    employer_id = await new_employer()
    person_id = fake_registry.add()

    response = await api.get(f"{POSTS}/suitable-for/{person_id}", headers=employer_client(employer_id))

    assert (response.status_code, response.json()["code"]) == (403, "no_post_access")
    assert fake_registry.calls == []
