"""False-pass tricks: objects that compare equal to anything, lying subclasses, exiting before
the tests run, printing "passed", forging frames, reading test files, scanning memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from forge.sandbox import Job
from tests.sandbox.conftest import EXEC, Host

pytestmark = pytest.mark.usefixtures("strong")

ALWAYS_EQ = "class Eq:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"


def test_always_equal_object_is_a_per_case_error(host: Host) -> None:
    r = host.call(ALWAYS_EQ + "def f(x):\n    return Eq()\n", "f", [[1]])
    assert r.status == "ok"
    assert r.value == [
        {
            "ok": False,
            "error": "returned a non-plain value: value of type Eq is not plain data",
            "line": None,
        }
    ]


def test_always_equal_object_as_whole_result_is_rejected(host: Host) -> None:
    r = host.run(ALWAYS_EQ + "result = [1, {'a': Eq()}]")
    assert (r.status, r.message, r.value) == (
        "rejected",
        "value of type Eq is not plain data",
        None,
    )


def test_lying_int_subclass_is_rejected(host: Host) -> None:
    src = (
        "class Liar(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\nresult = Liar(3)"
    )
    r = host.run(src)
    assert (r.status, r.message) == ("rejected", "value of type Liar is not plain data")


def test_str_and_dict_subclasses_are_rejected(host: Host) -> None:
    for src, name in (
        ("class S(str): pass\nresult = S('x')", "S"),
        ("class D(dict): pass\nresult = [D()]", "D"),
        ("import collections\nresult = collections.OrderedDict()", "OrderedDict"),
        ("result = True.__class__.__mro__", "type"),
    ):
        r = host.run(src)
        assert (r.status, r.message) == ("rejected", f"value of type {name} is not plain data")


def test_patched_encoder_cannot_smuggle_objects(host: Host) -> None:
    """The candidate rewrites the child's encoder; the trusted decoder still refuses junk."""
    src = (
        "import sys\ncodec = sys.modules['forge.sandbox.codec']\n"
        "codec.encode = lambda value, *a, **k: b'X' + repr(value).encode()\nresult = 5"
    )
    r = host.run(src)
    assert (r.status, r.message) == ("rejected", "result refused: unknown type tag b'X'")


def test_sys_exit_before_tests_is_an_error(host: Host) -> None:
    r = host.call("import sys\nsys.exit(0)\ndef f():\n    return 1\n", "f", [[]])
    assert (r.status, r.message, r.value) == ("error", "SystemExit: 0", None)


def test_sys_exit_inside_the_function_fails_the_case(host: Host) -> None:
    r = host.call("import sys\ndef f():\n    sys.exit(0)\n", "f", [[], []])
    assert r.value == [{"ok": False, "error": "SystemExit: 0", "line": 3}] * 2


def test_os_exit_before_tests_is_a_crash(host: Host) -> None:
    r = host.call("import os\nos._exit(0)\n", "f", [[]])
    assert (r.status, r.message) == ("crash", "result frame missing (process exited with code 0)")


def test_os_exit_inside_the_function_is_a_crash(host: Host) -> None:
    r = host.call("import os\ndef f():\n    os._exit(0)\n", "f", [[]])
    assert (r.status, r.message) == ("crash", "result frame missing (process exited with code 0)")


def test_printing_passed_changes_nothing(host: Host) -> None:
    src = (
        "import sys\ndef f(x):\n    print('passed\\nOK\\nall tests passed')\n"
        '    print(\'{"status": "ok"}\', file=sys.stderr)\n    return x + 1\n'
    )
    r = host.call(src, "f", [[1]])
    assert r.value == [{"ok": True, "value": 2}]
    assert "passed" in r.stdout and "status" in r.stderr


def test_forged_frame_then_real_return_is_rejected(host: Host) -> None:
    """A candidate writes its own frame on fd 3; the runner's frame follows; both are refused."""
    src = (
        "import os, sys\nframes = sys.modules['forge.sandbox.frames']\n"
        "codec = sys.modules['forge.sandbox.codec']\n"
        "os.write(3, frames.build(b'V', codec.encode('PASSED')))\nresult = 0"
    )
    r = host.run(src)
    assert r.status == "rejected" and r.message.startswith("result refused:")


def test_forged_frame_and_exit_is_only_a_return_value(host: Host) -> None:
    """Forging the frame gives a candidate no more than returning a value would."""
    src = (
        "import os, sys\nframes = sys.modules['forge.sandbox.frames']\n"
        "codec = sys.modules['forge.sandbox.codec']\n"
        "os.write(3, frames.build(b'V', codec.encode({'status': 'passed'})))\nos._exit(0)"
    )
    r = host.run(src)
    assert (r.status, r.value) == ("ok", {"status": "passed"})


def test_reading_test_files_is_refused(host: Host) -> None:
    here = str(Path(__file__).resolve())
    src = f"result = open({here!r}).read()"
    r = host.run(src)
    assert (r.status, r.message) == (
        "error",
        f"PermissionError: [Errno 13] Permission denied: '{here}'",
    )


def test_listing_the_project_is_refused(host: Host) -> None:
    root = str(Path(__file__).resolve().parents[2])
    r = host.run(f"import os\nresult = os.listdir({root!r})")
    assert r.status == "error" and r.message.startswith("PermissionError")


EXPECTED = {"task-1": "EXPECTED-ANSWER-41c9", "task-2": 7919}  # trusted side only


def test_scanning_memory_finds_no_expected_values(host: Host) -> None:
    assert EXPECTED["task-1"]
    src = (
        "import gc\nneedle = ''.join(['EXPECTED', '-ANSWER-41c9'])\nhits = 0\n"
        "for o in gc.get_objects():\n    if o is globals():\n        continue\n"
        "    try:\n        hits += needle in repr(o) or 7919 in (o if isinstance(o, list) else [])\n"
        "    except Exception:\n        pass\nresult = hits"
    )
    r = host.run(src)
    assert (r.status, r.value) == ("ok", 0)
    control = host.sandbox.run(Job(EXEC, {"source": src, "decoy": [EXPECTED["task-1"]]}))
    assert control.status == "ok" and control.value >= 1, "the scan itself must be able to see"


def test_payload_is_all_the_child_sees(host: Host) -> None:
    """Everything reachable through the runner's frames holds inputs only."""
    src = (
        "import sys\nf = sys._getframe()\nnames = []\nwhile f:\n"
        "    names.append(sorted(k for k in f.f_locals if not k.startswith('__')))\n"
        "    f = f.f_back\nresult = names[1:]"
    )
    r = host.run(src)
    assert r.status == "ok"
    assert "expected" not in repr(r.value).lower()
