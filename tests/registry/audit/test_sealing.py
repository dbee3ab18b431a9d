"""Many audited requests at once, against the registry app with its real request sessions (a pool of connections,
each request its own transaction) and its own sealer running: every row ends up in one valid chain."""

import asyncio
import uuid

import httpx

from registry.main import create_app
from tests.conftest import _settings
from tests.registry.audit.helpers import committed_audit_rows


async def test_concurrent_audited_requests_end_in_one_valid_chain(database_url, jwks_fetcher, make_token):
    url = database_url("registry")
    reader = {"Authorization": f"Bearer {make_token(roles=['staff'], department='police')}"}
    auditor = {"Authorization": f"Bearer {make_token(roles=['auditor'], department='nco')}"}
    async with committed_audit_rows(url) as committed:
        app = create_app(_settings("registry", url), jwks_fetcher=jwks_fetcher)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:

                async def worker(n: int) -> list[int]:
                    statuses = []
                    for i in range(6):
                        if i % 3 == 2:
                            response = await client.get("/api/v1/audit-events", params={"limit": 5}, headers=auditor)
                        else:  # a person nobody registered: refused, and the refusal recorded and committed
                            response = await client.get(f"/api/v1/persons/{uuid.uuid4()}", headers=reader)
                        statuses.append(response.status_code)
                    return statuses

                results = await asyncio.gather(*(worker(n) for n in range(8)))
                assert sorted({s for statuses in results for s in statuses}) == [200, 404]

                rows = await committed.rows()
                assert len(rows) == 48
                # The service's sealer chains them; wait for it (no sealing by hand). Each check is audited too, and
                # its row is sealed while the next check waits.
                for _ in range(400):
                    verified = (await client.get("/api/v1/audit-events/verify", headers=auditor)).json()
                    if verified["unsealed"] == 0 and verified["sealed_up_to_id"] >= max(r["id"] for r in rows):
                        break
                    await asyncio.sleep(0.25)
                assert (verified["ok"], verified["first_bad_id"], verified["unsealed"]) == (True, None, 0)
                assert verified["checked"] == verified["sealed"] >= 48

        rows = [r for r in await committed.rows() if r["operation"] in ("person.read", "audit.read")]
        assert len(rows) >= 48 and all(r["hash"] is not None for r in rows)
        assert {r["outcome"] for r in rows if r["operation"] == "person.read"} == {"not_found"}
        # One line: sealed rows take consecutive places (the last verification's own row may still wait unsealed).
        seqs = sorted(r["seq"] for r in await committed.rows() if r["seq"] is not None)
        assert len(seqs) >= 48 and seqs == list(range(seqs[0], seqs[0] + len(seqs)))
