"""Make the secret files docker-compose.yml mounts as Docker secrets: `python3 scripts/compose_secrets.py [DIR]`.

Writes each missing file under DIR (default ./secrets beside docker-compose.yml): 32 random bytes, URL-safe base64
(`secrets.token_urlsafe(32)`), which also suits the keys (ID-number encryption and hash keys, the gateway's
key-encryption key) and goes into database URLs unquoted. Existing files are never overwritten: the keys protect
data already stored. The folder is 0700 (only you on this host); the files are 0644 so that the containers' own
users (postgres, and the services' uid 10001) can read the copies compose mounts into them.

Only the standard library: it runs before any virtual environment exists, on the docker host.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

SERVICES = ("gateway", "registry", "placement", "subsidy", "reporting")
NAMES = (
    "postgres_password",
    "admin_password",
    "gateway_key_encryption_key",
    "registry_id_number_encryption_key",
    "registry_id_number_hash_key",
    *(f"{service}_webhook_secret_key" for service in ("registry", "placement", "subsidy")),
    *(f"{service}_service_client_secret" for service in SERVICES if service != "gateway"),
    *(f"{service}_db{kind}_password" for service in SERVICES for kind in ("", "_owner")),
    *(f"{service}_cursor_key" for service in SERVICES),
)
"""Every secret docker-compose.yml declares (tests/deploy checks the two agree)."""
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "secrets"


def make_secrets(folder: Path) -> list[str]:
    """Write the missing secret files; returns the names written."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    written = []
    for name in NAMES:
        path = folder / name
        if path.exists():
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32) + "\n")
        os.chmod(path, 0o644)
        written.append(name)
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    written = make_secrets(folder)
    print(f"{folder}: wrote {', '.join(written)}" if written else f"{folder}: every secret is there already")
    print(f"The first admin's password is in {folder / 'admin_password'}. Back the folder up with the data volume.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
