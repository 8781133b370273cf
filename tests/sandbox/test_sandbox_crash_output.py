"""Crashes, output floods and bad bytes: segfaults, aborts, megabytes of output, invalid
UTF-8 and NUL bytes, 10 MB sources, deep nesting."""

from __future__ import annotations

import pytest

from forge.sandbox import Job, Limits
from tests.sandbox.conftest import CALL, EXEC, Host

pytestmark = pytest.mark.usefixtures("strong")


def test_segfault_via_ctypes_is_a_crash(host: Host) -> None:
    r = host.run("import ctypes\nctypes.string_at(0)")
    assert (r.status, r.message) == ("crash", "killed by signal SIGSEGV")


def test_abort_is_a_crash(host: Host) -> None:
    r = host.run("import os\nos.abort()")
    assert (r.status, r.message) == ("crash", "killed by signal SIGABRT")


def test_killing_itself_is_a_crash(host: Host) -> None:
    r = host.run("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert (r.status, r.message) == ("crash", "killed by signal SIGKILL")


def test_nonzero_exit_is_a_crash(host: Host) -> None:
    r = host.run("import os\nos._exit(3)")
    assert (r.status, r.message) == ("crash", "result frame missing (process exited with code 3)")


def test_closing_the_result_pipe_is_a_crash(host: Host) -> None:
    r = host.run("import os\nos.close(3)\nresult = 1")
    assert (r.status, r.message) == ("crash", "result frame missing (process exited with code 0)")


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_flood_hits_output_limit(host: Host, stream: str) -> None:
    src = f"import sys\nwhile True:\n    sys.{stream}.write('x' * 65536)"
    r = host.run(src)
    assert (r.status, r.message) == ("output_limit", f"{stream} exceeded 65536 bytes")
    assert len(getattr(r, stream)) == 65536


def test_binary_flood_straight_to_fd_hits_output_limit(host: Host) -> None:
    r = host.run("import os\nwhile True:\n    os.write(1, b'\\xff\\x00' * 50000)")
    assert (r.status, r.message) == ("output_limit", "stdout exceeded 65536 bytes")


def test_output_under_the_cap_is_kept(host: Host) -> None:
    r = host.run("print('hello')\nresult = 1", output_bytes=1000)
    assert (r.status, r.stdout) == ("ok", "hello\n")


def test_invalid_utf8_and_nul_in_output_are_replaced_not_trusted(host: Host) -> None:
    r = host.run("import os\nos.write(1, b'ok\\xff\\xfe\\x00end')\nresult = 'done'")
    assert (r.status, r.value) == ("ok", "done")
    assert r.stdout == "ok\ufffd\ufffd\x00end"


def test_strange_strings_round_trip_exactly(host: Host) -> None:
    r = host.run("result = ['\\x00', '\\ud800', 'é\\U0001f600', b'\\xff\\x00', '']")
    assert r.value == ["\x00", "\ud800", "é\U0001f600", b"\xff\x00", ""]


def test_ten_megabyte_source_runs(host: Host) -> None:
    source = "# " + "x" * (10 << 20) + "\ndef f(a):\n    return a * 2\n"
    r = host.call(source, "f", [[21]])
    assert (r.status, r.value) == ("ok", [{"ok": True, "value": 42}])


def test_oversized_payload_is_rejected_before_running(host: Host) -> None:
    job = Job(CALL, {"source": "x" * (65 << 20), "entry_point": "f", "args_list": []})
    r = host.sandbox.run(job)
    assert (r.status, r.message) == ("rejected", "payload is larger than 64 MB")


def test_deeply_nested_source_is_a_syntax_error(host: Host) -> None:
    r = host.call("x = " + "(" * 100000 + ")" * 100000 + "\n", "f", [[]])
    assert r.status == "error"
    assert r.message.startswith("SyntaxError: too many nested parentheses")


def test_deeply_nested_result_is_rejected(host: Host) -> None:
    r = host.run("x = []\nfor _ in range(10000):\n    x = [x]\nresult = x")
    assert (r.status, r.message) == ("rejected", "nesting deeper than 100 levels")


def test_self_referencing_result_is_rejected(host: Host) -> None:
    r = host.run("x = []\nx.append(x)\nresult = x")
    assert (r.status, r.message) == ("rejected", "nesting deeper than 100 levels")


def test_result_over_its_cap_is_output_limit(host: Host) -> None:
    r = host.run("result = 'x' * (2 << 20)", result_bytes=1 << 20)
    assert (r.status, r.message) == ("output_limit", "result is larger than 1048576 bytes")


def test_hostile_exception_str_is_survived(host: Host) -> None:
    src = "class E(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise E()"
    r = host.run(src)
    assert (r.status, r.message) == ("error", "E: <unprintable>")


def test_multiline_exception_message_becomes_one_line(host: Host) -> None:
    r = host.run("raise ValueError('a\\nb\\n\\n c')")
    assert (r.status, r.message) == ("error", "ValueError: a b c")


def test_plain_values_of_every_type_round_trip(host: Host) -> None:
    value = [
        None,
        True,
        False,
        0,
        -1,
        2**100,
        -(2**100),
        1.5,
        float("inf"),
        "s",
        b"b",
        (1, (2,)),
        {"k": [1]},
        {1, 2},
        frozenset({3}),
        {(1, 2): "t"},
    ]
    r = host.sandbox.run(Job("forge.sandbox.runners:echo", value))
    assert r.value == value
    assert [type(v) for v in r.value] == [type(v) for v in value]


def test_nan_survives_as_a_float(host: Host) -> None:
    r = host.run("result = float('nan')")
    assert r.status == "ok" and type(r.value) is float and r.value != r.value


def test_stdout_is_never_parsed(host: Host) -> None:
    r = host.sandbox.run(Job(EXEC, {"source": "print('FGF1V')"}, Limits()))
    assert (r.status, r.value) == ("ok", None)
