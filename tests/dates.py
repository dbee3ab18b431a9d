"""Days relative to today in test tables. A parametrize table is built when the module is collected, possibly before
midnight, while its test may run after it, when the services' today is a day later: tables name the day with
these markers and the test resolves them when it runs."""

from datetime import date, timedelta
from typing import Any

TOMORROW = "<tomorrow>"


def resolved(value: Any) -> Any:
    """`value` with every TOMORROW marker (also inside a dict) replaced by tomorrow's ISO date, read now."""
    if value == TOMORROW:
        return str(date.today() + timedelta(days=1))
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items()}
    return value
