"""Liveness and readiness: `/healthz` says the process runs, `/readyz` that its database answers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive.")
async def healthz(request: Request) -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok", "service": request.app.state.settings.service_name}


@router.get("/readyz", summary="The service and its database are ready.")
async def readyz(request: Request) -> JSONResponse:
    """The service and its database are ready."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse(
            {"status": "unavailable", "service": request.app.state.settings.service_name, "database": "down"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "service": request.app.state.settings.service_name, "database": "ok"})
