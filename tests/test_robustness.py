"""The validator never crashes: whatever is in a file or a cell, it accepts or reports clean problems.

Property-based (hypothesis). Each example works on a fresh copy of the package.
"""
from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts import report as P
from scripts import validate as V
from tests.conftest import FIXTURE_DATA, ROOT

TABLES = sorted(p.stem for p in (ROOT / "data").glob("*.csv"))
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def fresh_copy() -> tuple[tempfile.TemporaryDirectory, Path]:
    tmp = tempfile.TemporaryDirectory()
    root = Path(tmp.name)
    shutil.copy(ROOT / "datapackage.json", root)
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(FIXTURE_DATA, root / "data")
    return tmp, root


def assert_clean_report(problems):
    assert list(problems.columns) == P.COLUMNS
    assert problems["rule"].str.fullmatch(r"[a-z][a-z-]*").all(), problems["rule"].unique()
    for col in ("file", "message", "hint"):
        assert problems[col].notna().all() and problems[col].astype(str).str.len().gt(0).all()


@SETTINGS
@given(table=st.sampled_from(TABLES), content=st.binary(max_size=3000), append=st.booleans())
def test_arbitrary_bytes_in_or_after_a_data_file(table, content, append):
    tmp, root = fresh_copy()
    with tmp:
        path = root / "data" / f"{table}.csv"
        path.write_bytes(path.read_bytes() + content if append else content)
        problems = V.validate(root)
        assert_clean_report(problems)
        if not append:
            assert len(problems) > 0  # random bytes never make a valid table with the right header


@SETTINGS
@given(content=st.binary(max_size=3000))
def test_arbitrary_bytes_as_the_descriptor(content):
    tmp, root = fresh_copy()
    with tmp:
        (root / "datapackage.json").write_bytes(content)
        problems = V.validate(root)
        assert_clean_report(problems)
        assert len(problems) > 0


@SETTINGS
@given(table=st.sampled_from(TABLES), row=st.integers(min_value=1, max_value=20), column=st.integers(min_value=0, max_value=30),
       value=st.text(max_size=80) | st.sampled_from(["", " ", "-1", "1e999", "99999999999999999999", "2020-02-30", "9999-12-31",
                                                      "0001-01-01", "NaN", "null", "true", "=1+1", "\u202e", '"', "\x00"]))
def test_arbitrary_value_in_any_cell(table, row, column, value):
    tmp, root = fresh_copy()
    with tmp:
        path = root / "data" / f"{table}.csv"
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        r = rows[min(row, len(rows) - 1)]
        r[column % len(r)] = value
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
        assert_clean_report(V.validate(root))
