"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-character alphabet
(the digits and the capital letters without I, O, S, V and Z), the last one a check character over the first 17."""

from __future__ import annotations

from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PATTERN: Final = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
_VALUE: Final = {char: value for value, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character for the first 17: 31 - (Σ value × weight mod 31), where 31 is written 0."""
    if len(first17) != 17 or any(char not in _VALUE for char in first17):
        raise ValueError("need 17 characters of the code's alphabet")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` (already capitalised) is not a valid unified social credit code, or None if it is."""
    if len(code) != 18:
        return "must be 18 characters"
    wrong = sorted({char for char in code if char not in _VALUE})
    if wrong:
        return f"contains {''.join(wrong)}: only digits and capital letters other than I, O, S, V and Z are used"
    if check_character(code[:17]) != code[17]:
        return "the check character (the 18th) does not match the first 17: mistyped?"
    return None
