"""Smoke-check a running Qihang system through its gateway (`make smoke`, .ci/run, or after a deployment).

    python -m scripts.smoke [--url http://127.0.0.1:8000] [--username admin] [--password ...]

The URL defaults to QIHANG_URL or http://127.0.0.1:8000, the username to ADMIN_USERNAME or "admin" and the
password to ADMIN_PASSWORD. It waits for /readyz, logs in, calls each service's first endpoint through the
gateway and checks the answers, the merged OpenAPI document, the JWKS and a refused anonymous call.
Exit code 0 when every check passed, 1 when one failed (each failure is printed), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

PROBLEM_JSON = "application/problem+json"
SERVICE_PATHS = {
    "registry": "/api/v1/jurisdictions",
    "placement": "/api/v1/employers",
    "subsidy": "/api/v1/subsidy-policies",
    "reporting": "/api/v1/indicators",
}
TOKEN_PATH = "/api/v1/auth/token"
JURISDICTIONS = 15  # the county and its 14 towns, townships and zones


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CheckFailed(f"{response.request.url.path}: answer is not JSON: {response.text[:200]!r}") from None


def expect_status(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        body = response.text[:300].replace("\n", " ")
        raise CheckFailed(
            f"{response.request.method} {response.request.url.path}: expected {status}, got {response.status_code}: "
            f"{body}"
        )


class Smoke:
    def __init__(self, client: httpx.Client, username: str, password: str, timeout: float = 60.0) -> None:
        self.client = client
        self.timeout = timeout
        self.username = username
        self.password = password
        self.token: str | None = None
        self.failures: list[str] = []
        self.passed = 0

    def check(self, name: str, func: Callable[[], str | None]) -> bool:
        try:
            note = func()
        except CheckFailed as exc:
            self.failures.append(f"{name}: {exc}")
            print(f"FAIL  {name}: {exc}", flush=True)
            return False
        except httpx.HTTPError as exc:
            self.failures.append(f"{name}: {type(exc).__name__}: {exc}")
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
            return False
        print(f"ok    {name}" + (f" ({note})" if note else ""), flush=True)
        self.passed += 1
        return True

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    # --- the checks -----------------------------------------------------------------------------------------

    def healthz(self) -> str | None:
        response = self.client.get("/healthz")
        expect_status(response, 200)
        return None

    def anonymous_is_refused(self) -> str | None:
        response = self.client.get(SERVICE_PATHS["registry"])
        expect_status(response, 401)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        expect(media_type == PROBLEM_JSON, f"content-type is {media_type!r}, not {PROBLEM_JSON}")
        body = json_of(response)
        expect(isinstance(body, dict) and body.get("status") == 401, f"problem body lacks status 401: {body}")
        expect(bool(body.get("title")) and bool(body.get("code")), f"problem body lacks title or code: {body}")
        return f"code {body['code']}"

    def login(self) -> str | None:
        response = self.client.post(
            TOKEN_PATH, data={"grant_type": "password", "username": self.username, "password": self.password}
        )
        expect_status(response, 200)
        body = json_of(response)
        expect(isinstance(body, dict), f"token answer is not an object: {body!r}")
        missing = {"access_token", "token_type", "expires_in", "refresh_token"} - body.keys()
        expect(not missing, f"token answer lacks {sorted(missing)}")
        expect(str(body["token_type"]).lower() == "bearer", f"token_type is {body['token_type']!r}, not bearer")
        expect(isinstance(body["expires_in"], int) and body["expires_in"] > 0, "expires_in is not a positive int")
        self.token = body["access_token"]
        return f"as {self.username!r}, token valid {body['expires_in']} s"

    def jurisdictions(self) -> str | None:
        response = self.client.get(SERVICE_PATHS["registry"], headers=self.auth())
        expect_status(response, 200)
        body = json_of(response)
        expect(isinstance(body, list), f"expected a list, got {type(body).__name__}")
        expect(len(body) == JURISDICTIONS, f"expected {JURISDICTIONS} jurisdictions, got {len(body)}")
        codes = {item.get("code") for item in body if isinstance(item, dict)}
        expect("liucheng" in codes, "the county (code liucheng) is missing")
        return f"{len(body)} entries"

    def page(self, service: str) -> Callable[[], str | None]:
        def check() -> str | None:
            response = self.client.get(SERVICE_PATHS[service], headers=self.auth())
            expect_status(response, 200)
            body = json_of(response)
            expect(isinstance(body, dict), f"expected a page object, got {type(body).__name__}")
            missing = {"items", "next_cursor", "limit"} - body.keys()
            expect(not missing, f"page lacks {sorted(missing)}")
            expect(isinstance(body["items"], list), "items is not a list")
            expect(isinstance(body["limit"], int) and 1 <= body["limit"] <= 200, f"limit {body['limit']!r}")
            return f"{len(body['items'])} items, limit {body['limit']}"

        return check

    def indicators(self) -> str | None:
        response = self.client.get(SERVICE_PATHS["reporting"], headers=self.auth())
        expect_status(response, 200)
        body = json_of(response)
        expect(isinstance(body, list), f"expected a list, got {type(body).__name__}")
        return f"{len(body)} indicators"

    def openapi(self) -> str | None:
        # A service busy starting may miss the gateway's first fetch of its document; the gateway fetches it again
        # within GATEWAY_OPENAPI_RETRY_SECONDS and says meanwhile which services are missing.
        deadline = time.monotonic() + self.timeout
        while True:
            response = self.client.get("/openapi.json")
            expect_status(response, 200)
            document = json_of(response)
            if not document.get("x-missing-services") or time.monotonic() > deadline:
                break
            time.sleep(2)
        paths = document.get("paths") or {}
        wanted = [TOKEN_PATH, *SERVICE_PATHS.values()]
        missing = [p for p in wanted if not any(path == p or path.startswith(p + "/") for path in paths)]
        expect(not missing, f"paths missing from the gateway's OpenAPI: {missing}")
        return f"{len(paths)} paths"

    def jwks(self) -> str | None:
        response = self.client.get("/.well-known/jwks.json")
        expect_status(response, 200)
        keys = json_of(response).get("keys")
        expect(isinstance(keys, list) and len(keys) > 0, "no keys")
        for key in keys:
            expect(bool(key.get("kid")) and bool(key.get("kty")), f"a key without kid or kty: {key}")
            expect("d" not in key, "the JWKS publishes a private key component")
        return f"{len(keys)} key(s)"

    def docs(self) -> str | None:
        for path in ("/docs", "/redoc"):
            response = self.client.get(path)
            expect_status(response, 200)
            expect("text/html" in response.headers.get("content-type", ""), f"{path} is not HTML")
        return None


def wait_ready(client: httpx.Client, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = client.get("/readyz")
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise CheckFailed(f"the gateway's /readyz did not answer 200 within {timeout:.0f} s (last: {last})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.smoke", description="Smoke-check Qihang via its gateway.")
    parser.add_argument("--url", default=os.environ.get("QIHANG_URL") or "http://127.0.0.1:8000")
    parser.add_argument("--username", default=os.environ.get("ADMIN_USERNAME") or "admin")
    parser.add_argument("--password", default=os.environ.get("ADMIN_PASSWORD"), help="default: $ADMIN_PASSWORD")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for /readyz and a complete OpenAPI (60)"
    )
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("no password: pass --password or set ADMIN_PASSWORD")

    print(f"Smoke test of {args.url} as {args.username!r}", flush=True)
    with httpx.Client(base_url=args.url, timeout=10.0, trust_env=False) as client:
        smoke = Smoke(client, args.username, args.password, args.timeout)
        if not smoke.check("gateway ready (/readyz)", lambda: wait_ready(client, args.timeout)):
            return 1
        smoke.check("gateway alive (/healthz)", smoke.healthz)
        smoke.check("anonymous call refused with 401 problem+json", smoke.anonymous_is_refused)
        if smoke.check(f"login ({TOKEN_PATH})", smoke.login):
            smoke.check(f"registry {SERVICE_PATHS['registry']}", smoke.jurisdictions)
            smoke.check(f"placement {SERVICE_PATHS['placement']}", smoke.page("placement"))
            smoke.check(f"subsidy {SERVICE_PATHS['subsidy']}", smoke.page("subsidy"))
            smoke.check(f"reporting {SERVICE_PATHS['reporting']}", smoke.indicators)
        smoke.check("merged OpenAPI (/openapi.json)", smoke.openapi)
        smoke.check("signing keys (/.well-known/jwks.json)", smoke.jwks)
        smoke.check("docs (/docs, /redoc)", smoke.docs)

    if smoke.failures:
        print(f"\nSMOKE FAILED: {len(smoke.failures)} check(s) failed:", flush=True)
        for failure in smoke.failures:
            print(f"  - {failure}", flush=True)
    print(f"smoke: {smoke.passed} passed, {len(smoke.failures)} failed", flush=True)
    return 1 if smoke.failures else 0


if __name__ == "__main__":
    sys.exit(main())
