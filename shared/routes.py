"""What many routes answer alike, written once.

A route keeps its decorator and signature, since they are its OpenAPI (the operationId is the function's name,
the description its docstring, the parameters its signature). What its decorator declares alike with others is
named here (`creates`, `versioned`: status, problems and the headers its answer sends), and its body is one call
here, given the service call, the audit entry to do it under and where a created item can be read:

- `audited_page`: a page of a service's `(items, next_cursor)`, listed under an audit entry (which may name what
  it lists, `person_ids`: their people);
- `audited_call`: any other service call under an audit entry, the ids it concerns (`person_of`: its person) and
  its changes recorded once it is done;
- `audited_create`: an idempotent create under an audit entry, the changes recorded once it is done, answered
  with `send_created_at`;
- `send_created_at`: `shared.idempotency.send_created` with the Location `<collection>/<id>` and, for a versioned
  resource, its ETag;
- `send_started`: a background job's answer (202 with Location), the job launched after the answer unless it is
  the replayed first one;
- `import_upload`: a file import (`shared.imports.JobImporter`): checked under an audit entry, answered with the
  dry run's result or the job queued; `import_responses` its documented answers; `import_job_routes` the routes
  of an import's job and its rows in trouble, the same wherever files are imported;
- `new_values`, `body_values`: a create's changes for the trail, each field from nothing to its value.

The service call is handed in not yet awaited (`service.list_x(session, ...)`), so it runs inside the audit entry,
as it did written out in the route; if the entry fails first, it is closed without running.
"""

import asyncio
import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, BackgroundTasks, Query, Response, UploadFile
from pydantic import BaseModel

from shared.audit import Trail
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import Created, send_created
from shared.imports import IssueOutcome, JobImporter, file_digest
from shared.openapi import response_headers
from shared.pagination import Page, PageParams, PageParamsDep
from shared.tabular import read_upload

T = TypeVar("T")

Changes = Mapping[str, Any]


@contextmanager
def _closed_after(work: Awaitable[Any]) -> Iterator[None]:
    """A coroutine not awaited (its audit entry failed first) is closed, not left to warn when collected."""
    try:
        yield
    finally:
        if inspect.iscoroutine(work):
            work.close()


def creates(*problems: int, etag: bool = False) -> dict[str, Any]:
    """A create route's declaration, `@router.post(path, **creates(403, 409, 422))`: it answers 201 with the
    created item's Location (and its ETag with `etag=True`: `send_created_at(..., versioned=True)`), or one of
    `problems`."""
    headers = ("ETag", "Location") if etag else ("Location",)
    return {
        "status_code": 201,
        "responses": problem_responses(*problems),
        "openapi_extra": response_headers(201, *headers),
    }


def versioned(*problems: int) -> dict[str, Any]:
    """The declaration of a route answering one versioned resource with its ETag (`send_versioned`),
    `@router.get(path, **versioned(403, 404))`, or one of `problems`."""
    return {"responses": problem_responses(*problems), "openapi_extra": response_headers(200, "ETag")}


def new_values(**fields: Any) -> dict[str, dict[str, Any]]:
    """The trail's changes of a create: each field from nothing (`old: None`) to its value."""
    return {field: {"old": None, "new": value} for field, value in fields.items()}


def body_values(body: BaseModel) -> dict[str, dict[str, Any]]:
    """`new_values` of every field of a create's request body."""
    return new_values(**body.model_dump())


async def audited_page(
    trail: AbstractAsyncContextManager[Trail],
    listing: Awaitable[tuple[Sequence[Any], str | None]],
    params: PageParams,
    *,
    to_read: Callable[[Any], Any] | None = None,
    resources: Callable[[Sequence[Any]], list[uuid.UUID]] | None = None,
) -> Page[Any]:
    """The page of `await listing` (a service's `(items, next_cursor)`), read under `trail`.

    `resources`: the ids the entry names, found from the items listed (`person_ids`: their people); `to_read`: the
    answer's form of an item, when the service hands back rows."""
    with _closed_after(listing):
        async with trail as entry:
            items, next_cursor = await listing
            if resources is not None:
                entry.resource_ids = resources(items)
    answer = list(items) if to_read is None else [to_read(item) for item in items]
    return Page(items=answer, next_cursor=next_cursor, limit=params.limit)


async def audited_call(
    trail: AbstractAsyncContextManager[Trail],
    work: Awaitable[T],
    *,
    changes: Callable[[T], Changes] | None = None,
    resources: Callable[[T], list[uuid.UUID]] | None = None,
) -> T:
    """`await work` under `trail`; once it is done the entry names `resources(result)` and records
    `changes(result)`, where given."""
    with _closed_after(work):
        async with trail as entry:
            result = await work
            if resources is not None:
                entry.resource_ids = resources(result)
            if changes is not None:
                entry.changes = changes(result)
    return result


def person_of(item: Any) -> list[uuid.UUID]:
    """The person of one item (its `person_id`): what an entry of a read or change of it names."""
    return [item.person_id]


def person_ids(items: Iterable[Any]) -> list[uuid.UUID]:
    """The people of the items (their `person_id`), each once, in order: what an entry of a listing names."""
    return list(dict.fromkeys(item.person_id for item in items))


