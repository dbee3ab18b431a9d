"""The gateway's route table: which service answers which path.

A request whose path is one of these prefixes, or continues it with `/`, is forwarded unchanged (path and
query string as sent) to the service, after the gateway has checked the token, the rate limit and the
sizes. Prefixes match whole path segments: `/api/v1/employers` and `/api/v1/employers/...` go to
placement, `/api/v1/employersX` goes nowhere. The first matching row wins.

| Path prefix                      | Service   |
|----------------------------------|-----------|
| `/api/v1/jurisdictions`          | registry  |
| `/api/v1/persons`                | registry  |
| `/api/v1/audit-events`           | registry  |
| `/api/v1/registry-events`        | registry  |
| `/api/v1/registry-webhooks`      | registry  |
| `/api/v1/transfers`              | registry  |
| `/api/v1/person-imports`         | registry  |
| `/api/v1/employers`              | placement |
| `/api/v1/placement-events`       | placement |
| `/api/v1/placement-webhooks`     | placement |
| `/api/v1/placement-sites`        | placement |
| `/api/v1/job-posts`              | placement |
| `/api/v1/referrals`              | placement |
| `/api/v1/placements`             | placement |
| `/api/v1/self-employments`       | placement |
| `/api/v1/trainings`              | placement |
| `/api/v1/handovers`              | placement |
| `/api/v1/placement-imports`      | placement |
| `/api/v1/placement-audit-events` | placement |
| `/api/v1/subsidy-evidence`       | placement |
| `/api/v1/subsidy-policies`       | subsidy   |
| `/api/v1/subsidy-audit-events`   | subsidy   |
| `/api/v1/subsidy-types`          | subsidy   |
| `/api/v1/subsidy-budgets`        | subsidy   |
| `/api/v1/subsidy-evaluations`    | subsidy   |
| `/api/v1/subsidy-what-ifs`       | subsidy   |
| `/api/v1/subsidy-decisions`      | subsidy   |
| `/api/v1/subsidy-applications`   | subsidy   |
| `/api/v1/subsidy-totals`         | subsidy   |
| `/api/v1/subsidy-events`         | subsidy   |
| `/api/v1/subsidy-webhooks`       | subsidy   |
| `/api/v1/indicators`             | reporting |
| `/api/v1/targets`                | reporting |
| `/api/v1/reports`                | reporting |
| `/api/v1/bulletins`              | reporting |
| `/api/v1/reporting-feeds`        | reporting |
| `/api/v1/assessment-schemes`     | reporting |
| `/api/v1/assessments`            | reporting |
| `/api/v1/supervision-visits`     | reporting |
| `/api/v1/joint-meetings`         | reporting |
| `/api/v1/overdue-actions`        | reporting |

The gateway answers these itself: `/api/v1/auth`, `/api/v1/admin`, `/.well-known`, `/docs`, `/redoc`,
`/openapi.json`, `/healthz`, `/readyz`. Any other `/api/v1/...` path is 404 problem+json, and so is a path
with `.` or `..` segments.

A service that gains a top-level resource needs a row in `ROUTES`; a test keeps this table equal to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    service: str

    def covers(self, path: str) -> bool:
        return covers(self.prefix, path)


ROUTES: tuple[Route, ...] = (
    Route("/api/v1/jurisdictions", "registry"),
    Route("/api/v1/persons", "registry"),
    Route("/api/v1/audit-events", "registry"),
    Route("/api/v1/registry-events", "registry"),
    Route("/api/v1/registry-webhooks", "registry"),
    Route("/api/v1/transfers", "registry"),
    Route("/api/v1/person-imports", "registry"),
    Route("/api/v1/employers", "placement"),
    Route("/api/v1/placement-events", "placement"),
    Route("/api/v1/placement-webhooks", "placement"),
    Route("/api/v1/placement-sites", "placement"),
    Route("/api/v1/job-posts", "placement"),
    Route("/api/v1/referrals", "placement"),
    Route("/api/v1/placements", "placement"),
    Route("/api/v1/self-employments", "placement"),
    Route("/api/v1/trainings", "placement"),
    Route("/api/v1/handovers", "placement"),
    Route("/api/v1/placement-imports", "placement"),
    Route("/api/v1/placement-audit-events", "placement"),
    Route("/api/v1/subsidy-evidence", "placement"),
    Route("/api/v1/subsidy-policies", "subsidy"),
    Route("/api/v1/subsidy-audit-events", "subsidy"),
    Route("/api/v1/subsidy-types", "subsidy"),
    Route("/api/v1/subsidy-budgets", "subsidy"),
    Route("/api/v1/subsidy-evaluations", "subsidy"),
    Route("/api/v1/subsidy-what-ifs", "subsidy"),
    Route("/api/v1/subsidy-decisions", "subsidy"),
    Route("/api/v1/subsidy-applications", "subsidy"),
    Route("/api/v1/subsidy-totals", "subsidy"),
    Route("/api/v1/subsidy-events", "subsidy"),
    Route("/api/v1/subsidy-webhooks", "subsidy"),
    Route("/api/v1/indicators", "reporting"),
    Route("/api/v1/targets", "reporting"),
    Route("/api/v1/reports", "reporting"),
    Route("/api/v1/bulletins", "reporting"),
    Route("/api/v1/reporting-feeds", "reporting"),
    Route("/api/v1/assessment-schemes", "reporting"),
    Route("/api/v1/assessments", "reporting"),
    Route("/api/v1/supervision-visits", "reporting"),
    Route("/api/v1/joint-meetings", "reporting"),
    Route("/api/v1/overdue-actions", "reporting"),
)

UPLOAD_PREFIXES: tuple[str, ...] = ("/api/v1/person-imports", "/api/v1/placement-imports")
"""File uploads: a larger body limit (GATEWAY_MAX_UPLOAD_BYTES) and a longer wait for the service
(GATEWAY_UPLOAD_TIMEOUT_SECONDS), since a dry run checks every row before it answers."""

SERVICES: tuple[str, ...] = ("registry", "placement", "subsidy", "reporting")
"""Every service behind the gateway, in the order their OpenAPI documents are merged."""

GATEWAY_PREFIXES: tuple[str, ...] = (
    "/api/v1/auth",
    "/api/v1/admin",
    "/.well-known",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",
)


def covers(prefix: str, path: str) -> bool:
    """`path` is `prefix` itself or lies below it (whole segments only)."""
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] == "/")


def _has_dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


def match(path: str) -> Route | None:
    """The first route covering `path`, or None (gateway-owned, unknown, or not in canonical form)."""
    if _has_dot_segment(path):
        return None
    for route in ROUTES:
        if route.covers(path):
            return route
    return None


def resolve(path: str) -> str | None:
    """The service that answers `path`, or None when the gateway answers it (or nobody does)."""
    route = match(path)
    return route.service if route is not None else None


def is_upload(path: str) -> bool:
    return any(covers(prefix, path) for prefix in UPLOAD_PREFIXES)


def owned_by_gateway(path: str) -> bool:
    return any(covers(prefix, path) for prefix in GATEWAY_PREFIXES)


def prefixes_of(service: str) -> tuple[str, ...]:
    return tuple(route.prefix for route in ROUTES if route.service == service)


def markdown_table() -> str:
    """The table above, rendered from ROUTES (what the README quotes)."""
    width = max(len(route.prefix) for route in ROUTES) + 2
    service_width = max(len(route.service) for route in ROUTES)
    lines = [
        f"| {'Path prefix':<{width}} | {'Service':<{service_width}} |",
        f"|{'-' * (width + 2)}|{'-' * (service_width + 2)}|",
    ]
    lines += [f"| {'`' + route.prefix + '`':<{width}} | {route.service:<{service_width}} |" for route in ROUTES]
    return "\n".join(lines)
