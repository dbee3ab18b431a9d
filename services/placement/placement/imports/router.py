import contextlib
from functools import partial
from operator import attrgetter
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, Response, UploadFile

from placement.auditing import audited
from placement.imports import policy
from placement.imports.models import ImportKind
from placement.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from placement.imports.service import Importer
from placement.registry_client import RegistryDep
from shared.audit import Trail
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.routes import import_job_routes, import_responses, import_upload

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
    responses=import_responses(ImportJobRead, ImportValidation, 403, 409, 413, 415, 422, 503, 504),
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
    # Placements are people's data: the upload is audited with the people it names (each placement created gets
    # its own placement.create entry). Employers are organisations, not audited (employers.policy).
    trail = (
        audited(session, principal, "placement.import.validate" if dry_run else "placement.import")
        if kind == "placements"
        else contextlib.nullcontext(Trail())
    )
    return await import_upload(
        trail,
        importer,
        session=session,
        principal=principal,
        file=file,
        dry_run=dry_run,
        idempotency_key=idempotency_key,
        response=response,
        background=background,
        collection=router.prefix,
        allowed=lambda: policy.require_import(principal, kind),
        check=partial(importer.read, kind=kind, principal=principal),
        validate=lambda checked, file_name: importer.validate(
            session, principal=principal, checked=checked, file_name=file_name, registry=registry
        ),
        launch_with=lambda checked: (checked, principal, registry),
        people=attrgetter("person_ids"),
    )


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


import_job_routes(router, ImporterDep, ImportJobRead, RowIssue, checks=422)
