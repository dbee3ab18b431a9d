import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, Response, UploadFile

from registry.imports import policy
from registry.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from registry.imports.service import PersonImporter
from registry.persons.auditing import audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.imports import IssueOutcome, file_digest
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.tabular import read_upload

router = APIRouter(prefix="/api/v1/person-imports", tags=["person-imports"])


def get_importer(request: Request) -> PersonImporter:
    return request.app.state.person_imports


ImporterDep = Annotated[PersonImporter, Depends(get_importer)]

UPLOAD_DESCRIPTION = (
    "A CSV (UTF-8, with or without BOM, or GB18030 as Chinese Excel saves it) or an Excel workbook (.xlsx, "
    "first sheet). The first row holds the headings: 姓名*, 公民身份号码* (or 身份证号), 就业能力*, and any of "
    "性别, 出生日期 (checked against the ID number), 民族, 联系电话, 户籍地址, 现居住地址, 所属乡镇 (name or "
    "code; township staff may leave it out), 文化程度, 技能 (separated by 、 or commas), 就业能力说明 (required "
    "unless 有劳动能力), 监护人, 监护人关系, 监护人电话, 备注, 确认非重复 (是 to import someone with the same "
    "name and birth date as a person on record). Codes or their Chinese labels are both accepted (男/女, 初中, "
    "部分丧失劳动能力 ...)."
)


@router.post(
    "",
    status_code=202,
    responses={
        200: {"model": ImportValidation, "description": "dry_run=true: what the import would do; nothing written."},
        202: {"model": ImportJobRead, "description": "The import job, queued; follow its Location."},
        **problem_responses(403, 409, 413, 415, 422),
    },
    openapi_extra=response_headers(202, "Location"),
)
async def import_persons(
    session: SessionDep,
    principal: CurrentPrincipal,
    importer: ImporterDep,
    response: Response,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description=UPLOAD_DESCRIPTION)],
    dry_run: Annotated[
        bool,
        Query(description="Only check the file: every bad row with its line, column and reason; writes no person."),
    ] = False,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ImportJobRead | ImportValidation:
    """Import people from a CSV or XLSX file (multipart upload), or check it first with dry_run=true.

    Every row is held to the rules of `POST /api/v1/persons` (ID number, jurisdiction, duplicates). Without
    dry_run the answer is 202 with the job's Location; the good rows are registered in the background, in batches,
    each person with the same audit entry and `person.created` event as a single create. A person already
    registered (same ID number) is skipped, so uploading the same file again finishes an interrupted import.
    A file that is not CSV/XLSX is 415, too large 413, with unusable headings 422 (nothing written)."""
    file_name = (file.filename or "upload")[:255]
    async with audited(session, principal, "person.import.validate" if dry_run else "person.import"):
        policy.require_import(principal)
        data = await read_upload(file, importer.limits)
        # Parsing and checking thousands of rows is CPU work: a worker thread keeps the event loop answering.
        checked = await asyncio.to_thread(importer.read, data, filename=file.filename, principal=principal)
        if dry_run:
            response.status_code = 200
            return await importer.validate(session, checked=checked, file_name=file_name)
        created = await importer.create_job(
            session,
            principal=principal,
            checked=checked,
            file_name=file_name,
            digest=file_digest(data),
            idempotency_key=idempotency_key,
        )
    job = send_created(response, created, location=f"/api/v1/person-imports/{created.item.id}")
    if not created.replayed:
        # Background tasks run after the response is sent, so after the request's transaction has committed the job.
        background.add_task(importer.launch, job.id, checked.rows)
    return job


@router.get("", responses=problem_responses(400, 403))
async def list_imports(
    session: SessionDep, principal: CurrentPrincipal, importer: ImporterDep, params: PageParamsDep
) -> Page[ImportJobRead]:
    """List the person imports you may see (your department and jurisdiction's; the NCO sees all), newest first."""
    return Page.of(await importer.page(session, principal=principal, params=params), params)


@router.get("/{job_id}", responses=problem_responses(403, 404))
async def get_import(
    session: SessionDep, principal: CurrentPrincipal, importer: ImporterDep, job_id: uuid.UUID
) -> ImportJobRead:
    """One import: status, progress (processed/total), created, skipped and failed rows with reasons."""
    return await importer.get(session, principal=principal, job_id=job_id)


@router.get("/{job_id}/issues", responses=problem_responses(400, 403, 404))
async def list_import_issues(
    session: SessionDep,
    principal: CurrentPrincipal,
    importer: ImporterDep,
    job_id: uuid.UUID,
    params: PageParamsDep,
    outcome: Annotated[
        IssueOutcome | None, Query(description="Only failed rows, or only skipped ones.", examples=["failed"])
    ] = None,
) -> Page[RowIssue]:
    """The rows of an import that failed (line, column, reason) or were skipped, in line order."""
    return Page.of(
        await importer.issues(session, principal=principal, job_id=job_id, params=params, outcome=outcome), params
    )
