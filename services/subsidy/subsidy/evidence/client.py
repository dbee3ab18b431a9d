"""What this service asks placement, through the gateway, with its OWN client token (svc-subsidy: the role `service`,
county-wide, scopes subsidy:read placement:read registry:read; SUBSIDY_SERVICE_CLIENT_ID / _SECRET): the batch
subsidy evidence of a year, the self-employment records and the loans of a year. Every call is a read (GET), retried
by shared.http on a failed connection or a 502/503/504.

Failures become clear problems, and the caller writes nothing: placement unreachable or answering 5xx -> 503, too
slow -> 504, an answer this service cannot read (or its credentials refused) -> 502."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import ServiceUnavailable, UpstreamError, UpstreamTimeout
from shared.http import ServiceClient, ServiceTokenProvider
from subsidy.evidence.schemas import (
    EvidencePage,
    LoanFacts,
    LoanPage,
    SelfEmploymentFacts,
    SelfEmploymentPage,
)

EVIDENCE_PATH = "/api/v1/subsidy-evidence"
SELF_EMPLOYMENTS_PATH = "/api/v1/self-employments"
LOANS_PATH = "/api/v1/self-employments/loans"
MAX_EMPLOYERS_PER_CALL = 100
"""Placement takes at most this many employer ids in one call."""
LIST_PAGE = 200
logger = logging.getLogger("qihang.subsidy.placement")
Page = TypeVar("Page", bound=BaseModel)


class PlacementUnavailable(ServiceUnavailable):
    code, title = "placement_unavailable", "Placement unavailable"


class PlacementTimeout(UpstreamTimeout):
    code, title = "placement_timeout", "Placement timed out"


class PlacementBadAnswer(UpstreamError):
    code, title = "placement_bad_answer", "Placement answered unexpectedly"


class NotConfigured(PlacementUnavailable):
    code, title = "service_client_not_configured", "This service has no client credentials"


class PlacementClient:
    def __init__(
        self, gateway: ServiceClient, *, client_id: str | None, client_secret: str | None, page_size: int
    ) -> None:
        self.gateway = gateway
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.tokens = (
            ServiceTokenProvider(gateway, client_id=client_id, client_secret=client_secret)
            if client_id and client_secret
            else None
        )

    async def _token(self) -> str:
        if self.tokens is None:
            raise NotConfigured(
                "SUBSIDY_SERVICE_CLIENT_ID and SUBSIDY_SERVICE_CLIENT_SECRET are not set, so placement cannot be "
                "asked; nothing was changed."
            )
        try:
            return await self.tokens.token()
        except UpstreamTimeout as exc:
            raise PlacementTimeout("The gateway did not answer in time; nothing was changed. Try again.") from exc
        except (ServiceUnavailable, UpstreamError) as exc:
            raise PlacementUnavailable(
                f"The gateway could not give this service a token ({exc.detail}); nothing was changed."
            ) from exc

    async def _get(self, path: str, params: Any, model: type[Page]) -> Page:
        for attempt in (1, 2):
            token = await self._token()
            try:
                response = await self.gateway.request("GET", path, token=token, params=params)
            except UpstreamTimeout as exc:
                raise PlacementTimeout(
                    "Placement did not answer in time; nothing was changed. Try again later."
                ) from exc
            except (ServiceUnavailable, UpstreamError) as exc:
                raise PlacementUnavailable(
                    "Placement is unavailable; nothing was changed. Try again later.", headers={"Retry-After": "5"}
                ) from exc
            if response.status_code == 401 and attempt == 1 and self.tokens is not None:
                # Revoked or rotated keys: one fresh token, then give up.
                self.tokens = ServiceTokenProvider(
                    self.gateway, client_id=self.client_id or "", client_secret=self.client_secret or ""
                )
                continue
            if response.status_code >= 500:
                raise PlacementUnavailable(
                    f"Placement answered {response.status_code}; nothing was changed. Try again later.",
                    headers={"Retry-After": "5"},
                )
            if response.status_code != 200:
                logger.warning("placement refused", extra={"status": response.status_code, "path": path})
                raise PlacementBadAnswer(
                    f"Placement answered {response.status_code} to this service's own client; nothing was changed."
                )
            try:
                return model.model_validate_json(response.content)
            except ValidationError as exc:
                raise PlacementBadAnswer("Placement's answer was not understood; nothing was changed.") from exc
        raise PlacementBadAnswer("Placement refused this service's token twice; nothing was changed.")

    async def evidence_pages(self, year: int, employer_ids: list | None = None) -> AsyncIterator[EvidencePage]:
        """The year's batch evidence, page by page: every employer with evidence, or those named (in chunks)."""
        if employer_ids:
            wanted = sorted(set(employer_ids))
            for start in range(0, len(wanted), MAX_EMPLOYERS_PER_CALL):
                chunk = [str(i) for i in wanted[start : start + MAX_EMPLOYERS_PER_CALL]]
                params = {"year": year, "employer_id": chunk, "limit": MAX_EMPLOYERS_PER_CALL}
                yield await self._get(EVIDENCE_PATH, params, EvidencePage)
            return
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"year": year, "limit": self.page_size}
            if cursor:
                params["cursor"] = cursor
            page = await self._get(EVIDENCE_PATH, params, EvidencePage)
            yield page
            cursor = page.next_cursor
            if cursor is None:
                return

    async def self_employments(self) -> list[SelfEmploymentFacts]:
        items: list[SelfEmploymentFacts] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": LIST_PAGE} | ({"cursor": cursor} if cursor else {})
            page = await self._get(SELF_EMPLOYMENTS_PATH, params, SelfEmploymentPage)
            items += page.items
            cursor = page.next_cursor
            if cursor is None:
                return items

    async def loans(self, year: int) -> list[LoanFacts]:
        items: list[LoanFacts] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"year": year, "limit": LIST_PAGE} | ({"cursor": cursor} if cursor else {})
            page = await self._get(LOANS_PATH, params, LoanPage)
            items += page.items
            cursor = page.next_cursor
            if cursor is None:
                return items
