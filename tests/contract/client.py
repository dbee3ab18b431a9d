"""Generate the Python client from an OpenAPI document as an integrator would (openapi-python-client with
docs/openapi-python-client.yaml, README "Generating a client") and import it."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"


def generate_client(document: dict[str, Any], workdir: Path, package: str) -> tuple[ModuleType, list[str]]:
    """The generated package, imported, and every line the generator printed besides "Generating ..." (its
    warnings: a model it had to drop, a response it could not read)."""
    spec = workdir / "openapi.json"
    spec.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(workdir / package),
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # Its post-hooks format the client with ruff, which is in this virtualenv.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=False,
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0, "\n".join(output)
    sys.path.insert(0, str(workdir))
    try:
        return importlib.import_module(package), [line for line in output if not line.startswith("Generating ")]
    finally:
        sys.path.remove(str(workdir))
