"""Typed encoding of plain data, for payloads and result frames.

Only exact plain types cross: None, bool, int, float (nan and inf included), str, bytes,
list, tuple, dict, set and frozenset. Subclasses and every other type are refused with a
reason naming the type. :func:`encode` runs in the untrusted child (the candidate can patch
it, so it only helps honest runners explain themselves); :func:`decode` runs on the trusted
side and is the real gate: it rebuilds only exact plain types and enforces caps on size,
nesting depth, integer size and hash collisions.
"""

from __future__ import annotations

import struct
from collections import Counter
from typing import Any

MAX_DEPTH = 100
MAX_INT_BYTES = 4096  # about 9,860 decimal digits
MAX_COLLISIONS = 64  # equal hashes allowed in one set or dict before we refuse it

_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_SEQ_TAGS: dict[type, bytes] = {list: b"l", tuple: b"t", set: b"S", frozenset: b"Z"}
_HASHABLE_LEAVES = (type(None), bool, int, float, str, bytes)


class NotPlain(TypeError):
    """A value is not plain data; the message names the offending type."""


class TooLarge(ValueError):
    """An encoded value would exceed its byte cap."""


class FrameError(ValueError):
    """A frame could not be decoded into plain data; the message says why."""


def encode(value: Any, max_bytes: int = 8 << 20, max_depth: int = MAX_DEPTH) -> bytes:
    """Return the typed encoding of ``value``; raise NotPlain, TooLarge or ValueError (depth)."""
    out = bytearray()
    _enc(value, out, max_bytes, max_depth)
    return bytes(out)


def _enc(v: Any, out: bytearray, cap: int, depth: int) -> None:
    if depth < 0:
        raise NotPlain(f"nesting deeper than {MAX_DEPTH} levels")
    t = type(v)
    if v is None:
        out += b"N"
    elif t is bool:
        out += b"T" if v else b"F"
    elif t is int:
        raw = v.to_bytes(v.bit_length() // 8 + 1, "little", signed=True)
        if len(raw) > MAX_INT_BYTES:
            raise NotPlain(f"int with more than {MAX_INT_BYTES * 8} bits")
        out += b"i" + _U32.pack(len(raw)) + raw
    elif t is float:
        out += b"f" + _F64.pack(v)
    elif t is str or t is bytes:
        raw = v.encode("utf-8", "surrogatepass") if t is str else v
        out += (b"s" if t is str else b"b") + _U32.pack(len(raw)) + raw
    elif t in _SEQ_TAGS:
        items = list(v)
        out += _SEQ_TAGS[t] + _U32.pack(len(items))
        for item in items:
            _enc(item, out, cap, depth - 1)
    elif t is dict:
        items = list(v.items())
        out += b"d" + _U32.pack(len(items))
        for key, item in items:
            _enc(key, out, cap, depth - 1)
            _enc(item, out, cap, depth - 1)
    else:
        raise NotPlain(f"value of type {_type_name(t)} is not plain data")
    if len(out) > cap:
        raise TooLarge(f"encoded value is larger than {cap} bytes")


def _type_name(t: type) -> str:
    try:
        name = type.__getattribute__(t, "__qualname__")
        return str.__str__(name)[:80] if type(name) is str else "?"
    except Exception:  # noqa: BLE001 - a hostile metaclass must not break the report
        return "?"


def decode(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Rebuild the plain value encoded in ``data`` (trusted side); raise FrameError if bad."""
    view = memoryview(bytes(data))
    try:
        value, pos = _dec(view, 0, max_depth)
    except (struct.error, IndexError) as exc:
        raise FrameError("truncated or malformed frame") from exc
    except RecursionError as exc:
        raise FrameError("frame nests too deeply") from exc
    if pos != len(view):
        raise FrameError(f"{len(view) - pos} bytes of trailing data after the value")
    return value


def _count(view: memoryview, pos: int) -> tuple[int, int]:
    (n,) = _U32.unpack_from(view, pos)
    if n > len(view) - pos - 4:
        raise FrameError("length field larger than the frame")
    return n, pos + 4


def _dec(view: memoryview, pos: int, depth: int) -> tuple[Any, int]:
    if depth < 0:
        raise FrameError(f"nesting deeper than {MAX_DEPTH} levels")
    tag = view[pos : pos + 1].tobytes()
    if not tag:
        raise FrameError("truncated or malformed frame")
    pos += 1
    if tag == b"N":
        return None, pos
    if tag in (b"T", b"F"):
        return tag == b"T", pos
    if tag == b"f":
        return _F64.unpack_from(view, pos)[0], pos + 8
    if tag in (b"i", b"s", b"b"):
        n, pos = _count(view, pos)
        raw = view[pos : pos + n].tobytes()
        return _leaf(tag, raw), pos + n
    if tag in (b"l", b"t", b"S", b"Z", b"d"):
        return _container(view, pos, depth, tag)
    raise FrameError(f"unknown type tag {tag!r}")


def _leaf(tag: bytes, raw: bytes) -> Any:
    if tag == b"i":
        if len(raw) > MAX_INT_BYTES:
            raise FrameError(f"int with more than {MAX_INT_BYTES * 8} bits")
        return int.from_bytes(raw, "little", signed=True)
    if tag == b"b":
        return raw
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise FrameError("string is not valid UTF-8") from exc


def _container(view: memoryview, pos: int, depth: int, tag: bytes) -> tuple[Any, int]:
    n, pos = _count(view, pos)
    items = []
    for _ in range(n * 2 if tag == b"d" else n):
        item, pos = _dec(view, pos, depth - 1)
        items.append(item)
    if tag == b"l":
        return items, pos
    if tag == b"t":
        return tuple(items), pos
    keys = items[0::2] if tag == b"d" else items
    _check_keys(keys)
    if tag == b"d":
        return dict(zip(keys, items[1::2], strict=True)), pos
    return (set(items) if tag == b"S" else frozenset(items)), pos


def _check_keys(keys: list[Any]) -> None:
    for key in keys:
        if not _hashable(key, 0):
            raise FrameError(f"unhashable {type(key).__name__} used as a set element or dict key")
    if len(keys) > MAX_COLLISIONS:
        worst = max(Counter(hash(k) for k in keys).values())
        if worst > MAX_COLLISIONS:
            raise FrameError(f"{worst} keys share one hash value (hash-flooding refused)")


def _hashable(value: Any, depth: int) -> bool:
    t = type(value)
    if t in _HASHABLE_LEAVES:
        return True
    if (t is tuple or t is frozenset) and depth < MAX_DEPTH:
        return all(_hashable(v, depth + 1) for v in value)
    return False
