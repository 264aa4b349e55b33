"""Every module of app/, workers/ and bench/ imports on its own, first, in a fresh state: an
import cycle shows only when the wrong module happens to be imported first (`python -c
"import app.cli"` once failed that way while the whole app loaded fine)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "workers", "bench")

# Run in a subprocess, so the test's own interpreter keeps its modules. Between modules the
# project's modules are dropped from sys.modules; third-party ones stay, which keeps it fast
# and cannot hide a cycle of ours.
_PROBE = """
import importlib, json, sys, traceback

modules, packages = json.loads(sys.argv[1]), json.loads(sys.argv[2])
failures = {}
for name in modules:
    for loaded in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failures[name] = traceback.format_exc(limit=-3)
print(json.dumps(failures))
"""


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first_in_a_fresh_state():
    modules = _modules()
    assert {"app.cli", "app.accounts", "bench.rzs_send", "workers"} <= set(modules)
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(modules),
                             json.dumps(PACKAGES)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"{name}:\n{tb}" for name, tb in failures.items())
