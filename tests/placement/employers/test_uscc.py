"""The unified social credit code's check character (GB 32100-2015)."""

import pytest

from placement.employers.uscc import check_character, problem
from tests.placement.employers.conftest import INDIVIDUAL_BUSINESS_CODE, PENGXINYUAN_CODE, PUBLIC_INSTITUTION_CODE

# Codes published by the companies themselves, and the standard's own example.
PUBLISHED = ["9144030071526726XG", "91330100716105852F", "914403001922038216", "91350100M000100Y43"]


@pytest.mark.parametrize("code", [*PUBLISHED, PENGXINYUAN_CODE, INDIVIDUAL_BUSINESS_CODE, PUBLIC_INSTITUTION_CODE])
def test_accepts_codes_whose_check_character_matches(code):
    assert problem(code) is None
    assert check_character(code[:17]) == code[17]


def test_a_remainder_of_zero_gives_the_check_character_zero():
    # Σ value × weight for these 17 characters is a multiple of 31: 31 - 0 = 31, written 0.
    assert check_character("91450222MA5KY1QU0") == "0"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("9144030071526726XH", "check character"),
        ("9144030071526726X0", "check character"),
        ("9144030017526726XG", "check character"),  # two digits swapped
        ("9144030071526726XG0", "18 characters"),
        ("9144030071526726X", "18 characters"),
        ("91440300715267260I", "contains I"),
        ("914403007152672S6Z", "contains SZ"),
    ],
)
def test_refuses_codes_with_a_wrong_check_character_length_or_letter(code, why):
    assert why in problem(code)


def test_check_character_needs_seventeen_characters_of_the_alphabet():
    with pytest.raises(ValueError):
        check_character("9144030071526726")
    with pytest.raises(ValueError):
        check_character("914403007152672OX")
