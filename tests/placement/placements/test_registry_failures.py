"""When the registry is down, failing or slow, creating a placement fails with a clear problem and writes nothing:
no placement, no place taken, no event, no idempotency key (a retry runs afresh)."""

import pytest
from sqlalchemy import text

from tests.placement.placements.conftest import PLACEMENTS, POSTS, PROBLEM, create_outcomes, placement_body


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [
        ("down", 503, "registry_unavailable"),
        ("error", 503, "registry_unavailable"),
        ("slow", 504, "registry_timeout"),
        ("refuse", 403, "registry_refused"),
    ],
)
async def test_a_registry_failure_is_a_clear_problem_and_nothing_is_written(
    api, auth, new_employer, new_post, fake_registry, db, mode, status, code
):
    post = await new_post(await new_employer())
    person_id = fake_registry.add()
    fake_registry.mode = mode
    headers = auth() | {"Idempotency-Key": f"try-{mode}"}

    response = await api.post(PLACEMENTS, json=placement_body(person_id, post_id=post["id"]), headers=headers)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code
    assert "registry" in response.json()["detail"].lower()
    for table in ("placement", "placement_follow_up", "idempotency_key"):
        assert (await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0, table
    assert (await db.execute(text("SELECT count(*) FROM outbox_event WHERE kind LIKE 'placement.%'"))).scalar_one() == 0
    assert (await api.get(f"{POSTS}/{post['id']}", headers=auth())).json()["filled"] == 0
    outcomes = await create_outcomes(db, person_id)
    assert outcomes == ["denied" if status == 403 else "error"]

    fake_registry.mode = "up"
    retried = await api.post(PLACEMENTS, json=placement_body(person_id, post_id=post["id"]), headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
