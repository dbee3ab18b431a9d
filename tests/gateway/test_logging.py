"""What the gateway writes to its log for a name search and an ID-number lookup: one access line per request with
method, route and status, and nothing of the query string, the body, the name or the number (httpx's own INFO
line used to carry the whole upstream URL)."""

import io
import json
import logging
import sys
from urllib.parse import quote, unquote

import pytest

from shared.logging import JsonFormatter, PlainFormatter
from tests.gateway.conftest import ADMIN_PASSWORD, login, running_gateway
from tests.gateway.upstreams import FakeUpstreams

NAME = "王勇"
ID_NUMBER = "450222199001011234"


@pytest.fixture
def captured():
    """Every record the process logs, formatted as the gateway formats it (JSON lines)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter("gateway"))
    yield handler, buffer


async def test_a_name_search_and_an_id_lookup_leave_no_personal_data_and_one_access_line_each(database_url, captured):
    handler, buffer = captured
    upstreams = FakeUpstreams()
    async with running_gateway(database_url("gateway"), upstreams=upstreams) as gateway:
        # The app configured logging when it was built; listen on the root logger from here on.
        logging.getLogger().addHandler(handler)
        try:
            token = (await login(gateway, "admin", ADMIN_PASSWORD)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            search = await gateway.get(
                "/api/v1/persons", params={"q": NAME}, headers={**headers, "X-Request-ID": "log-search-1"}
            )
            lookup = await gateway.post(
                "/api/v1/persons/search-by-id-number",
                json={"id_number": ID_NUMBER},
                headers={**headers, "X-Request-ID": "log-lookup-1"},
            )
        finally:
            logging.getLogger().removeHandler(handler)
    assert search.status_code == 200 and lookup.status_code == 200
    # The fake registry did receive the query string and the body: the gateway forwarded them, it just never logs them.
    assert any(NAME in unquote(seen["query"]) for seen in upstreams.apps["registry"].state.seen)
    text = buffer.getvalue()
    for secret in (NAME, quote(NAME), ID_NUMBER, "q=", "?"):
        assert secret not in text, f"{secret!r} is in the gateway's log:\n{text}"
    lines = [json.loads(line) for line in text.splitlines()]
    assert not [line for line in lines if line["logger"].startswith(("httpx", "httpcore"))]
    for request_id, route in (("log-search-1", "/api/v1/persons/{path:path}"), ("log-lookup-1", None)):
        access = [line for line in lines if line["request_id"] == request_id and line["msg"] == "request"]
        assert len(access) == 1, access
        assert access[0]["status"] == 200
        if route:
            assert access[0]["route"] == route


def test_an_exception_is_logged_with_its_type_and_frames_but_not_its_message():
    def fail() -> None:
        try:
            raise KeyError(NAME)
        except KeyError as exc:
            raise ValueError(f'duplicate key (id_number)=({ID_NUMBER}) [parameters: ("{NAME}",)]') from exc

    try:
        fail()
    except ValueError:
        info = sys.exc_info()
    record = logging.LogRecord("qihang.access", logging.ERROR, __file__, 1, "unhandled error", (), info)
    for formatter in (JsonFormatter("gateway"), PlainFormatter()):
        text = formatter.format(record)
        assert "builtins.ValueError (message withheld)" in text and "builtins.KeyError" in text
        assert "in fail" in text
        assert NAME not in text and ID_NUMBER not in text
