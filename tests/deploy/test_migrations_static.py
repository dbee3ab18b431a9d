"""A migration stays as it was written: it imports only alembic, SQLAlchemy, the standard library and the frozen,
versioned migration kits (shared/migration_kit_v<N>.py), never the application (the rest of shared/ or a service's
package), whose later changes would silently change what an old migration does. A kit is frozen by its sha256."""

import ast
import hashlib
import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = sorted(ROOT.glob("services/*/migrations/versions/*.py"))
ALLOWED = {"alembic", "sqlalchemy", *sys.stdlib_module_names}
# Every frozen kit and the sha256 of its text as it was landed. Never change a line of this table but to add a kit.
FROZEN_KITS = {
    "shared.migration_kit_v1": "2213ccf64d837d77c4474e3d4c50de3236e23df36d27f9a86316a15f978f715f",
    "shared.migration_kit_v2": "e3e11e1d86abc19a5779065a569a8a26b9629f5ac486c7b7b84e75c1ed69486b",
    "shared.migration_kit_v3": "549d1becdd850bb4eca26b55ee8dc70d5921d4cec723b8a04e8cb6b58925a6f4",
}
KIT_PATHS = sorted(ROOT.glob("shared/migration_kit_v*.py"))
# The naming convention of the metadata every env.py hands alembic as target_metadata. op.create_table, op.f and the
# kits name constraints by it (s0001's checks became ck_subsidy_policy_ck_subsidy_policy_..., p0005's
# ck_placement_ck_placement_end_reason), so it is part of what every migration does: it never changes either.
MIGRATIONS_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def imported_modules(path: Path) -> set[str]:
    """Full names of what a file imports (`from shared import migration_kit_v1` counts as shared.migration_kit_v1)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                imported.add(".")
            elif node.module in {"shared"}:
                imported |= {f"shared.{alias.name}" for alias in node.names}
            else:
                imported.add(node.module or "")
    return imported


def not_allowed(imported: set[str], kits_too: bool) -> set[str]:
    return {m for m in imported if m.split(".")[0] not in ALLOWED and not (kits_too and m in FROZEN_KITS)}


@pytest.mark.parametrize("path", VERSIONS, ids=lambda p: p.name)
def test_a_migration_imports_no_application_code(path):
    wrong = not_allowed(imported_modules(path), kits_too=True)
    assert not wrong, (
        f"{path.name} imports {sorted(wrong)}: a migration may import only alembic, SQLAlchemy, the standard library "
        f"and the frozen kits {', '.join(sorted(FROZEN_KITS))}"
    )


@pytest.mark.parametrize("path", KIT_PATHS, ids=lambda p: p.name)
def test_a_frozen_kit_is_never_edited(path):
    name = f"shared.{path.stem}"
    assert name in FROZEN_KITS, f"{path.name} is not pinned: add its sha256 to FROZEN_KITS in {Path(__file__).name}"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == FROZEN_KITS[name], (
        f"{path.name} changed (sha256 {digest}). Migrations that ran long ago import it, so editing it would change "
        f"what they did: undo the edit and add a new version instead of editing (shared/migration_kit_v"
        f"{len(FROZEN_KITS) + 1}.py, pinned here, imported only by the migrations written after it)."
    )


@pytest.mark.parametrize("path", KIT_PATHS, ids=lambda p: p.name)
def test_a_frozen_kit_imports_no_application_code(path):
    wrong = not_allowed(imported_modules(path), kits_too=False)
    assert not wrong, f"{path.name} imports {sorted(wrong)}: a kit, like a migration, never imports live code"


def test_importing_a_kit_runs_no_live_code():
    """`from shared import migration_kit_v1` runs shared/__init__.py first: it must stay free of imports."""
    assert imported_modules(ROOT / "shared" / "__init__.py") == set()


def test_every_pinned_kit_exists():
    assert {f"shared.{p.stem}" for p in KIT_PATHS} == set(FROZEN_KITS)


def dropped_in_downgrade(path: Path) -> tuple[set[str], set[str]]:
    """The tables a migration's downgrade drops (op.drop_table, kit.drop_tables) and those it drops an index of."""
    tree = ast.parse(path.read_text())
    downgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade")
    tables, indexed = set(), set()
    for node in ast.walk(downgrade):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if node.func.attr == "drop_table":
            tables |= set(strings[:1])
        elif node.func.attr == "drop_tables":
            tables |= set(strings)
        elif node.func.attr == "drop_index":
            keywords = {k.arg: k.value for k in node.keywords}
            table = keywords.get("table_name")
            if isinstance(table, ast.Constant):
                indexed.add(table.value)
    return tables, indexed


@pytest.mark.parametrize("path", VERSIONS, ids=lambda p: p.name)
def test_a_downgrade_drops_no_index_of_a_table_it_drops(path):
    """PostgreSQL drops a table's indexes, constraints and triggers with the table: dropping them first is noise."""
    tables, indexed = dropped_in_downgrade(path)
    assert not tables & indexed, (
        f"{path.name} drops indexes of {sorted(tables & indexed)} before dropping the table: drop the table alone"
    )


@pytest.mark.parametrize("service", ["gateway", "registry", "placement", "subsidy", "reporting"])
def test_the_migrations_run_under_the_naming_convention_they_were_written_for(service):
    assert f"from {service}.database import Base" in (ROOT / "services" / service / "migrations" / "env.py").read_text()
    naming = importlib.import_module(f"{service}.database").Base.metadata.naming_convention
    assert naming == MIGRATIONS_NAMING_CONVENTION, (
        f"{service}'s metadata names constraints otherwise than when its migrations were written: the same migration "
        "would now build other constraint names. Keep the convention (or name every constraint with op.f)"
    )


def test_every_service_has_migrations_to_check():
    assert {p.parts[-4] for p in VERSIONS} == {"gateway", "registry", "placement", "subsidy", "reporting"}
