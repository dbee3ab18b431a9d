from datetime import date

import pytest

from registry.persons.national_id import InvalidIdNumber, check_char, mask, parse

VALID = "11010519491231002X"  # the standard's own example


def test_the_standards_example_is_valid_and_decoded():
    parsed = parse(VALID)
    assert (parsed.value, parsed.birth_date, parsed.gender) == (VALID, date(1949, 12, 31), "female")


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert parse("１１０１０５１９４９１２３１００２ｘ").value == VALID
    assert parse(" 11010519491231002x ").value == VALID


def test_a_legacy_15_digit_number_is_upgraded():
    parsed = parse("110105491231002")
    assert parsed.value == VALID and parsed.upgraded_from_15


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("110105194912310021", "check character"),
        ("110105194902300028", "not a real date"),
        ("1101051949123100", "18 characters"),
        ("11010519491231002Y", "17 digits"),
        ("110105299912310023", "out of range"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason_that_does_not_repeat_them(raw, reason):
    with pytest.raises(InvalidIdNumber) as info:
        parse(raw)
    assert reason in str(info.value)
    assert raw not in str(info.value)


def test_check_character_and_mask():
    assert check_char(VALID[:17]) == "X"
    assert mask("450222199001011234") == "450222********1234"
