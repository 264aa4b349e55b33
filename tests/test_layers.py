"""The layers hold (models < tenancy < domain < jobs < web, cli; the RZS emulator apart): the
import-linter contract of pyproject.toml, run by every test run, as CI runs the suite."""

import subprocess
import sys
from pathlib import Path

import pytest

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_domain_modules_load_no_views():
    """Blueprint packages hold only their `bp`: a domain module loads no view module."""
    code = ("import sys, app.orders.workflow, app.rzs.dispatch, app.reports.export, app.jobs; "
            "print(sorted(m for m in sys.modules if m.endswith(('.routes', '.forms'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
