"""Optimistic concurrency over HTTP: ETag from a row's version, If-Match required on updates (RFC 9110 §13.1.1)."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Header, Response

from shared.errors import AppError, PreconditionFailed


class PreconditionRequired(AppError):
    status, code, title = 428, "precondition_required", "If-Match required"


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def send_versioned(response: Response, item: V) -> V:
    """Answer one resource with its version as ETag: `return send_versioned(response, await service.get(...))`."""
    set_etag(response, item.version)
    return item


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag from your last read of this resource; the update is refused (412) if it changed.",
    ),
]


def require_version(if_match: str | None, current_version: int) -> None:
    if not if_match:
        raise PreconditionRequired("Send If-Match with the ETag from your last read, so no one's change is lost.")
    candidates = {tag.strip() for tag in if_match.split(",")}
    if "*" in candidates:
        return
    if etag(current_version) not in candidates:
        raise PreconditionFailed("This resource changed since you read it. Read it again and retry.")
