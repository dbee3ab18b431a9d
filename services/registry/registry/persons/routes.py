"""The routes of a person's records, written once: the records kept under `/api/v1/persons/{person_id}/...` (drug
tests, measures, register changes, work ability, stays, the support team and visits, treatment, welfare relief), each
request audited in the person's trail.

A kind of records is a `PersonRecords` (its collection's path, its audit entries' name, whether a create answers its
Location and is handed today's date); its routes are declared by stubs, decorated by its `listing`, `create` and
`change`. The stub's name (the operationId), docstring (summary and description), answer (its return annotation) and
its own parameters (after `session`, `principal` and `person_id`, which every route takes first) are the route's
OpenAPI, as they would be written out in a route; the decorator declares and runs the rest, alike for all:

- `listing`: a page of the person's records (the stub takes `params` and any filters), under the entry
  `<name>.read` (or `.list`); it answers 400, 403 or 404 too;
- `create`: an idempotent create of one (the stub takes its `body`; the route then the `response` and the
  Idempotency-Key header), under `<name>.create`, answered 201; it answers 403, 404, 409 or 422 too;
- `change`: a change of one (the stub takes its id and the `body`) under `<name>.<verb>`; it answers 403, 404, 409
  or 422 too.

The service is handed what the route was (`session`, then `principal=`, `person_id=`, the stub's parameters by name,
the body as `data=`), and `today=date.today()` where dated.
"""

import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Response

from registry.persons.auditing import audited as person_audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.routes import Changes, audited_call, audited_create, audited_page, body_values, creates

Route = Callable[..., Any]
Changed = Callable[[Any, Any], Changes]

_FIRST = [
    inspect.Parameter("session", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=SessionDep),
    inspect.Parameter("principal", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=CurrentPrincipal),
    inspect.Parameter("person_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=uuid.UUID),
]
_IDEMPOTENT = [
    inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response),
    inspect.Parameter(
        "idempotency_key", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=IdempotencyKeyHeader, default=None
    ),
]
CHANGE_PROBLEMS = (403, 404, 409, 422)


def _endpoint(stub: Route, run: Callable[..., Awaitable[Any]], *, then: Sequence[inspect.Parameter] = ()) -> Route:
    """The route of `stub`: its name, docstring and answer; `session`, `principal`, `person_id`, the stub's
    parameters and `then` as its parameters, all handed to `run`."""
    declared = inspect.signature(stub, eval_str=True)

    async def endpoint(session, principal, person_id: uuid.UUID, **given: Any) -> Any:
        return await run(session, principal, person_id, **given)

    endpoint.__signature__ = declared.replace(parameters=[*_FIRST, *declared.parameters.values(), *then])
    endpoint.__name__ = endpoint.__qualname__ = stub.__name__
    endpoint.__doc__ = stub.__doc__
    endpoint.__module__ = stub.__module__
    return endpoint


def _on_today(dated: bool) -> dict[str, date]:
    return {"today": date.today()} if dated else {}


@dataclass(frozen=True)
class PersonRecords:
    """One kind of a person's records: its routes, declared by stubs (see the module).

    `path`: the records' collection below the router's prefix; `entry`: their audit entries' operations
    (`<entry>.<verb>`), `listed` the verb of a listing's; `located`: a create answers its Location; `dated`: a create's
    service is handed `today`; `audited`: the audit entry; `tags`: the routes' own OpenAPI tags."""

    router: APIRouter
    path: str
    entry: str
    listed: str = "read"
    located: bool = False
    dated: bool = False
    audited: Callable[..., Any] = person_audited
    tags: list[str] | None = None

    def listing(self, listing: Callable[..., Awaitable[Any]], *, to_read: Callable[[Any], Any] | None = None):
        """`GET`: a page of the person's records (the stub takes `params` and any filters), `listing(session,
        principal=, person_id=, <the stub's parameters>)`; `to_read` the answer's form of a row."""

        def declare(stub: Route) -> Route:
            async def run(session, principal, person_id: uuid.UUID, **given: Any):
                return await audited_page(
                    self.audited(session, principal, f"{self.entry}.{self.listed}", person_ids=[person_id]),
                    listing(session, principal=principal, person_id=person_id, **given),
                    given["params"],
                    to_read=to_read,
                )

            declared = {"responses": problem_responses(400, 403, 404), "tags": self.tags}
            return self.router.get(self.path, **declared)(_endpoint(stub, run))

        return declare

    def create(self, create: Callable[..., Awaitable[Any]], *, changes: Changed | None = None):
        """`POST`: an idempotent create of one (the stub takes its `body`), `create(session, principal=, person_id=,
        data=body, idempotency_key=)`; the entry's changes `changes(item, body)`, by default every field of the
        body."""
        if self.located:
            declared = creates(*CHANGE_PROBLEMS)
        else:
            declared = {"status_code": 201, "responses": problem_responses(*CHANGE_PROBLEMS)}
        changed = changes or (lambda _, body: body_values(body))

        def declare(stub: Route) -> Route:
            async def run(session, principal, person_id: uuid.UUID, body, response: Response, idempotency_key):
                collection = f"{self.router.prefix}{self.path}".format(person_id=person_id)
                return await audited_create(
                    self.audited(session, principal, f"{self.entry}.create", person_ids=[person_id]),
                    create(
                        session,
                        principal=principal,
                        person_id=person_id,
                        data=body,
                        idempotency_key=idempotency_key,
                        **_on_today(self.dated),
                    ),
                    response,
                    changes=lambda item: changed(item, body),
                    collection=collection if self.located else None,
                )

            route = self.router.post(self.path, **declared, tags=self.tags)
            return route(_endpoint(stub, run, then=_IDEMPOTENT))

        return declare

    def change(
        self,
        path: str,
        verb: str,
        change: Callable[..., Awaitable[Any]],
        *,
        changes: Changed,
        to_read: Callable[[Any], Any] | None = None,
        dated: bool = False,
    ):
        """`POST <path>` (below the collection, from the record's id on): a change of one under the entry
        `<entry>.<verb>` (the stub takes its id, then the `body`), `change(session, principal=, person_id=, <its
        id>=, data=body)`; the entry's changes `changes(changed, body)`; answered with `to_read(changed)` where the
        service hands back a row; `dated`: the service is handed `today` (the records' `dated` is their creates')."""

        def declare(stub: Route) -> Route:
            async def run(session, principal, person_id: uuid.UUID, body, **record_id: uuid.UUID):
                changed = await audited_call(
                    self.audited(session, principal, f"{self.entry}.{verb}", person_ids=[person_id]),
                    change(
                        session, principal=principal, person_id=person_id, data=body, **record_id, **_on_today(dated)
                    ),
                    changes=lambda item: changes(item, body),
                )
                return changed if to_read is None else to_read(changed)

            declared = {"responses": problem_responses(*CHANGE_PROBLEMS), "tags": self.tags}
            return self.router.post(f"{self.path}{path}", **declared)(_endpoint(stub, run))

        return declare
