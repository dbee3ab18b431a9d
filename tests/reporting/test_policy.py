"""Who may see what, as a matrix over the declarative policy (reporting.reports.policy) and through the API."""

import pytest

from reporting.reports import policy
from shared.auth import Principal

READ = frozenset({"reporting:read"})
WRITE = frozenset({"reporting:read", "reporting:write"})


def principal(department="nco", jurisdiction=None, roles=("staff",), scopes=WRITE, kind="user", employer=None):
    return Principal(
        subject="s",
        kind=kind,
        name="n",
        roles=frozenset(roles),
        department=department,
        jurisdiction=jurisdiction,
        scopes=scopes,
        token="t",
        token_id=None,
        employer_id=employer,
    )


CALLERS = {
    "nco staff": principal(),
    "nco viewer": principal(roles=("viewer",), scopes=READ),
    "police staff": principal(department="police"),
    "finance viewer": principal(department="finance", roles=("viewer",), scopes=READ),
    "dapu staff": principal(department="township", jurisdiction="dapu"),
    "dapu viewer": principal(department="township", jurisdiction="dapu", roles=("viewer",), scopes=READ),
    "admin": principal(department="it", roles=("admin",)),
    "service client": principal(department="it", roles=("service",), kind="client", scopes=READ),
    "employer client": principal(department=None, kind="client", scopes=READ, employer="e1"),
    "no scope": principal(scopes=frozenset()),
}

# caller -> (view, detail of shapu, bulletins, plan, update dapu's action, update shapu's action, rebuild)
MATRIX = {
    "nco staff": ("all", True, True, True, True, True, False),
    "nco viewer": ("all", True, True, False, False, False, False),
    "police staff": ("all", True, True, False, False, False, False),
    "finance viewer": ("all", True, True, False, False, False, False),
    "dapu staff": ("own", False, True, False, True, False, False),
    "dapu viewer": ("own", False, True, False, False, False, False),
    "admin": ("all", True, True, False, False, False, True),
    "service client": (None, False, False, False, False, False, False),
    "employer client": (None, False, False, False, False, False, False),
    "no scope": (None, False, False, False, False, False, False),
}


def allowed(check, *args) -> bool:
    try:
        check(*args)
    except policy.NoReportingAccess:
        return False
    return True


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_the_policy_matrix(caller):
    p = CALLERS[caller]
    view, shapu, bulletins, plan, own_action, other_action, rebuild = MATRIX[caller]
    got_view = policy.require_view(p).view if allowed(policy.require_view, p) else None
    assert got_view == view
    assert (allowed(policy.detail_for, p, "shapu") and policy.detail_for(p, "shapu")) is shapu
    assert allowed(policy.require_bulletins, p) is bulletins
    assert allowed(policy.require_plan, p) is plan
    assert allowed(policy.require_action_update, p, "dapu") is own_action
    assert allowed(policy.require_action_update, p, "shapu") is other_action
    assert allowed(policy.require_rebuild, p) is rebuild


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("township", "/api/v1/reports/indicators?period=2013", 200),
        ("employer", "/api/v1/reports/indicators?period=2013", 403),
        ("township", "/api/v1/bulletins", 200),
        ("employer", "/api/v1/bulletins", 403),
        ("township", "/api/v1/reporting-feeds", 200),
    ],
)
async def test_the_matrix_holds_through_the_api(reporting, make_token, who, path, status):
    claims = (
        {"roles": ["staff"], "department": "township", "jurisdiction": "dapu"}
        if who == "township"
        else {"roles": ["viewer"], "department": None, "kind": "client", "emp": "8d1f2e3a-0b4c-4d5e-8f6a-7b8c9d0e1f2a"}
    )
    response = await reporting.get(path, headers={"Authorization": f"Bearer {make_token(**claims)}"})
    assert response.status_code == status


async def test_only_an_administrator_rebuilds(reporting, make_token):
    staff = {"Authorization": f"Bearer {make_token(roles=['staff'], department='nco')}"}
    assert (await reporting.post("/api/v1/reporting-feeds/rebuild", headers=staff)).status_code == 403
    admin = {"Authorization": f"Bearer {make_token(roles=['admin'], department='it')}"}
    response = await reporting.post("/api/v1/reporting-feeds/rebuild", headers=admin)
    assert response.status_code == 202 and response.json() == {"status": "rebuilding"}
