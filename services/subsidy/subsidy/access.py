"""Who is calling, as every domain's policy (`<domain>/policy.py`) sees it: an employer's integration client (token
claim `emp`), a platform service's client (role `service`), or staff by department; and what exists for them.

Township staff (token `jur`) see only what concerns their jurisdiction, an employer's client only its own employer;
anything else does not exist for them (404)."""

from __future__ import annotations

from shared.grants import EMPLOYER, SERVICE, Visibility, caller_kind, visibility

__all__ = ["ADMIN", "EMPLOYER", "SERVICE", "Visibility", "caller_kind", "visibility"]

ADMIN = "admin"
