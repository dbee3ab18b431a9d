from functools import partial
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, Response, UploadFile

from registry.imports import policy
from registry.imports.schemas import ImportJobRead, ImportValidation, RowIssue
from registry.imports.service import PersonImporter
from registry.persons.auditing import audited
from shared.auth import CurrentPrincipal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyKeyHeader
from shared.openapi import response_headers
from shared.pagination import Page, PageParamsDep
from shared.routes import import_job_routes, import_responses, import_upload

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
    responses=import_responses(ImportJobRead, ImportValidation, 403, 409, 413, 415, 422),
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
    return await import_upload(
        audited(session, principal, "person.import.validate" if dry_run else "person.import"),
        importer,
        session=session,
        principal=principal,
        file=file,
        dry_run=dry_run,
        idempotency_key=idempotency_key,
        response=response,
        background=background,
        collection=router.prefix,
        allowed=lambda: policy.require_import(principal),
        check=partial(importer.read, principal=principal),
        validate=lambda checked, file_name: importer.validate(session, checked=checked, file_name=file_name),
        launch_with=lambda checked: (checked.rows,),
    )


@router.get("", responses=problem_responses(400, 403))
async def list_imports(
    session: SessionDep, principal: CurrentPrincipal, importer: ImporterDep, params: PageParamsDep
) -> Page[ImportJobRead]:
    """List the person imports you may see (your department and jurisdiction's; the NCO sees all), newest first."""
    return Page.of(await importer.page(session, principal=principal, params=params), params)


import_job_routes(router, ImporterDep, ImportJobRead, RowIssue)
