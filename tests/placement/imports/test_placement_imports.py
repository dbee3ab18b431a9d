import uuid
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from placement.audit.models import audit
from placement.events import outbox
from placement.placements.models import Placement
from placement.posts.models import JobPost
from tests.placement.imports.conftest import DAPU, PLACEMENT_HEADER, PROBLEM, URL, credit_code, csv_file, xlsx_file
from tests.placement.placements.fakes import FakeRegistry, claims_of

CODE = credit_code(101)


@dataclass
class FlakyRegistry(FakeRegistry):
    down_from_call: int | None = None
    """From this lookup on (1 = the first), the registry is down."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down_from_call is not None and len(self.calls) + 1 >= self.down_from_call:
            self.mode = "down"
        return super().handle(request)


@pytest.fixture
def fake_registry() -> FlakyRegistry:
    return FlakyRegistry()


def row(person_id: str, number: str, *, employer: str = CODE, post: str = "", end: str = "2026-12-31") -> list[str]:
    return [person_id, "集中安置", employer, post, number, "2026-01-01", "2026-01-01", end, "2200"]


async def placements_of(db, *person_ids: str) -> list[Placement]:
    ids = [uuid.UUID(p) for p in person_ids]
    return list((await db.scalars(select(Placement).where(Placement.person_id.in_(ids)))).all())


async def test_a_dry_run_applies_every_rule_of_a_single_create_and_writes_nothing(env, auth, new_employer, new_post):
    employer_id = await new_employer(unified_social_credit_code=CODE)
    post = await new_post(employer_id, headcount=1)
    first, second, unable = env.registry.add(), env.registry.add(), env.registry.add(work_ability="unable")
    rows = [
        PLACEMENT_HEADER,
        row(first, "HT-1", post="缫丝工"),
        row(second, "HT-2", post="缫丝工"),  # the post's one place went to row 2
        row(unable, "HT-3"),
        row(str(uuid.uuid4()), "HT-4"),  # not in the registry
        ["not-an-id", "跳舞", "", "", "HT-5", "2026-13-01", "2026-01-01", "2025-12-31", "两千"],
        row(first, "HT-6", employer="没有这家单位"),
    ]
    response = await env.client.post(
        URL, files=csv_file(rows), params={"kind": "placements", "dry_run": "true"}, headers=auth()
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["total"], report["would_create"], report["would_skip"], report["failed"]) == (6, 1, 0, 5)
    issues = {(i["line"], i["column"]) for i in report["issues"]}
    assert {(3, "岗位"), (4, "人员编号"), (5, "人员编号"), (7, "用人单位")} <= issues
    assert {(6, "人员编号"), (6, "安置方式"), (6, "签订日期"), (6, "月工资")} <= issues
    # One lookup for the whole batch as of today and one as of the rows' start date, not one per row.
    assert [c["as_of"] for c in env.registry.calls] == [None, "2026-01-01"]
    assert await placements_of(env.session, first, second) == []
    assert (await env.session.get(JobPost, uuid.UUID(post["id"]), populate_existing=True)).filled == 0


async def test_an_import_places_people_like_single_creates_and_a_rerun_skips_them(env, auth, new_employer, new_post):
    employer_id = await new_employer(unified_social_credit_code=CODE)
    post = await new_post(employer_id, headcount=2)
    people = [env.registry.add() for _ in range(3)]
    rows = [
        PLACEMENT_HEADER,
        row(people[0], "HT-1", post="缫丝工"),
        row(people[1], "HT-2", post=post["id"], end=""),  # open-ended
        row(people[2], "HT-3", post="缫丝工"),  # the post is full by then
    ]
    job = await env.run(csv_file(rows), auth(), "placements")
    assert job["status"] == "succeeded" and job["kind"] == "placements"
    assert (job["total"], job["processed"], job["created"], job["skipped"], job["failed"]) == (3, 3, 2, 0, 1)
    assert job["failed_rows"][0]["line"] == 4 and job["failed_rows"][0]["column"] == "岗位"
    placed = {str(p.person_id): p for p in await placements_of(env.session, *people)}
    assert set(placed) == {people[0], people[1]}
    assert placed[people[1]].contract_open_ended is True and placed[people[1]].contract_end_on is None
    assert placed[people[0]].contract_term_months == 12 and str(placed[people[0]].monthly_wage) == "2200.00"
    assert (await env.session.get(JobPost, uuid.UUID(post["id"]), populate_existing=True)).filled == 2
    ids = [p.id for p in placed.values()]
    events = (await env.session.scalars(select(outbox.table.c.kind).where(outbox.table.c.aggregate_id.in_(ids)))).all()
    assert sorted(events) == ["placement.started", "placement.started"]
    entries = (
        await env.session.execute(
            select(audit.table.c.operation, audit.table.c.resource_ids, audit.table.c.changes).where(
                audit.table.c.operation == "placement.create"
            )
        )
    ).all()
    assert {str(e.resource_ids[0]) for e in entries} == {people[0], people[1]}
    assert {e.changes["placement_id"]["new"] for e in entries} == {str(i) for i in ids}

    again = await env.run(csv_file(rows), auth(), "placements")
    assert (again["created"], again["skipped"], again["failed"]) == (0, 2, 1)
    assert len(await placements_of(env.session, *people)) == 2


async def test_each_batch_is_one_registry_lookup(env, auth, new_employer):
    await new_employer(unified_social_credit_code=CODE)
    env.importer.batch_size = 2
    people = [env.registry.add() for _ in range(5)]
    rows = [PLACEMENT_HEADER, *(row(p, f"HT-{i}") for i, p in enumerate(people))]
    job = await env.run(csv_file(rows), auth(), "placements")
    assert job["created"] == 5
    # Each of the three batches: today, and the rows' one start date.
    assert [c["as_of"] for c in env.registry.calls] == [None, "2026-01-01"] * 3


async def test_registry_down_fails_the_job_and_writes_nothing_of_the_failed_batch(env, auth, new_employer):
    await new_employer(unified_social_credit_code=CODE)
    env.importer.batch_size = 2
    people = [env.registry.add() for _ in range(4)]
    rows = [PLACEMENT_HEADER, *(row(p, f"HT-{i}") for i, p in enumerate(people))]
    env.registry.down_from_call = 3  # the second batch's first lookup
    job = await env.run(csv_file(rows), auth(), "placements")
    assert job["status"] == "failed" and "registry" in job["error"] and "row 4" in job["error"]
    assert (job["processed"], job["created"], job["failed"]) == (4, 2, 2)
    assert [r["line"] for r in job["failed_rows"]] == [4, 5]
    assert "503" in job["failed_rows"][0]["reason"]
    assert {str(p.person_id) for p in await placements_of(env.session, *people)} == set(people[:2])


async def test_a_registry_timeout_in_a_dry_run_is_504_and_a_refusal_to_start_nothing(env, auth, new_employer):
    await new_employer(unified_social_credit_code=CODE)
    person = env.registry.add()
    env.registry.mode = "slow"
    files = csv_file([PLACEMENT_HEADER, row(person, "HT-1")])
    response = await env.client.post(URL, files=files, params={"kind": "placements", "dry_run": "true"}, headers=auth())
    assert response.status_code == 504 and response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "registry_timeout"
    env.registry.mode = "error"
    job = await env.run(files, auth(), "placements")
    assert job["status"] == "failed" and job["created"] == 0
    assert await placements_of(env.session, person) == []


async def test_township_staff_place_only_their_own_jurisdictions_people(env, auth, new_employer):
    await new_employer(unified_social_credit_code=CODE, jurisdiction_code="shapu")
    own, other = env.registry.add(jurisdiction_code="dapu"), env.registry.add(jurisdiction_code="shapu")
    rows = [PLACEMENT_HEADER, row(own, "HT-1"), row(other, "HT-2")]
    job = await env.run(csv_file(rows), auth(**DAPU), "placements")
    assert (job["created"], job["failed"]) == (1, 1)
    assert job["failed_rows"][0]["line"] == 3 and job["failed_rows"][0]["column"] == "人员编号"
    assert job["failed_rows"][0]["reason"] == "No such person."
    assert [str(p.person_id) for p in await placements_of(env.session, own, other)] == [own]
    # The registry was asked with the township caller's own token, so it applied their jurisdiction.
    assert [claims_of(call["authorization"])["jur"] for call in env.registry.calls] == ["dapu", "dapu"]


async def test_who_may_import_placements(env, auth, new_employer):
    await new_employer(unified_social_credit_code=CODE)
    files = csv_file([PLACEMENT_HEADER, row(env.registry.add(), "HT-1")])
    for headers, status in (
        (auth(department="finance"), 403),
        (auth(department="industry_commerce"), 403),
        (auth(department="human_resources"), 200),
        (auth(**DAPU), 200),
    ):
        response = await env.client.post(
            URL, files=files, params={"kind": "placements", "dry_run": "true"}, headers=headers
        )
        assert response.status_code == status, (headers, response.text)


async def test_an_xlsx_of_placements_without_a_contract_imports(env, auth):
    person = env.registry.add()
    rows = [["人员编号", "安置方式", "用工形式", "开始日期"], [person, "灵活就业", "非全日制", "2026-03-01"]]
    job = await env.run(xlsx_file(rows), auth(), "placements")
    assert job["created"] == 1, job
    (placed,) = await placements_of(env.session, person)
    assert (placed.route, placed.working_pattern, str(placed.start_on), placed.contract_number) == (
        "flexible",
        "part_time",
        "2026-03-01",
        None,
    )


async def test_back_dated_rows_are_each_checked_on_their_own_start_date(env, auth, new_employer):
    """A 2012-2015 community detox: rows starting inside it are placed, a row starting the day it ended is refused
    with the measure history named; the batch asks the registry once for today and once per distinct start date."""
    await new_employer(unified_social_credit_code=CODE)
    detox = [("community_detox", date(2012, 3, 1), date(2015, 3, 1), "completed")]
    first, second, late = (env.registry.add(current_measure=None, measures=detox) for _ in range(3))

    def dated(person_id: str, number: str, start: str) -> list[str]:
        return [person_id, "集中安置", CODE, "", number, start, start, f"{int(start[:4]) + 1}{start[4:]}", "2200"]

    rows = [
        PLACEMENT_HEADER,
        dated(first, "HT-1", "2012-03-01"),  # the day the detox started
        dated(second, "HT-2", "2012-03-01"),
        dated(late, "HT-3", "2015-03-01"),  # the day it ended: no longer in force
    ]
    job = await env.run(csv_file(rows), auth(), "placements")

    assert (job["created"], job["failed"]) == (2, 1), job
    failed = job["failed_rows"][0]
    assert (failed["line"], failed["column"]) == (4, "人员编号")
    assert (
        "on 2015-03-01" in failed["reason"] and "community_detox from 2012-03-01, ended 2015-03-01" in failed["reason"]
    )
    asked = [(c["as_of"], sorted(c["ids"])) for c in env.registry.calls]
    assert asked == [
        (None, sorted([first, second, late])),
        ("2012-03-01", sorted([first, second])),
        ("2015-03-01", [late]),
    ]
    placed = await placements_of(env.session, first, second)
    assert {(p.start_on, p.eligibility_checked_on, p.eligibility_rule) for p in placed} == {
        (date(2012, 3, 1), date(2012, 3, 1), "placeable-v2")
    }
