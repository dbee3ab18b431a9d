"""Liveness and readiness: `/healthz` says the process runs, `/readyz` that its database (and anything else it
registered in `app.state.readiness_checks`, e.g. the gateway's upstream services) answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])
ReadinessCheck = Callable[[FastAPI], Awaitable[bool]]


@router.get("/healthz", summary="The process is alive.")
async def healthz(request: Request) -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok", "service": request.app.state.settings.service_name}


async def database_ready(app: FastAPI) -> bool:
    try:
        async with app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get("/readyz", summary="The service and what it depends on are ready.")
async def readyz(request: Request) -> JSONResponse:
    """The service and what it depends on are ready (503 naming what is not)."""
    checks: dict[str, ReadinessCheck] = {
        "database": database_ready,
        **getattr(request.app.state, "readiness_checks", {}),
    }
    results = await asyncio.gather(*(check(request.app) for check in checks.values()))
    components = {name: "ok" if ok else "down" for name, ok in zip(checks, results, strict=True)}
    ready = all(results)
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "service": request.app.state.settings.service_name, **components},
        status_code=200 if ready else 503,
    )
