"""Prometheus metrics: every process serves them on a listener of its own (never through the API or the gateway),
labelled by route template and status (no raw path, id or query string), with the pool, feed and job figures."""

import asyncio
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from registry.config import Settings as RegistrySettings
from registry.main import create_app as create_registry
from shared.metrics import feed_progress, job_progress
from tests.gateway.conftest import running_gateway
from tests.gateway.upstreams import FakeUpstreams


async def scrape(port: int) -> tuple[str, dict[str, list]]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    by_name: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            by_name.setdefault(sample.name, []).append(sample)
    return response.text, by_name


def samples(families: dict[str, list], name: str, **labels: str) -> list:
    return [s for s in families.get(name, []) if labels.items() <= s.labels.items()]


async def test_a_service_serves_its_metrics_on_its_own_port_by_route_template(database_url, jwks_fetcher):
    settings = RegistrySettings(
        database_url=database_url("registry"), environment="test", log_json=False, metrics_port=0
    )
    app = create_registry(settings, jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        port = app.state.metrics_server.port
        # The counters are the process's: other tests in this run may have counted requests already.
        _, before = await scrape(port)
        person = uuid.uuid4()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            assert (await client.get(f"/api/v1/persons/{person}?name=覃某某")).status_code == 401
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.request("BREW", "/healthz")).status_code == 405
            assert (await client.get("/metrics")).status_code == 404  # not part of the API
            assert (await client.get("/docs")).status_code == 200
        text, families = await scrape(port)
    assert str(person) not in text and "覃某某" not in text and "name=" not in text
    route = {"service": "registry", "route": "/api/v1/persons/{person_id}"}

    def counts(families: dict[str, list]) -> dict[tuple[str, str], float]:
        read = samples(families, "qihang_http_requests_total", **route)
        return {(s.labels["method"], s.labels["status"]): s.value for s in read}

    earlier, now = counts(before), counts(families)
    changed = {key: value - earlier.get(key, 0) for key, value in now.items() if value != earlier.get(key, 0)}
    assert changed == {("GET", "401"): 1}
    assert samples(families, "qihang_http_requests_total", service="registry", route="/healthz", status="200")
    assert samples(families, "qihang_http_requests_total", service="registry", method="other", status="405")
    assert samples(families, "qihang_http_requests_total", service="registry", route="/docs", status="200")
    assert samples(families, "qihang_http_request_duration_seconds_count", route="/api/v1/persons/{person_id}")
    assert samples(families, "qihang_db_pool_max", service="registry")[0].value == 20  # 10 + 10 overflow
    assert samples(families, "qihang_db_pool_checked_out", service="registry")
    # Stopped with the app: nothing listens on the port any more.
    await asyncio.sleep(0)
    async with httpx.AsyncClient() as client:
        try:
            await client.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
        except httpx.TransportError:
            pass
        else:
            raise AssertionError("the metrics listener outlived its app")


async def test_the_gateway_labels_proxied_requests_by_prefix_and_does_not_answer_metrics(database_url):
    async with running_gateway(database_url("gateway"), upstreams=FakeUpstreams(), metrics_port=0) as client:
        assert (await client.get("/metrics")).status_code == 404
        employer = uuid.uuid4()
        await client.get(f"/api/v1/employers/{employer}/designations?year=2013")
        text, families = await scrape(client.app.state.metrics_server.port)
    proxied = samples(families, "qihang_http_requests_total", service="gateway", route="/api/v1/employers/{path:path}")
    assert proxied and str(employer) not in text and "year=2013" not in text
    # The registry of counters is the process's: other tests' services (placement's own designations route) are in
    # it too; none of the gateway's labels names what followed the prefix.
    gateway = [s for s in families["qihang_http_requests_total"] if s.labels["service"] == "gateway"]
    assert gateway and not [s for s in gateway if "designations" in s.labels["route"]]
    assert samples(families, "qihang_http_requests_total", service="gateway", route="/metrics", status="404") == []
    assert samples(families, "qihang_http_requests_total", service="gateway", route="unmatched", status="404")


async def test_feed_and_job_progress(database_url, jwks_fetcher):
    feed = feed_progress(f"feed-{uuid.uuid4().hex[:6]}")
    feed.polled(200, caught_up=False)
    feed.polled(3, caught_up=True)
    feed.failed()
    job = job_progress(f"kind-{uuid.uuid4().hex[:6]}")
    job.started()
    job.rows("created", 40)
    job.rows("failed", 2)
    settings = RegistrySettings(
        database_url=database_url("registry"), environment="test", log_json=False, metrics_port=0
    )
    app = create_registry(settings, jwks_fetcher=jwks_fetcher)
    async with app.router.lifespan_context(app):
        _, running = await scrape(app.state.metrics_server.port)
        job.ended("succeeded")
        _, ended = await scrape(app.state.metrics_server.port)
    assert samples(running, "qihang_feed_events_total", feed=feed.feed)[0].value == 203
    assert samples(running, "qihang_feed_poll_failures_total", feed=feed.feed)[0].value == 1
    assert 0 <= samples(running, "qihang_feed_lag_seconds", feed=feed.feed)[0].value < 60
    assert samples(running, "qihang_jobs_running", kind=job.kind)[0].value == 1
    assert samples(running, "qihang_job_rows_total", kind=job.kind, outcome="created")[0].value == 40
    assert samples(ended, "qihang_jobs_running", kind=job.kind)[0].value == 0
    assert samples(ended, "qihang_jobs_finished_total", kind=job.kind, status="succeeded")[0].value == 1
