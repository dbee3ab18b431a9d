"""docker-compose.yml, the Dockerfiles, the Makefile and .ci/run checked against the code they deploy: service
folders, ports, the environment variables each Settings class reads, databases, health checks and entrypoints.
Plain file parsing and imports: no Docker, no network."""

from __future__ import annotations

import importlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, AliasPath
from sqlalchemy.engine import make_url

from scripts import run as runner
from shared.config import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
COMPOSE_FILE = ROOT / "docker-compose.yml"
INIT_SQL_DIR = ROOT / "docker" / "postgres"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
GATEWAY = "gateway"
JWKS_URL = f"http://gateway:{SERVICE_PORTS[GATEWAY]}/.well-known/jwks.json"

SERVICE_FOLDERS = sorted(p.name for p in SERVICES_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
"""Every folder under services/ is a service that must be deployable."""


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


COMPOSE = load_compose()
APP_SERVICES = sorted(name for name in COMPOSE["services"] if name != "postgres")


def environment(service: str) -> dict[str, str]:
    env = COMPOSE["services"][service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def without_interpolation(value: str) -> str:
    """Compose's ${VAR...} replaced by a placeholder, so the value can be parsed."""
    return re.sub(r"\$\{[^}]*\}", "placeholder", value)


def accepted_env_names(settings_cls: type) -> set[str]:
    """The environment variables a pydantic-settings class reads: env_prefix + field name, or the field's
    validation alias(es) instead where it has one. Upper-cased (the classes are not case-sensitive)."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names.update(c.upper() if isinstance(c, str) else str(c.path[0]).upper() for c in alias.choices)
        elif isinstance(alias, AliasPath):
            names.add(str(alias.path[0]).upper())
    return names


def init_script_databases() -> set[str]:
    sql = "\n".join(p.read_text() for p in sorted(INIT_SQL_DIR.glob("*.sql")))
    return set(re.findall(r'CREATE\s+DATABASE\s+"?([a-z_][a-z0-9_]*)"?', sql, flags=re.IGNORECASE))


def dockerfile(service: str) -> str:
    return (SERVICES_DIR / service / "Dockerfile").read_text()


def dockerfile_cmd(service: str) -> list[str]:
    match = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile(service), flags=re.MULTILINE)
    assert match, f"services/{service}/Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def dockerfile_env(service: str) -> dict[str, str]:
    text = dockerfile(service).replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV\s+(.+)$", text, flags=re.MULTILINE):
        env.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", line))
    return env


def option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


# --- every service folder is deployed, and nothing else --------------------------------------------------------


@pytest.mark.parametrize("service", SERVICE_FOLDERS)
def test_every_service_folder_has_a_compose_service_and_a_dockerfile(service):
    assert service in COMPOSE["services"], f"services/{service} has no service in docker-compose.yml"
    assert (SERVICES_DIR / service / "Dockerfile").is_file(), f"services/{service}/Dockerfile is missing"
    assert service in SERVICE_PORTS, f"services/{service} has no port in shared.config.SERVICE_PORTS"


def test_compose_deploys_only_known_services():
    assert set(APP_SERVICES) == set(SERVICE_FOLDERS)
    assert set(APP_SERVICES) == set(SERVICE_PORTS)


def test_the_runner_starts_the_same_services_as_compose():
    assert set(runner.ALL) == set(APP_SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_builds_the_service_from_its_dockerfile_in_the_repository_root(service):
    build = COMPOSE["services"][service]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{service}/Dockerfile"


# --- ports -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_image_listens_on_the_port_in_shared_config(service):
    port = SERVICE_PORTS[service]
    command = dockerfile_cmd(service)
    assert option(command, "--port") == str(port)
    assert option(command, "--host") == "0.0.0.0"
    assert re.search(rf"^EXPOSE\s+{port}\s*$", dockerfile(service), flags=re.MULTILINE)
    if service != GATEWAY:
        assert COMPOSE["services"][service].get("expose") == [str(port)]


def test_only_the_gateway_publishes_a_port_and_it_is_8000():
    publishing = {name for name, spec in COMPOSE["services"].items() if spec.get("ports")}
    assert publishing == {GATEWAY}
    assert COMPOSE["services"][GATEWAY]["ports"] == [f"{SERVICE_PORTS[GATEWAY]}:{SERVICE_PORTS[GATEWAY]}"]


@pytest.mark.parametrize("service", sorted(set(APP_SERVICES) - {GATEWAY}))
def test_the_gateway_finds_each_service_on_the_compose_network(service):
    gateway_env = environment(GATEWAY)
    assert gateway_env[f"GATEWAY_{service.upper()}_URL"] == f"http://{service}:{SERVICE_PORTS[service]}"


# --- environment -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_compose_sets_is_read_by_the_services_settings(service):
    settings_cls = importlib.import_module(f"{service}.config").Settings
    unknown = set(environment(service)) - accepted_env_names(settings_cls)
    assert not unknown, f"{service}: {sorted(unknown)} are not read by {service}.config.Settings"


def test_accepted_env_names_follow_prefixes_and_aliases():
    gateway_settings = importlib.import_module("gateway.config").Settings
    names = accepted_env_names(gateway_settings)
    assert {"GATEWAY_DATABASE_URL", "GATEWAY_REGISTRY_URL", "ADMIN_PASSWORD"} <= names
    assert "GATEWAY_ADMIN_PASSWORD" in names  # the second of its alias choices
    assert "GATEWAY_REGISTRY_SERVICE_CLIENT_SECRET" not in names  # an alias replaces the prefixed name
    assert "REGISTRY_SERVICE_CLIENT_SECRET" in names


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_uses_its_own_database_made_by_the_init_script_with_asyncpg(service):
    url = make_url(without_interpolation(environment(service)[f"{service.upper()}_DATABASE_URL"]))
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.database == runner.database_name(service) == f"qihang_{service}"
    assert url.database in init_script_databases()


def test_the_init_script_creates_exactly_the_runners_databases():
    assert init_script_databases() == {runner.database_name(s) for s in runner.ALL}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_tokens_are_verified_with_the_gateways_keys(service):
    env = environment(service)
    name = f"{service.upper()}_JWKS_URL"
    if service == GATEWAY and name not in env:
        return  # the gateway reads its own keys from its database
    assert env[name] == JWKS_URL


@pytest.mark.parametrize("service", sorted(set(APP_SERVICES) - {GATEWAY}))
def test_service_clients_share_one_secret_variable_with_the_gateway(service):
    prefix = service.upper()
    env, gateway_env = environment(service), environment(GATEWAY)
    assert env[f"{prefix}_SERVICE_CLIENT_ID"] == f"svc-{service}"
    secret = env[f"{prefix}_SERVICE_CLIENT_SECRET"]
    assert secret.startswith(f"${{{prefix}_SERVICE_CLIENT_SECRET:?")
    assert gateway_env[f"{prefix}_SERVICE_CLIENT_SECRET"] == secret


@pytest.mark.parametrize("service", [*APP_SERVICES, "postgres"])
def test_no_secret_is_committed(service):
    for name, value in environment(service).items():
        if any(word in name for word in ("SECRET", "PASSWORD")):
            assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", value), f"{service}: {name} must come from ${{VAR:?}}"
        if name.endswith("DATABASE_URL"):
            password = make_url(value.replace("${", "{")).password
            assert password is not None and str(password).startswith("{POSTGRES_PASSWORD:?"), f"{service}: {name}"


# --- start order and health ------------------------------------------------------------------------------------


def test_postgres_is_healthy_only_when_it_answers_over_tcp():
    postgres = COMPOSE["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in test and "127.0.0.1" in test
    mounts = [v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounts, "the init script is not mounted"
    for mount in mounts:
        source = ROOT / mount.split(":")[0]
        assert source.is_file(), f"{source} does not exist"
    assert any(v.split(":")[0] in COMPOSE.get("volumes", {}) for v in postgres["volumes"]), "no named data volume"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_waits_for_a_healthy_postgres_and_has_a_readiness_healthcheck(service):
    spec = COMPOSE["services"][service]
    depends = spec["depends_on"]
    assert depends["postgres"] == {"condition": "service_healthy"}
    for name, condition in depends.items():
        assert condition == {"condition": "service_healthy"}, f"{service} depends on {name} without health"
        assert "healthcheck" in COMPOSE["services"][name], f"{name} has no healthcheck to wait for"
    test = " ".join(spec["healthcheck"]["test"])
    assert f"http://127.0.0.1:{SERVICE_PORTS[service]}/readyz" in test


def test_the_gateway_starts_after_the_services():
    assert set(COMPOSE["services"][GATEWAY]["depends_on"]) == set(APP_SERVICES) - {GATEWAY} | {"postgres"}


# --- images ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_image_runs_the_services_app_factory(service):
    command = dockerfile_cmd(service)
    assert command[0] == "uvicorn" and "--factory" in command
    module_name, _, attribute = option(command, "--factory").partition(":")
    assert (module_name, attribute) == (f"{service}.main", "create_app")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute, None)), f"{module_name} has no {attribute}()"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_image_migrates_its_own_database_first(service):
    env = dockerfile_env(service)
    assert env.get("QIHANG_SERVICE") == service
    assert (SERVICES_DIR / service / "alembic.ini").is_file(), f"services/{service}/alembic.ini is missing"
    assert (SERVICES_DIR / service / "migrations" / "env.py").is_file()
    assert env.get("PYTHONPATH", "").split(":") == ["/app", f"/app/services/{service}"]
    text = dockerfile(service)
    assert re.search(r"^FROM python:3\.11-slim\s*$", text, flags=re.MULTILINE)
    assert "COPY shared/ shared/" in text and f"COPY services/{service}/ services/{service}/" in text
    assert "pip install -r requirements.txt" in text
    users = re.findall(r"^USER\s+(\S+)\s*$", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"
    assert 'ENTRYPOINT ["qihang-entrypoint"]' in text
    assert "COPY docker/entrypoint.sh /usr/local/bin/qihang-entrypoint" in text


def test_the_entrypoint_migrates_then_execs_the_command():
    text = ENTRYPOINT.read_text()
    assert os.access(ENTRYPOINT, os.X_OK)
    migrate = text.index('alembic -c "services/${QIHANG_SERVICE}/alembic.ini" upgrade head')
    assert migrate < text.index('exec "$@"')
    assert "set -eu" in text


def test_the_docker_context_leaves_out_local_state():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".data", ".git"} <= ignored


# --- Makefile and CI -------------------------------------------------------------------------------------------


def test_the_makefile_has_the_documented_targets():
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))
    assert {"venv", "run", "test", "lint", "bench", "migrate", "clean", "help"} <= targets


def test_ci_runs_the_tests_and_boots_the_system_like_make_run():
    ci = ROOT / ".ci" / "run"
    text = ci.read_text()
    assert os.access(ci, os.X_OK)
    assert "set -euo pipefail" in text
    assert re.search(r"^make test$", text, flags=re.MULTILINE)
    assert "-m scripts.run" in text and "-m scripts.smoke" in text
    assert "env -u DATABASE_URL" in text  # the embedded server path is what CI boots


# --- README ----------------------------------------------------------------------------------------------------

README = (ROOT / "README.md").read_text()


def test_the_readme_starts_with_make_run_then_make_test():
    commands = re.findall(r"^make [a-z]+", README, flags=re.MULTILINE)
    assert commands[:2] == ["make run", "make test"]


def test_the_readme_route_table_is_the_gateways():
    table = importlib.import_module("gateway.routing.table")
    documented = set(
        re.findall(r"^\| `(/api/v1/[a-z0-9/_-]+)` \| (registry|placement|subsidy|reporting) \|$", README, re.MULTILINE)
    )
    assert documented == {(route.prefix, route.service) for route in table.ROUTES}
    for prefix in table.GATEWAY_PREFIXES:
        assert f"`{prefix}" in README, f"the gateway answers {prefix} itself; the README does not say so"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_readme_documents_every_variable_the_settings_read(service):
    prefix = f"{service.upper()}_"
    missing = []
    for name in sorted(accepted_env_names(importlib.import_module(f"{service}.config").Settings)):
        generic = f"<SVC>_{name.removeprefix(prefix)}" if name.startswith(prefix) else None
        if f"`{name}`" not in README and (generic is None or f"`{generic}`" not in README):
            missing.append(name)
    assert not missing, f"README.md's configuration tables lack {missing}"
