"""The typed codec: exact round trips, refusal of non-plain values, hostile frames."""

from __future__ import annotations

import struct

import pytest

from forge.sandbox import codec

U32 = struct.Struct("<I")


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        255,
        256,
        -129,
        2**64,
        -(2**200),
        0.0,
        -0.0,
        1e308,
        float("inf"),
        float("-inf"),
        "",
        "héllo\x00\ud800",
        b"",
        b"\x00\xff",
        [],
        (),
        {},
        set(),
        frozenset(),
        [1, [2, [3]]],
        (1, "a", None),
        {"a": 1, 2: "b", (1, 2): [3]},
        {1, "x", (2, 3), frozenset({4})},
    ],
)
def test_round_trip_is_exact(value: object) -> None:
    back = codec.decode(codec.encode(value))
    assert back == value
    assert type(back) is type(value)
    if type(value) is float and value == 0.0:
        assert str(back) == str(value)


def test_bool_and_int_keep_their_types() -> None:
    back = codec.decode(codec.encode([True, 1, False, 0]))
    assert [type(v) for v in back] == [bool, int, bool, int]


@pytest.mark.parametrize(
    "value, name",
    [
        (type("Liar", (int,), {})(3), "Liar"),
        (type("S", (str,), {})("x"), "S"),
        (object(), "object"),
        ([1, {"a": print}], "builtin_function_or_method"),
        (bytearray(b"x"), "bytearray"),
        (range(3), "range"),
    ],
)
def test_non_plain_values_are_refused_by_type_name(value: object, name: str) -> None:
    with pytest.raises(codec.NotPlain, match=f"value of type {name} is not plain data"):
        codec.encode(value)


def test_encoder_cap_applies() -> None:
    with pytest.raises(codec.TooLarge):
        codec.encode("x" * 1000, max_bytes=100)


def _frame(*parts: bytes) -> bytes:
    return b"".join(parts)


@pytest.mark.parametrize(
    "frame, reason",
    [
        (b"", "truncated or malformed frame"),
        (b"l", "truncated or malformed frame"),
        (b"l" + U32.pack(10**9), "length field larger than the frame"),
        (b"s" + U32.pack(2) + b"\xff\xfe", "string is not valid UTF-8"),
        (b"i" + U32.pack(5000) + b"\x01" * 5000, "int with more than 32768 bits"),
        (b"NN", "1 bytes of trailing data after the value"),
        (b"Q", "unknown type tag b'Q'"),
        (
            b"S" + U32.pack(1) + b"l" + U32.pack(0),
            "unhashable list used as a set element or dict key",
        ),
        (b"d" + U32.pack(1) + b"d" + U32.pack(0) + b"N", "unhashable dict used as a set element"),
        (b"l" + U32.pack(1) * 1 + (b"l" + U32.pack(1)) * 150 + b"N", "nesting deeper than 100"),
    ],
)
def test_hostile_frames_are_refused_with_a_reason(frame: bytes, reason: str) -> None:
    with pytest.raises(codec.FrameError, match=reason.replace("(", r"\(").replace("[", r"\[")):
        codec.decode(frame)


def test_hash_flooding_set_is_refused() -> None:
    mod = (1 << 61) - 1  # ints congruent modulo this share one hash
    items = b"".join(
        b"i" + U32.pack(9) + (1 + k * mod).to_bytes(9, "little", signed=True) for k in range(200)
    )
    with pytest.raises(codec.FrameError, match="keys share one hash value"):
        codec.decode(b"S" + U32.pack(200) + items)


def test_many_distinct_keys_are_fine() -> None:
    value = {i: str(i) for i in range(5000)}
    assert codec.decode(codec.encode(value)) == value


def test_decoder_never_calls_user_code() -> None:
    """Decoded containers hold only exact builtin types, recursively."""
    value = codec.decode(codec.encode({"a": [(1, 2.0, "s", b"b", None, True)], "s": {1}}))

    def types(v: object) -> set[type]:
        if isinstance(v, (list, tuple, set, frozenset)):
            return {type(v)}.union(*(types(x) for x in v))
        if isinstance(v, dict):
            return {dict}.union(*(types(x) for x in [*v.keys(), *v.values()]))
        return {type(v)}

    assert types(value) <= {dict, list, tuple, set, int, float, str, bytes, type(None), bool}