async def audited_create(
    trail: AbstractAsyncContextManager[Trail],
    creating: Awaitable[Created[T]],
    response: Response,
    *,
    changes: Callable[[T], Changes] | None = None,
    collection: str | None = None,
    versioned: bool = False,
) -> T:
    """`await creating` (an idempotent create) under `trail`, the entry's changes `changes(item)` once it is done;
    answered by `send_created_at` (201 or the replayed first answer, Location in `collection`, ETag if versioned)."""
    with _closed_after(creating):
        async with trail as entry:
            created = await creating
            if changes is not None:
                entry.changes = changes(created.item)
    return send_created_at(response, created, collection, versioned=versioned)


def send_created_at(response: Response, created: Created[Any], collection: str | None, *, versioned: bool = False):
    """`send_created` with the Location `<collection>/<item id>` (none without a collection) and, for a versioned
    resource, the item's version as ETag."""
    item = created.item
    location = None if collection is None else f"{collection}/{item.id}"
    return send_created(response, created, location=location, version=item.version if versioned else None)


def send_started(
    response: Response,
    created: Created[Any],
    collection: str,
    background: BackgroundTasks,
    launch: Callable[..., Awaitable[None]],
    *args: Any,
):
    """A background job's answer: its status (202) and Location in `collection`; unless this is the replayed
    first answer, `launch(job.id, *args)` runs after the answer is sent, so after the request's transaction has
    committed the job."""
    job = send_created_at(response, created, collection)
    if not created.replayed:
        background.add_task(launch, job.id, *args)
    return job


def import_responses(job: type[BaseModel], validation: type[BaseModel], *problems: int) -> dict[int | str, Any]:
    """The documented answers of a file import: the dry run's result (200) or the job queued (202), and `problems`."""
    return {
        200: {"model": validation, "description": "dry_run=true: what the import would do; nothing written."},
        202: {"model": job, "description": "The import job, queued; follow its Location."},
        **problem_responses(*problems),
    }


async def import_upload(
    trail: AbstractAsyncContextManager[Trail],
    importer: JobImporter,
    *,
    session: Any,
    principal: Any,
    file: UploadFile,
    dry_run: bool,
    idempotency_key: str | None,
    response: Response,
    background: BackgroundTasks,
    collection: str,
    allowed: Callable[[], None],
    check: Callable[..., Any],
    validate: Callable[[Any, str], Awaitable[Any]],
    launch_with: Callable[[Any], tuple[Any, ...]],
    people: Callable[[Any], list[uuid.UUID]] | None = None,
):
    """A file import, under `trail`: `allowed()` (the policy, raising when not), the upload read within the
    importer's limits, its rows checked by `check(data, filename=...)` in a worker thread (parsing and checking
    thousands of rows is CPU work; the event loop keeps answering), the entry naming `people(checked)` when given.
    A dry run answers 200 with `validate(checked, file_name)`; otherwise the job is created (idempotent) and
    answered by `send_started`, launched with `importer.launch(job.id, *launch_with(checked))`."""
    file_name = (file.filename or "upload")[:255]
    async with trail as entry:
        allowed()
        data = await read_upload(file, importer.limits)
        checked = await asyncio.to_thread(check, data, filename=file.filename)
        if people is not None:
            entry.resource_ids = people(checked)
        if dry_run:
            response.status_code = 200
            return await validate(checked, file_name)
        created = await importer.create_job(
            session,
            principal=principal,
            checked=checked,
            file_name=file_name,
            digest=file_digest(data),
            idempotency_key=idempotency_key,
        )
    return send_started(response, created, collection, background, importer.launch, *launch_with(checked))


def import_job_routes(
    router: APIRouter, importer_dep: Any, job_read: type[BaseModel], row_issue: type[BaseModel], *, checks: int = 0
) -> None:
    """`GET <prefix>/{job_id}` and `GET <prefix>/{job_id}/issues` of a service's file imports: the job and its rows
    that failed or were skipped. `importer_dep`: the route dependency of the service's `JobImporter`; `job_read`,
    `row_issue`: its answers' models; `checks`: a status its routes may also answer (placement's 422)."""
    more = (checks,) if checks else ()

    @router.get("/{job_id}", responses=problem_responses(403, 404, *more))
    async def get_import(
        session: SessionDep, principal: CurrentPrincipal, importer: importer_dep, job_id: uuid.UUID
    ) -> job_read:
        """One import: status, progress (processed/total), created, skipped and failed rows with reasons."""
        return await importer.get(session, principal=principal, job_id=job_id)

    @router.get("/{job_id}/issues", responses=problem_responses(400, 403, 404, *more))
    async def list_import_issues(
        session: SessionDep,
        principal: CurrentPrincipal,
        importer: importer_dep,
        job_id: uuid.UUID,
        params: PageParamsDep,
        outcome: Annotated[
            IssueOutcome | None, Query(description="Only failed rows, or only skipped ones.", examples=["failed"])
        ] = None,
    ) -> Page[row_issue]:
        """The rows of an import that failed (line, column, reason) or were skipped, in line order."""
        return Page.of(
            await importer.issues(session, principal=principal, job_id=job_id, params=params, outcome=outcome), params
        )
