"""Rules on input that several services' request schemas share: one definition, so that the same field is refused
alike everywhere."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import StringConstraints

ClientId = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
"""An integration client's id at the gateway (gateway.clients), also what a webhook subscription names."""


def not_in_future(value: date | None) -> date | None:
    """A field validator (`field_validator("signed_on")(not_in_future)`): a day that has come, today at the latest.
    None passes (an optional day left out)."""
    if value is not None and value > date.today():
        raise ValueError("must not be in the future")
    return value


def not_cleared(value: object) -> object:
    """A field validator of an update (`field_validator("name", mode="before")(not_cleared)`): a field that may be
    left out or changed but not sent as null."""
    if value is None:
        raise ValueError("may be changed but not cleared")
    return value
