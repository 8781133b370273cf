"""examples/forge-import-guard: an extra verifier for ``code``, active only once installed."""

from __future__ import annotations

import json
from pathlib import Path

GUARD = Path(__file__).resolve().parents[2] / "examples" / "forge-import-guard"
ANSWER = "import os\n\ndef add(a, b):\n    return a + b\n"
VERIFY = ("forge", "verify", "--domain", "code", "--task", "add", "-c", "-", "--json")


def test_opt_in_by_installation(fresh_venv):
    plain = fresh_venv()
    before = json.loads(plain.run(*VERIFY, input=ANSWER).stdout)
    assert before["status"] == "passed"

    guarded = fresh_venv()
    guarded.install(GUARD)
    proc = guarded.run(*VERIFY, input=ANSWER)
    assert proc.returncode == 1, proc.stderr
    after = json.loads(proc.stdout)
    assert after["status"] == "failed"
    assert after["message"] == "import-guard: line 1 imports 'os', which is not on the allow-list"
    assert "import-guard: import os" in [c["name"] for c in after["cases"]]
    plugins = {p["name"]: p for p in json.loads(guarded.run("forge", "plugins").stdout)}
    assert plugins["import-guard"]["hooks"] == ["register_verifiers"]
    assert plugins["import-guard"]["error"] is None

    tests = guarded.run("pytest", "-q", "-p", "no:cacheprovider", cwd=GUARD)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "6 passed" in tests.stdout
