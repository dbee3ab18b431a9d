"""The employer list's filters as one dependency, shared by the list and its export."""

from typing import Annotated

from fastapi import Depends, Query

from placement.employers.repository import EmployerFilter
from placement.employers.schemas import DesignationStatus, EmployerKind, JurisdictionCode, SectorCode


def employer_filter(
    jurisdiction_code: Annotated[JurisdictionCode | None, Query(description="Only this jurisdiction.")] = None,
    kind: Annotated[EmployerKind | None, Query(description="Only this kind of employer.")] = None,
    is_qihang_enterprise: Annotated[
        bool | None, Query(description="Only employers whose Qihang designation is active today, or only others.")
    ] = None,
    designation_status: Annotated[
        DesignationStatus | None, Query(description="Only employers whose designation is in this status today.")
    ] = None,
    sector_code: Annotated[SectorCode | None, Query(description="Only this GB/T 4754 section.")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Part of the name.")] = None,
) -> EmployerFilter:
    return EmployerFilter(
        jurisdiction_code=jurisdiction_code,
        kind=kind,
        is_qihang_enterprise=is_qihang_enterprise,
        designation_status=designation_status,
        sector_code=sector_code,
        name_contains=q,
    )


EmployerFilterDep = Annotated[EmployerFilter, Depends(employer_filter)]
