"""Tokens revoked at the gateway are refused by every service within seconds, not when they expire.

The gateway raises a subject's token version when it disables a user or client, when a password is changed or
reset, when a user's roles, department or jurisdiction change, and when a client's secret is rotated; every access
token carries the version it was issued under (claim `tv`). The gateway publishes, to the platform's own service
clients, every subject whose version was raised within the longest lifetime a token can have
(`GET /api/v1/auth/revocations`). Each service polls that list in the background (`<SVC>_REVOCATION_POLL_SECONDS`,
2 s) and refuses a token whose subject is disabled (401 `account_disabled`) or whose `tv` is lower than the
subject's version (401 `token_revoked`).

Unreachable gateway: the service fails closed. Once its last good copy is older than
`<SVC>_REVOCATION_MAX_AGE_SECONDS` (10 s), a request with a token first triggers one fetch (at most one in flight,
at most one a second); if that fails too the request is refused with 503 `revocation_status_unknown` and
Retry-After. So a revoked token is accepted for at most the poll interval plus the fetch time while the gateway
answers, and never beyond the maximum age when it does not. Clients reach the services through the gateway anyway,
so an outage of the gateway takes nothing away that would otherwise work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from shared.errors import ServiceUnavailable, Unauthorized
from shared.http import ServiceClient, ServiceTokenProvider
from shared.tasks import stop_task

logger = logging.getLogger("qihang.revocation")
REVOCATIONS_PATH = "/api/v1/auth/revocations"
MIN_SECONDS_BETWEEN_ON_DEMAND_FETCHES = 1.0

RevocationFetcher = Callable[[], Awaitable[dict[str, Any]]]


class AccountDisabled(Unauthorized):
    code = "account_disabled"
    title = "Account disabled"


class TokenRevoked(Unauthorized):
    code = "token_revoked"
    title = "Token revoked"


class RevocationStatusUnknown(ServiceUnavailable):
    code = "revocation_status_unknown"


def claimed_token_version(claims: dict[str, Any]) -> int:
    """The `tv` claim; a token without one (issued before token versions existed) counts as version 0."""
    value = claims.get("tv", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def refuse_if_revoked(claims: dict[str, Any], *, active: bool, token_version: int) -> None:
    if not active:
        raise AccountDisabled("This account or client is disabled.")
    if claimed_token_version(claims) < token_version:
        raise TokenRevoked(
            "This token was revoked (password, roles or secret changed, or the account was disabled): log in again."
        )


class RevocationCheck(Protocol):
    """What shared.auth.get_principal asks about every verified token (app.state.revocations)."""

    async def check(self, claims: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Revoked:
    token_version: int
    disabled: bool


class RevocationList:
    """The gateway's list of revoked subjects, replaced whole by each successful fetch."""

    def __init__(
        self,
        fetch: RevocationFetcher,
        *,
        poll_seconds: float,
        max_age_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.poll_seconds = poll_seconds
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self._subjects: dict[str, Revoked] = {}
        self._fetched_at = float("-inf")
        self._last_attempt = float("-inf")
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    @property
    def fresh(self) -> bool:
        return self.clock() - self._fetched_at <= self.max_age_seconds

    def load(self, document: dict[str, Any], *, fetched_at: float) -> None:
        subjects: dict[str, Revoked] = {}
        for entry in document["subjects"]:
            subjects[str(entry["subject"])] = Revoked(int(entry["token_version"]), bool(entry["disabled"]))
        self._subjects = subjects
        self._fetched_at = max(self._fetched_at, fetched_at)

    async def refresh(self, *, only_if_stale: bool = False) -> bool:
        """Fetch the list once; True when it worked. With `only_if_stale`, a caller that waited for another's
        fetch takes its result instead of fetching again."""
        async with self._lock:
            if only_if_stale and self.fresh:
                return True
            started = self.clock()
            self._last_attempt = started
            try:
                document = await self._fetch()
                self.load(document, fetched_at=started)
            except Exception as exc:  # the gateway being away must not turn into a 500; it is reported below
                if not self._failing:
                    logger.warning("revocation list fetch failed", extra={"error": type(exc).__name__})
                self._failing = True
                return False
            if self._failing:
                logger.info("revocation list fetched again")
            self._failing = False
            return True

    async def check(self, claims: dict[str, Any]) -> None:
        if not self.fresh:
            if self._lock.locked() or self.clock() - self._last_attempt >= MIN_SECONDS_BETWEEN_ON_DEMAND_FETCHES:
                await self.refresh(only_if_stale=True)
            if not self.fresh:
                raise RevocationStatusUnknown(
                    "This service cannot confirm with the gateway that the token is still valid; try again shortly.",
                    headers={"Retry-After": str(max(1, round(self.poll_seconds)))},
                )
        revoked = self._subjects.get(str(claims.get("sub")))
        if revoked is not None:
            refuse_if_revoked(claims, active=not revoked.disabled, token_version=revoked.token_version)

    async def _poll(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll(), name="revocation-poller")

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None


def gateway_fetcher(gateway: ServiceClient, tokens: ServiceTokenProvider) -> RevocationFetcher:
    """Fetches the list from the gateway with the service's own client-credentials token."""

    async def fetch() -> dict[str, Any]:
        token = await tokens.token()
        response = await gateway.http.get(
            f"{gateway.base_url}{REVOCATIONS_PATH}", headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code == 401:
            tokens.forget()  # e.g. the service's own token was revoked: get a new one next time
        response.raise_for_status()
        document = response.json()
        if not isinstance(document.get("subjects"), list):
            raise ValueError("the revocation list has no subjects")
        return document

    return fetch


def start_revocation_check(http: Any, settings: Any) -> RevocationList | None:
    """The running revocation list of a service (None where the settings leave the check off: the gateway, tests,
    a development process without a service client)."""
    if not settings.revocation_check_active:
        if settings.FOLLOWS_GATEWAY_REVOCATIONS and settings.environment != "test":
            logger.warning(
                "revocation check off: tokens revoked at the gateway are accepted here until they expire",
                extra={"reason": "no service client" if not settings.has_service_client else "switched off"},
            )
        return None
    gateway = ServiceClient(http, name="gateway", base_url=settings.gateway_url, retries=0)
    tokens = ServiceTokenProvider(
        gateway,
        client_id=settings.service_client_id,
        client_secret=settings.service_client_secret.get_secret_value(),
    )
    revocations = RevocationList(
        gateway_fetcher(gateway, tokens),
        poll_seconds=settings.revocation_poll_seconds,
        max_age_seconds=settings.revocation_max_age_seconds,
    )
    revocations.start()
    return revocations
