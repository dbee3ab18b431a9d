"""The job runner (shared.imports) as the registry uses it: a job ends succeeded, failed or interrupted, never
stays running; and an upload larger than the service's usual body limit reaches the import route."""

import asyncio
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from registry.imports.models import KIND, jobs_table
from tests.principals import user
from tests.registry.persons.conftest import id_number

OWNER = user(subject="u1")


async def new_job(reg) -> uuid.UUID:
    return await reg.importer.jobs.create(
        reg.session, kind=KIND, principal=OWNER, file_name="a.csv", file_sha256="0" * 64, total=10
    )


async def status_of(reg, job_id: uuid.UUID) -> tuple[str, str | None]:
    row = (await reg.session.execute(select(jobs_table).where(jobs_table.c.id == job_id))).one()
    return row.status, row.error


async def test_a_job_whose_work_raises_ends_failed_with_a_plain_reason(reg):
    job_id = await new_job(reg)

    async def work(job):
        assert job.owner_name == "韦丽" and job.status == "running"
        raise RuntimeError("secret detail 450222199001011234")

    reg.importer.runner.launch(job_id, work)
    await reg.drain()
    status, error = await status_of(reg, job_id)
    assert status == "failed"
    assert "450222199001011234" not in error and "upload the same file again" in error.lower()


async def test_a_job_stopped_by_shutdown_ends_interrupted(reg):
    job_id = await new_job(reg)
    started = asyncio.Event()

    async def work(job):
        started.set()
        await asyncio.Event().wait()

    reg.importer.runner.launch(job_id, work)
    await started.wait()
    assert reg.importer.runner.running == [job_id]
    await reg.importer.runner.shutdown()
    status, error = await status_of(reg, job_id)
    assert status == "interrupted" and "shut down" in error


async def test_a_job_runs_once(reg):
    job_id = await new_job(reg)
    runs = []

    async def work(job):
        runs.append(job.id)

    reg.importer.runner.launch(job_id, work)
    reg.importer.runner.launch(job_id, work)
    await reg.drain()
    assert runs == [job_id]
    assert (await status_of(reg, job_id))[0] == "succeeded"


async def test_an_upload_over_the_usual_body_limit_reaches_the_import_route(reg, auth):
    note = "备" * 200
    rows = [f"韦某,{id_number(date(1960, 1, 1) + timedelta(days=i), 123)},able,dapu,{note}" for i in range(2500)]
    big = ("姓名,身份证号,就业能力,所属乡镇,备注\n" + "\n".join(rows)).encode()
    assert len(big) > 1_048_576  # the registry's usual limit on request bodies
    response = await reg.client.post(
        "/api/v1/person-imports",
        files={"file": ("big.csv", big, "text/csv")},
        params={"dry_run": True},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["total"], response.json()["failed"]) == (2500, 0)
    elsewhere = await reg.client.post(
        "/api/v1/persons", content=b"{" + b" " * len(big) + b"}", headers=auth() | {"Content-Type": "application/json"}
    )
    assert elsewhere.status_code == 413
