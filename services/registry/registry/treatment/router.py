import uuid
from functools import partial

from fastapi import APIRouter

from registry.persons.routes import PersonRecords
from registry.treatment import service
from registry.treatment.schemas import (
    AgreementCreate,
    AgreementRead,
    CounsellingCreate,
    CounsellingRead,
    MethadoneCreate,
    MethadoneEnd,
    MethadoneRead,
)
from shared.pagination import Page, PageParamsDep
from shared.routes import new_values

router = APIRouter(prefix="/api/v1/persons/{person_id}/treatment", tags=["treatment"])


def _records(kind: str) -> PersonRecords:
    """The records of one kind of treatment: its path and its audit entries' middle name."""
    return PersonRecords(router, f"/{kind}", f"treatment.{kind}", listed="list")


def _listing(kind: str):
    return _records(kind).listing(partial(service.list_records, kind=kind))


def _create(kind: str):
    return _records(kind).create(partial(service.create_record, kind=kind))


@_listing("agreements")
def list_agreements(params: PageParamsDep) -> Page[AgreementRead]:
    """Voluntary detox agreements (自愿戒毒协议), newest first."""


@_create("agreements")
def create_agreement(body: AgreementCreate) -> AgreementRead:
    """Record a voluntary detox agreement with an institution."""


@_listing("methadone")
def list_methadone(params: PageParamsDep) -> Page[MethadoneRead]:
    """Methadone maintenance enrolments (美沙酮维持治疗), newest first."""


@_create("methadone")
def enrol_methadone(body: MethadoneCreate) -> MethadoneRead:
    """Enrol the person at a methadone clinic (409 while another enrolment is open)."""


@_records("methadone").change(
    "/{enrolment_id}/end",
    "end",
    service.end_methadone,
    changes=lambda _, body: new_values(ended_on=body.ended_on, end_reason=body.end_reason),
    to_read=service.methadone_to_read,
)
def end_methadone(enrolment_id: uuid.UUID, body: MethadoneEnd) -> MethadoneRead:
    """End an open methadone enrolment with a date and reason (an enrolment ends once)."""


@_listing("counselling")
def list_counselling(params: PageParamsDep) -> Page[CounsellingRead]:
    """Counselling sessions, newest first."""


@_create("counselling")
def create_counselling(body: CounsellingCreate) -> CounsellingRead:
    """Record a psychological, medical or group counselling session."""
