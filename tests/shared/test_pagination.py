"""Cursors are signed with the service's key and bound to their list and sort; anything else is InvalidCursor (400)."""

import pytest

from shared.config import BaseServiceSettings
from shared.pagination import (
    InvalidCursor,
    cursor_key_var,
    decode_cursor,
    decode_position,
    encode_cursor,
    encode_position,
)


def test_a_cursor_decodes_to_its_values_under_the_same_key_and_tag():
    cursor = encode_cursor(["韦某", "0b6f0d1e-6c52-4a2a-9d3e-3f1e2a7b9c10"], tag="Person.name asc")
    assert decode_cursor(cursor, 2, tag="Person.name asc") == ["韦某", "0b6f0d1e-6c52-4a2a-9d3e-3f1e2a7b9c10"]
    assert cursor.isascii() and "韦" not in cursor


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda c: c.split(".")[0],  # the signature cut off: the old unsigned form
        lambda c: "WyJ5Il0." + c.split(".")[1],  # another payload (["y"]) under this signature
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # the signature altered
        lambda c: c + ".x",
        lambda c: "",
        lambda c: "王.勇",
    ],
)
def test_an_altered_or_made_up_cursor_is_refused(make_bad):
    cursor = encode_cursor(["x"], tag="User.username asc")
    with pytest.raises(InvalidCursor):
        decode_cursor(make_bad(cursor), 1, tag="User.username asc")


def test_a_cursor_of_another_list_size_or_key_is_refused():
    cursor = encode_cursor(["x"], tag="User.username asc")
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, 1, tag="IntegrationClient.client_id asc")
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, 2, tag="User.username asc")
    token = cursor_key_var.set(b"another-service-key-of-at-least-32-bytes")
    try:
        with pytest.raises(InvalidCursor):
            decode_cursor(cursor, 1, tag="User.username asc")
        assert decode_cursor(encode_cursor(["x"], tag="t"), 1, tag="t") == ["x"]
    finally:
        cursor_key_var.reset(token)


def test_feed_positions_are_unsigned_and_checked_for_shape_only():
    assert decode_position(encode_position(["12", 3]), 2) == ["12", 3]
    for bad in ("!!!", "王", encode_position(["12"]), encode_position({"a": 1})):
        with pytest.raises(InvalidCursor):
            decode_position(bad, 2)


def test_production_refuses_the_development_cursor_key_and_short_keys():
    with pytest.raises(ValueError, match="cursor_key"):
        BaseServiceSettings(environment="production", service_client_id="svc-subsidy", service_client_secret="s-1")
    with pytest.raises(ValueError, match="cursor_key"):
        BaseServiceSettings(cursor_key="too-short")
    client = {"service_client_id": "svc-subsidy", "service_client_secret": "a-real-secret-1"}
    production = BaseServiceSettings(environment="production", cursor_key="k" * 43, **client)
    assert production.cursor_key.get_secret_value() == "k" * 43
