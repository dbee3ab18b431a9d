"""/docs and /redoc, at the gateway and at each service, load nothing from another host: every script, style and
icon they name is a local path the app itself serves (Swagger UI and ReDoc from the pinned fastapi-offline wheel),
and Swagger UI is told not to send the document to validator.swagger.io."""

import importlib
import re

import httpx
import pytest

from tests.gateway.conftest import running_gateway
from tests.gateway.upstreams import FakeUpstreams

REFERENCE = re.compile(r"""(?:src|href|url|spec-url)\s*[=:]\s*["']([^"']+)["']""")


async def check_pages(client: httpx.AsyncClient) -> None:
    for page, asset_types in (("/docs", {"js", "css", "png"}), ("/redoc", {"js", "png"})):
        response = await client.get(page)
        assert response.status_code == 200
        html = response.text
        assert "http://" not in html and "https://" not in html and "//fonts." not in html, page
        assert '"validatorUrl": null' in html or page == "/redoc"
        references = REFERENCE.findall(html)
        assert "/openapi.json" in references
        assets = [ref for ref in references if ref.startswith("/docs/assets/")]
        assert {ref.rsplit(".", 1)[-1] for ref in assets} == asset_types, page
        for ref in assets:
            asset = await client.get(ref)
            assert asset.status_code == 200 and len(asset.content) > 100, ref
            assert asset.headers["content-type"].split(";")[0] in {"text/javascript", "text/css", "image/png"}


async def test_the_gateways_docs_load_only_local_assets(database_url):
    async with running_gateway(database_url("gateway"), upstreams=FakeUpstreams()) as client:
        await check_pages(client)
        swagger = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
        assert "isOAS31" in swagger  # Swagger UI 5: renders the OpenAPI 3.1 document


@pytest.mark.parametrize("service", ["registry", "placement", "subsidy", "reporting"])
async def test_a_services_own_docs_load_only_local_assets(service):
    app = importlib.import_module(f"{service}.main").create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{service}") as client:
        await check_pages(client)
