"""Resident identity card numbers (GB 11643-1999): normalise, validate, upgrade legacy numbers, mask.

18 characters: a 6-digit area code, the birth date YYYYMMDD, a 3-digit sequence (odd for men, even for women)
and a check character computed with ISO 7064 MOD 11-2 (0-9 or X). Clerks type them with full-width digits
and lower-case x; both are normalised. A 15-digit number (issued before 1999: 6-digit area, YYMMDD, sequence)
is upgraded by inserting the century "19" and computing the check character.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class InvalidIdNumber(ValueError):
    """The message says what is wrong, never echoing the number itself."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "male" / "female", from the sequence number's parity
    upgraded_from_15: bool = False

    @property
    def masked(self) -> str:
        return mask(self.value)


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _birth_date(text: str) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber("The birth date inside the ID number is not a real date.") from exc
    if born.year < 1900 or born > date.today():
        raise InvalidIdNumber("The birth date inside the ID number is out of range.")
    return born


def parse(raw: str) -> IdNumber:
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()
    upgraded = False
    if len(text) == 15:
        if not text.isdigit():
            raise InvalidIdNumber("A 15-digit ID number must contain digits only.")
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_char(first17)
        upgraded = True
    if len(text) != 18:
        raise InvalidIdNumber("An ID number has 18 characters (or 15 digits for a pre-1999 card).")
    first17, last = text[:17], text[17]
    if not first17.isdigit() or not (last.isdigit() or last == "X"):
        raise InvalidIdNumber("An ID number is 17 digits followed by a digit or X.")
    born = _birth_date(first17[6:14])
    if check_char(first17) != last:
        raise InvalidIdNumber("The ID number's check character does not match (a digit is probably mistyped).")
    return IdNumber(
        value=text, birth_date=born, gender="male" if int(first17[16]) % 2 else "female", upgraded_from_15=upgraded
    )


def mask(value: str) -> str:
    """450222********123X: area code and last four only."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
