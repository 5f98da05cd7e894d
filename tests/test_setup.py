"""The Makefile's set-up tells the truth: it names the Python it needs before pip runs, rebuilds .venv when
the interpreter or the requirements change or a build was left half-done, `make help` lists every target
and `make clean` removes the environment and the caches.

The Makefile runs in a scratch folder with a stand-in interpreter (a shell script) so nothing is installed,
with VENV=.venv given explicitly and the caller's make variables removed from its environment.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

FAKE = """#!/bin/sh
# A stand-in for python: reports $FAKE_VERSION; `-m venv DIR` makes a stand-in environment; anything else is logged.
case "$1" in
  -c) case "$2" in
        *print*) echo "$FAKE_VERSION" ;;
        *) case "$FAKE_VERSION" in 3.1[1-9].*|3.[2-9][0-9].*) exit 0 ;; *) exit 1 ;; esac ;;
      esac ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && echo "home = stand-in" > "$3/pyvenv.cfg" && cp "$0" "$3/bin/python"; fi
      echo "$*" >> "$LOG" ;;
esac
"""


@pytest.fixture
def scratch(tmp_path) -> Path:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "requirements.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    fake = tmp_path / "fakepython"
    fake.write_text(FAKE, encoding="utf-8")
    fake.chmod(0o755)
    return tmp_path


def clean_env() -> dict[str, str]:
    """The environment without make's own variables and the Makefile's: when the tests run under
    `make test VENV=...`, make exports VENV to them, and the scratch Makefile must never see it."""
    names = {"VENV", "PYTHON", "PY", "STAMP", "PYTHON_VERSION", "OLD", "NEW", "VERSION", "DATE"}
    return {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k not in names}


def make(root: Path, *args: str, version: str = "3.11.9") -> subprocess.CompletedProcess:
    env = clean_env()
    env.update(FAKE_VERSION=version, LOG=str(root / "log"))
    return subprocess.run(["make", "--no-print-directory", "-C", str(root), *args, f"PYTHON={root / 'fakepython'}", "VENV=.venv"],
                          capture_output=True, text=True, env=env)


def log(root: Path) -> list[str]:
    lines = (root / "log").read_text().splitlines() if (root / "log").exists() else []
    (root / "log").unlink(missing_ok=True)
    return lines


def test_an_old_python_is_named_before_pip_runs(scratch):
    done = make(scratch, "validate", version="3.10.12")
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == (f"make: Python 3.11 or newer is needed; found 3.10.12 ({scratch / 'fakepython'}). "
                                           "Set PYTHON=python3.11")
    assert not (scratch / ".venv").exists() and log(scratch) == []


def test_a_missing_python_is_named_too(scratch):
    done = subprocess.run(["make", "--no-print-directory", "-C", str(scratch), "test", "PYTHON=no-such-python3", "VENV=.venv"],
                          capture_output=True, text=True, env=clean_env())
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == "make: Python 3.11 or newer is needed; found no Python (no-such-python3). Set PYTHON=python3.11"


def test_venv_is_built_once_and_rebuilt_when_the_interpreter_changes_or_a_build_was_left_half_done(scratch):
    venv = scratch / ".venv"
    # A half-built environment (from an earlier failed run): no stamp, so it is removed and built again.
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin/python3.10\n")
    (venv / "leftover").write_text("from the failed run\n")
    done = make(scratch, "validate")
    assert done.returncode == 0, done.stderr
    assert not (venv / "leftover").exists()
    assert [p.name for p in venv.glob(".installed-*")] == [f".installed-py3.11.9-{cksum(scratch / 'requirements.txt')}"]
    assert log(scratch) == ["-m venv .venv", "-m pip install --quiet --disable-pip-version-check -r requirements.txt",
                            "-m scripts.validate"]
    # Built: the next command just runs, also after a checkout rewrote requirements.txt unchanged.
    os.utime(scratch / "requirements.txt", (time.time() + 60, time.time() + 60))
    assert make(scratch, "validate").returncode == 0
    assert log(scratch) == ["-m scripts.validate"]
    # Other requirements: rebuilt for them.
    with open(scratch / "requirements.txt", "a") as f:
        f.write("# a comment\n")
    assert make(scratch, "validate").returncode == 0
    assert log(scratch)[0] == "-m venv .venv"
    # Another interpreter: rebuilt for it.
    done = make(scratch, "validate", version="3.12.1")
    assert done.returncode == 0, done.stderr
    assert "rebuilding .venv for Python 3.12.1 and requirements.txt" in done.stdout
    assert log(scratch)[0] == "-m venv .venv"
    assert [p.name for p in venv.glob(".installed-*")] == [f".installed-py3.12.1-{cksum(scratch / 'requirements.txt')}"]


def cksum(path: Path) -> str:
    return subprocess.run(["cksum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


def test_help_lists_every_target(scratch):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z][a-z-]*):", makefile, re.M)
    assert {"validate", "test", "clean", "release-prepare", "release", "diff", "help"} <= set(targets)
    done = make(scratch, "help")
    listed = re.findall(r"^make ([a-z][a-z-]*)", done.stdout, re.M)
    assert sorted(listed) == sorted(targets)
    assert "Python 3.11 or newer" in done.stdout


def test_clean_removes_the_environment_and_the_caches(scratch):
    for d in (".venv/bin", ".pytest_cache/v", ".hypothesis/examples", "scripts/__pycache__", "data"):
        (scratch / d).mkdir(parents=True)
    (scratch / "data" / "events.csv").write_text("event_id\n")
    done = make(scratch, "clean")
    assert done.returncode == 0, done.stderr
    left = sorted(p.relative_to(scratch).as_posix() for p in scratch.rglob("*"))
    assert left == ["Makefile", "data", "data/events.csv", "fakepython", "requirements.txt", "scripts"]


def test_release_prepare_without_a_version_says_how(scratch):
    make(scratch, "validate")  # build the stand-in environment
    log(scratch)
    done = make(scratch, "release-prepare")
    assert done.returncode != 0
    assert "usage: make release-prepare VERSION=X.Y.Z [DATE=YYYY-MM-DD]" in done.stderr
    assert make(scratch, "release-prepare", "VERSION=1.2.3", "DATE=2030-01-02").returncode == 0
    assert log(scratch) == ["-m scripts.prepare 1.2.3 --date 2030-01-02"]
    assert make(scratch, "release-prepare", "VERSION=1.2.3", "DATE=").returncode == 0
    assert log(scratch) == ["-m scripts.prepare 1.2.3"]
