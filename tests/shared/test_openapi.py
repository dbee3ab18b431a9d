"""shared.openapi: operationIds from function names, the headers a route declares it sends, public
operations marked, input/output titles and request-side defaults made safe for generated clients."""

from decimal import Decimal
from typing import Annotated

import pytest
from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, Field

from shared.app import create_service_app
from shared.concurrency import IfMatch, set_etag
from shared.config import BaseServiceSettings
from shared.idempotency import Created, IdempotencyKeyHeader, send_created
from shared.openapi import camel_case, resource_operation_id, response_headers

router = APIRouter(prefix="/api/v1/widgets", tags=["widgets"])
open_router = APIRouter(tags=["widgets"])


class WidgetCreate(BaseModel):
    name: str = Field(description="Its name.", examples=["蔗糖"])
    fragile: bool = Field(default=False, description="Handle with care.")


class Widget(BaseModel):
    id: int
    name: str
    fragile: bool = False


class Reading(BaseModel):
    value: Decimal = Decimal("0.5")


def _answer(response: Response, widget: Widget) -> Widget:
    return send_created(response, Created(201, widget), location=f"/api/v1/widgets/{widget.id}")


@router.post("", status_code=201, openapi_extra=response_headers(201, "Location"))
async def create_widget(body: WidgetCreate, response: Response, idempotency_key: IdempotencyKeyHeader = None) -> Widget:
    """Make a widget."""
    return _answer(response, Widget(id=1, name=body.name, fragile=body.fragile))


@router.get("/{widget_id}", openapi_extra=response_headers(200, "ETag"))
async def get_widget(widget_id: int, response: Response) -> Widget:
    """One widget."""
    set_etag(response, 3)
    return Widget(id=widget_id, name="x")


@router.put(
    "/{widget_id}",
    responses={201: {"model": Widget, "description": "Made by this PUT."}},
    openapi_extra=response_headers((200, 201), "ETag"),
)
async def replace_widget(widget_id: int, body: WidgetCreate, response: Response, if_match: IfMatch = None) -> Widget:
    """Replace a widget."""
    return send_created(response, Created(200, Widget(id=widget_id, name=body.name)), version=4, location=None)


@router.post("/{widget_id}/jobs", status_code=202, openapi_extra=response_headers(202, "Location", "ETag"))
async def start_widget_job(widget_id: int, response: Response) -> Widget:
    """Start a job."""
    response.headers["location"] = f"/api/v1/widgets/{widget_id}/jobs/1"
    return Widget(id=widget_id, name="x")


@router.post("/readings")
async def record_reading(body: Reading, x_note: Annotated[str | None, Header()] = None) -> Reading:
    """A model written and read differently (a decimal: number or string in, string out)."""
    return body


@open_router.get("/api/v1/widget-catalogue")
async def widget_catalogue() -> list[str]:
    """Public."""
    return []


def app_document() -> dict:
    settings = BaseServiceSettings(environment="test", log_json=False, service_name="widgets")
    app = create_service_app(
        settings, title="Widgets", description="Test.", routers=[router], public_routers=[open_router]
    )
    return app.openapi()


def test_operation_ids_are_the_function_names_in_camel_case():
    paths = app_document()["paths"]
    assert paths["/api/v1/widgets"]["post"]["operationId"] == "createWidget"
    assert paths["/api/v1/widgets/{widget_id}"]["get"]["operationId"] == "getWidget"
    assert paths["/healthz"]["get"]["operationId"] == "healthz"
    assert camel_case("list_import_issues") == "listImportIssues"
    assert resource_operation_id("list", "/api/v1/placement-audit-events") == "listPlacementAuditEvents"


def test_headers_a_route_sends_are_declared_on_its_success_answer():
    paths = app_document()["paths"]
    created = paths["/api/v1/widgets"]["post"]["responses"]["201"]["headers"]
    assert set(created) == {"Location", "Idempotent-Replayed"}  # declared, and from its Idempotency-Key
    assert set(paths["/api/v1/widgets/{widget_id}"]["get"]["responses"]["200"]["headers"]) == {"ETag"}
    replaced = paths["/api/v1/widgets/{widget_id}"]["put"]["responses"]
    assert set(replaced["200"]["headers"]) == {"ETag"}
    assert set(replaced["201"]["headers"]) == {"ETag"}  # a PUT that creates: each of its success answers
    assert list(replaced["201"]) == ["description", "content", "headers"]
    job = paths["/api/v1/widgets/{widget_id}/jobs"]["post"]["responses"]["202"]
    assert list(job) == ["description", "content", "headers"]  # after the answer's content
    assert list(job["headers"]) == ["ETag", "Location"]  # by name, whatever order they were declared in
    assert "headers" not in paths["/api/v1/widgets/readings"]["post"]["responses"]["200"]
    assert paths["/api/v1/widgets"]["post"]["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    with pytest.raises(ValueError, match="X-Widget"):
        response_headers(200, "ETag", "X-Widget")  # a header without a description cannot be declared


def test_public_operations_have_an_empty_security_requirement():
    paths = app_document()["paths"]
    assert paths["/api/v1/widget-catalogue"]["get"]["security"] == []
    assert paths["/healthz"]["get"]["security"] == []
    assert paths["/api/v1/widgets"]["post"]["security"] == [{"HTTPBearer": []}]


def test_request_side_defaults_move_into_the_description_and_answers_keep_theirs():
    document = app_document()
    schemas = document["components"]["schemas"]
    fragile = schemas["WidgetCreate"]["properties"]["fragile"]
    assert "default" not in fragile and "fragile" not in schemas["WidgetCreate"].get("required", [])
    assert fragile["description"] == "Handle with care. Default when left out: false."
    assert schemas["Widget"]["properties"]["fragile"]["default"] is False
    # Read and written differently: two schemas, two titles (generators name classes after titles).
    assert schemas["Reading-Input"]["title"] == "ReadingInput"
    assert schemas["Reading-Output"]["title"] == "ReadingOutput"
    assert "default" not in schemas["Reading-Input"]["properties"]["value"]
    assert document == app_document()  # the same every time it is asked for
