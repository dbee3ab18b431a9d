import asyncio
import contextlib
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, Response, UploadFile

from placement.auditing import audited
from placement.imports import policy
from placement.imports.models import ImportKind
from placement.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from placement.imports.service import Checked, Importer
from placement.registry_client import RegistryDep
from shared.audit import Trail
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader, send_created
from shared.imports import IssueOutcome, file_digest
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.tabular import read_upload

router = APIRouter(prefix="/api/v1/placement-imports", tags=["placement-imports"])


def get_importer(request: Request) -> Importer:
    return request.app.state.placement_imports


ImporterDep = Annotated[Importer, Depends(get_importer)]

UPLOAD_DESCRIPTION = (
    "A CSV (UTF-8, with or without BOM, or GB18030 as Chinese Excel saves it) or an Excel workbook (.xlsx, first "
    "sheet); the first row holds the headings (required ones marked *). kind=employers: 单位名称*, 单位类型* "
    "(企业/个体工商户/私营业主/事业单位), 统一社会信用代码, 所属乡镇 (name or code; township staff may leave it out), "
    "行业 (GB/T 4754 section letter or name), 地址, 联系人, 联系电话. kind=placements: 人员编号* (the registry's "
    "person id, the 记录编号 of its export), 安置方式* (集中安置, 分散安置, 公益性岗位安置, 自主创业, 灵活就业, "
    "政府保障安置, 场所内生产), 用人单位 (credit code or exact name), 岗位 (title at that employer, or the post's "
    "id), 用工形式 (全日制/非全日制/季节性), 合同编号 (with it the row is a contract: 签订日期, 合同开始日期, "
    "合同结束日期 (blank: open-ended), 月工资), 合同开始日期 (the start, with or without a contract). An export of "
    "GET /api/v1/employers/export or /api/v1/placements/export imports as it is (its extra columns are ignored)."
)


@router.post(
    "",
    status_code=202,
    responses={
        200: {"model": ImportValidation, "description": "dry_run=true: what the import would do; nothing written."},
        202: {"model": ImportJobRead, "description": "The import job, queued; follow its Location."},
        **problem_responses(403, 409, 413, 415, 422, 503, 504),
    },
    openapi_extra=response_headers(202, "Location"),
)
async def import_file(
    session: SessionDep,
    principal: CurrentPrincipal,
    importer: ImporterDep,
    registry: RegistryDep,
    response: Response,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description=UPLOAD_DESCRIPTION)],
    kind: Annotated[
        ImportKind, Query(description="What the file holds: employers or placements.", examples=["employers"])
    ],
    dry_run: Annotated[
        bool,
        Query(description="Only check the file: every bad row with its line, column and reason; writes nothing."),
    ] = False,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ImportJobRead | ImportValidation:
    """Import employers or placements from a CSV or XLSX file (multipart upload), or check it first (dry_run=true).

    Every row is held to the rules of `POST /api/v1/employers` or `POST /api/v1/placements` and created by them:
    township staff only in their own jurisdiction, a placement's person checked with the registry (one lookup per
    batch, with your token), a post never filled beyond its headcount, each row with the same audit entry and event
    as a single create. Without dry_run the answer is 202 with the job's Location; the rows are created in the
    background, in batches. Already recorded rows are skipped (an employer with the same credit code, or without
    one the same name in the same jurisdiction; a placement of the same person at the same employer with the same
    contract number or start date), so uploading the same file again finishes an interrupted import. A file that is
    not CSV/XLSX is 415, too large 413, with unusable headings 422; a dry run of placements is 503/504 when the
    registry is unavailable (nothing written)."""
    file_name = (file.filename or "upload")[:255]
    # Placements are people's data: the upload is audited with the people it names (each placement created gets
    # its own placement.create entry). Employers are organisations, not audited (employers.policy).
    trail_of = (
        audited(session, principal, "placement.import.validate" if dry_run else "placement.import")
        if kind == "placements"
        else contextlib.nullcontext(Trail())
    )
    async with trail_of as trail:
        policy.require_import(principal, kind)
        data = await read_upload(file, importer.limits)
        # Parsing and checking thousands of rows is CPU work: a worker thread keeps the event loop answering.
        checked: Checked = await asyncio.to_thread(
            importer.read, data, kind=kind, filename=file.filename, principal=principal
        )
        trail.resource_ids = checked.person_ids
        if dry_run:
            response.status_code = 200
            return await importer.validate(
                session, principal=principal, checked=checked, file_name=file_name, registry=registry
            )
        created = await importer.create_job(
            session,
            principal=principal,
            checked=checked,
            file_name=file_name,
            digest=file_digest(data),
            idempotency_key=idempotency_key,
        )
    job = send_created(response, created, location=f"{router.prefix}/{created.item.id}")
    if not created.replayed:
        # Background tasks run after the response is sent, so after the request's transaction has committed the job.
        background.add_task(importer.launch, job.id, checked, principal, registry)
    return job


@router.get("", responses=problem_responses(400, 403, 422))
async def list_imports(
    session: SessionDep,
    principal: CurrentPrincipal,
    importer: ImporterDep,
    params: PageParamsDep,
    kind: Annotated[ImportKind | None, Query(description="Only imports of this kind.", examples=["placements"])] = None,
) -> Page[ImportJobRead]:
    """List the imports you may see (your department and jurisdiction's; the NCO sees all), newest first."""
    return Page.of(await importer.page(session, principal=principal, params=params, kind=kind), params)


@router.get("/{job_id}", responses=problem_responses(403, 404, 422))
async def get_import(
    session: SessionDep, principal: CurrentPrincipal, importer: ImporterDep, job_id: uuid.UUID
) -> ImportJobRead:
    """One import: status, progress (processed/total), created, skipped and failed rows with reasons."""
    return await importer.get(session, principal=principal, job_id=job_id)


@router.get("/{job_id}/issues", responses=problem_responses(400, 403, 404, 422))
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
