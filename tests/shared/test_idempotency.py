"""shared.idempotency's one create: replay, else write and remember; and the HTTP answer made of it.

Against the placement test database's idempotency_key table, in a transaction rolled back at the end."""

from __future__ import annotations

import uuid

import pytest
from fastapi import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from placement.idempotency import store
from shared.idempotency import Created, IdempotencyKeyReused, send_created

OPERATION = "POST /api/v1/widgets"


class WidgetCreate(BaseModel):
    name: str


class Widget(BaseModel):
    id: uuid.UUID
    name: str
    stock: int = 0


@pytest.fixture
async def session(database_url):
    engine = create_async_engine(database_url("placement"))
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield AsyncSession(bind=conn)
        await transaction.rollback()
    await engine.dispose()


class Writes:
    """A write step that counts how often it ran."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> Widget:
        self.count += 1
        return Widget(id=uuid.uuid4(), name="蔗糖")


async def test_a_retry_with_the_key_gets_the_first_answer_and_nothing_is_written_again(session):
    write, subject, key = Writes(), f"user-{uuid.uuid4()}", str(uuid.uuid4())
    body = WidgetCreate(name="蔗糖")
    first = await store.create(session, subject, key, OPERATION, body, Widget, write)
    again = await store.create(session, subject, key, OPERATION, body, Widget, write)
    assert (first.status, first.replayed) == (201, False)
    assert (again.status, again.replayed, again.item) == (201, True, first.item)
    assert write.count == 1
    # The body's model and its JSON are the same request.
    as_json = await store.create(session, subject, key, OPERATION, body.model_dump(mode="json"), Widget, write)
    assert as_json.replayed and write.count == 1


async def test_the_key_with_another_body_is_refused_and_another_callers_key_is_theirs(session):
    write, subject, key = Writes(), f"user-{uuid.uuid4()}", str(uuid.uuid4())
    await store.create(session, subject, key, OPERATION, WidgetCreate(name="蔗糖"), Widget, write)
    with pytest.raises(IdempotencyKeyReused):
        await store.create(session, subject, key, OPERATION, WidgetCreate(name="砂糖橘"), Widget, write)
    other = await store.create(
        session, f"user-{uuid.uuid4()}", key, OPERATION, WidgetCreate(name="砂糖橘"), Widget, write
    )
    assert not other.replayed and write.count == 2


async def test_without_a_key_every_request_writes(session):
    write, subject = Writes(), f"user-{uuid.uuid4()}"
    answers = [
        await store.create(session, subject, None, OPERATION, WidgetCreate(name="x"), Widget, write) for _ in "ab"
    ]
    assert write.count == 2 and answers[0].item.id != answers[1].item.id
    assert not any(a.replayed for a in answers)


async def test_a_job_is_replayed_as_it_is_now_with_the_status_it_was_first_answered_with(session):
    write, subject, key = Writes(), f"user-{uuid.uuid4()}", str(uuid.uuid4())

    async def as_now(first: Widget) -> Widget:
        return first.model_copy(update={"stock": 7})

    queued = await store.create(session, subject, key, OPERATION, {"file": "a.csv"}, Widget, write, status=202)
    again = await store.create(
        session, subject, key, OPERATION, {"file": "a.csv"}, Widget, write, status=202, as_now=as_now
    )
    assert (queued.status, queued.item.stock) == (202, 0)
    assert (again.status, again.replayed, again.item.id, again.item.stock) == (202, True, queued.item.id, 7)


def test_the_answer_carries_status_location_etag_and_says_when_it_is_replayed():
    widget = Widget(id=uuid.uuid4(), name="蔗糖")
    first, retry = Response(), Response()
    assert send_created(first, Created(201, widget), location=f"/api/v1/widgets/{widget.id}", version=3) is widget
    send_created(retry, Created(201, widget, replayed=True))
    assert first.status_code == 201 and first.headers["Location"] == f"/api/v1/widgets/{widget.id}"
    assert first.headers["ETag"] == '"3"' and "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true" and "Location" not in retry.headers
