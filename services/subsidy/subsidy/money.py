"""Money in CNY: `Decimal` everywhere, NUMERIC(14,2) in the database, decimal strings with two places in JSON.

Rounding happens in exactly one place, `to_fen`: ROUND_HALF_UP to the fen (0.01 yuan), applied once to each
decision's amount after everything else (per-person or per-month sums, the loan interest formula, the cap) has been
computed exactly. Nothing rounds along the way, so no amount depends on the order in which lines were added."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
"""The largest value NUMERIC(14,2) holds."""
EXACT = Context(prec=40)
"""Precision of the exact intermediate arithmetic (far beyond any amount the county handles)."""
ROUNDING_RULE = "ROUND_HALF_UP to the fen (0.01 CNY), once per decision amount, after caps; nothing rounds before."


def to_fen(amount: Decimal) -> Decimal:
    """The one rounding of the service: half-up to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def exact(amount: Decimal) -> str:
    """An intermediate amount as written in an evidence snapshot: every digit, normalised, never rounded."""
    text = format(amount.normalize(EXACT), "f")
    return text


Money = Annotated[Decimal, PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json")]
"""CNY amounts on the way out: Decimal inside, a decimal string with two places ("12000.00") in JSON."""

MoneyIn = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
]
"""CNY amounts on the way in: not negative, at most two decimal places (more is refused, never rounded)."""
