"""A domain's access policy as a table of grants by department, on top of the token's scopes (`<service>:read`,
`<service>:write`): the check each policy.py made by hand, written once. A policy module keeps its own table, its
grant dataclass and its messages (they say who may do what); `GrantTable` looks the caller's grant up and refuses
with the module's 403 error.

- `require(principal, "close", "write", message)`: the grant's flag `close` must be true and the token must carry
  `<service>:write`.
- `require_access(principal, resource, "read" | "write", message)`: for grants of named resources each `"none"`,
  `"read"` or `"write"`; read needs anything but `"none"`, write needs `"write"`. `require_read(principal, resource)`
  and `require_write(...)` do the same with the refusal said by the table's `labels` of its resources.
- `readable(principal)`: the grant's flag `read` and `<service>:read`, refused with the table's `unreadable`
  message; what exists for the caller (`visibility`). `writable(principal, "close", message)`: `readable`, then the
  flag `close` with `<service>:write`. A policy's `require_read` and its checks of each write are these.

The platform's own services (client tokens with the role `service`) get `service`'s grant when one is given; a
department not in the table gets `default` (None: no access at all). Where employers' integration clients (token
claim `emp`) and services have rows of their own, the table is keyed by `caller_kind`, and `visibility` says what
exists for the caller: township staff (token `jur`) see only their jurisdiction's, an employer's client only its own
employer's; the rest does not exist for them (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from shared.auth import Principal

G = TypeVar("G")
Access = Literal["none", "read", "write"]
Need = Literal["read", "write"]
EMPLOYER = "employer"
SERVICE = "service"


@dataclass(frozen=True)
class ReadWrite:
    """The grant of a table whose callers may read and some of them also write (`Grant(write=True)`)."""

    read: bool = True
    write: bool = False


def is_service_client(principal: Principal) -> bool:
    """A token of one of the platform's own services (client credentials with the role `service`)."""
    return SERVICE in principal.roles and principal.kind == "client"


def department(principal: Principal) -> str:
    return principal.department or ""


def caller_kind(principal: Principal) -> str:
    """employer, service, or the staff's department code ("" when none)."""
    if principal.employer_id is not None:
        return EMPLOYER
    if is_service_client(principal):
        return SERVICE
    return department(principal)


@dataclass(frozen=True, slots=True)
class Visibility:
    """The records that exist for a caller: None means no limit on that axis."""

    jurisdiction: str | None
    employer_id: uuid.UUID | None

    @property
    def county_wide(self) -> bool:
        return self.jurisdiction is None and self.employer_id is None


def visibility(principal: Principal) -> Visibility:
    employer_id: uuid.UUID | None = None
    if principal.employer_id is not None:
        try:
            employer_id = uuid.UUID(principal.employer_id)
        except ValueError:
            # A malformed `emp` claim still limits the client: to an employer that cannot exist.
            employer_id = uuid.UUID(int=0)
    return Visibility(jurisdiction=principal.jurisdiction, employer_id=employer_id)


class GrantTable(Generic[G]):
    def __init__(
        self,
        grants: Mapping[str, G],
        *,
        scope: str,
        error: Callable[[str], Exception],
        default: G | None = None,
        service: G | None = None,
        key: Callable[[Principal], str] = department,
        labels: Mapping[str, str] | None = None,
        unreadable: str = "",
    ) -> None:
        self.grants = grants
        self.scope = scope
        self.error = error
        self.default = default
        self.service = service
        self.key = key
        self.labels = labels or {}
        """What each named resource is called in a refusal (`require_read`, `require_write`)."""
        self.unreadable = unreadable
        """The refusal of a caller who may not read at all (`readable`, `writable`)."""

    def grant_of(self, principal: Principal) -> G | None:
        if self.service is not None and is_service_client(principal):
            return self.service
        return self.grants.get(self.key(principal), self.default)

    def has_scope(self, principal: Principal, need: Need) -> bool:
        return f"{self.scope}:{need}" in principal.scopes

    def require(self, principal: Principal, flag: str, need: Need, message: str) -> G:
        """The caller's grant, if its `flag` is set and the token has `<scope>:<need>`; else the error."""
        grant = self.grant_of(principal)
        if grant is None or not getattr(grant, flag) or not self.has_scope(principal, need):
            raise self.error(message)
        return grant

    def readable(self, principal: Principal) -> Visibility:
        """What exists for the caller, if its grant's `read` is set and the token has `<scope>:read`; else the
        error, saying the table's `unreadable`."""
        self.require(principal, "read", "read", self.unreadable)
        return visibility(principal)

    def writable(self, principal: Principal, flag: str, message: str) -> Visibility:
        """`readable`, and the grant's `flag` set with `<scope>:write` (else the error, saying `message`)."""
        seen = self.readable(principal)
        self.require(principal, flag, "write", message)
        return seen

    def require_access(self, principal: Principal, resource: str, need: Need, message: str) -> None:
        level: Any = getattr(self.grant_of(principal), resource, "none")
        allowed = level == "write" if need == "write" else level != "none"
        if not allowed or not self.has_scope(principal, need):
            raise self.error(message)

    def require_read(self, principal: Principal, resource: str) -> None:
        """`require_access` to read a named resource, refused as "Your department may not see <its label>."."""
        self.require_access(principal, resource, "read", f"Your department may not see {self.labels[resource]}.")

    def require_write(self, principal: Principal, resource: str) -> None:
        """`require_access` to write a named resource, refused as "You may not record <its label>."."""
        self.require_access(principal, resource, "write", f"You may not record {self.labels[resource]}.")
