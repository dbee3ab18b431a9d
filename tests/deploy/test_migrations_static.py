"""A migration stays as it was written: it imports only alembic, SQLAlchemy and the standard library, never the
application (shared/ or a service's package), whose later changes would silently change what an old migration does."""

import ast
import sys
from pathlib import Path

import pytest

VERSIONS = sorted(Path(__file__).resolve().parents[2].glob("services/*/migrations/versions/*.py"))
ALLOWED = {"alembic", "sqlalchemy", *sys.stdlib_module_names}


@pytest.mark.parametrize("path", VERSIONS, ids=lambda p: p.name)
def test_a_migration_imports_no_application_code(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0] if node.level == 0 else ".")
    assert imported <= ALLOWED, f"{path.name} imports {sorted(imported - ALLOWED)}"


def test_every_service_has_migrations_to_check():
    assert {p.parts[-4] for p in VERSIONS} == {"gateway", "registry", "placement", "subsidy", "reporting"}
