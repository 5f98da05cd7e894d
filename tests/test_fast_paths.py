"""The fast paths of the validator give the answers of the plain Python they stand in for.

Arrow's RE2 runs some checks over whole columns and lines (``scripts/package.py``,
``scripts/tableschema.py``). Each RE2 pattern there either means the same as a Python test or finds a
superset of what a Python pattern finds (Python then decides). These tests hold them to it on generated
text, so that a change to a pattern that breaks the equivalence fails here, not in the data.
"""
from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scripts import package, tableschema
from tests.conftest import ROOT

DP = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
PATTERNS = sorted({f["constraints"]["pattern"] for r in DP["resources"]
                   for f in json.loads((ROOT / r["schema"]).read_text(encoding="utf-8"))["fields"]
                   if "pattern" in f.get("constraints", {})})
# Characters where Python and RE2 could part ways: Unicode digits and spaces, line ends, case, controls.
TRICKY = "0123456789٣٤abcxyzQAZ-_+:/.é \t\n\r\u00a0\u2028\u3000\x1c\x00"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def re2(values: list[str], pattern: str) -> list[bool]:
    return package._matches(pa.array(values, type=pa.large_string()), pattern).tolist()


def text(extra: str = "") -> st.SearchStrategy[str]:
    return st.text(alphabet=st.sampled_from(sorted(set(TRICKY + extra))), max_size=24)


def test_no_whitespace_beyond_the_class():
    # WHITESPACE lists str.isspace() characters up to U+3000 only; none lies beyond.
    assert not [cp for cp in range(0x3001, 0x110000) if chr(cp).isspace()]
    assert set(re.findall(r"\\x\{([0-9a-f]+)\}", package.WHITESPACE)) == {f"{cp:x}" for cp in range(0x3001) if chr(cp).isspace()}


def test_forbidden_characters_are_the_same_for_re2_and_python():
    every = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    python = np.array([package.FORBIDDEN_CHARS.match(c) is not None for c in every])
    assert (np.array(re2(every, package.FORBIDDEN_RE2)) == python).all()
    assert python.sum() == sum(b - a + 1 for a, b in package.FORBIDDEN_RANGES)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_schema_patterns_run_by_re2_or_python(pattern):
    # The id and code patterns of the schemas are simple enough for RE2; the URL one (\s) is not.
    assert (tableschema.re2_form(pattern) is None) == ("\\s" in pattern)


@pytest.mark.parametrize("pattern", [p for p in PATTERNS if tableschema.re2_form(p)])
@SETTINGS
@given(data=st.data())
def test_re2_pattern_check_agrees_with_python(pattern, data):
    values = data.draw(st.lists(st.one_of(st.from_regex(pattern, fullmatch=True),
                                          st.from_regex(pattern, fullmatch=True).map(lambda v: v + "\n"),
                                          text(pattern)), min_size=1, max_size=10))
    python = [re.match(f"(?:{pattern})\\Z", v) is not None for v in values]
    assert tableschema.re2_matches(pd.Series(values, dtype=object), tableschema.re2_form(pattern)).tolist() == python


@pytest.mark.parametrize("pattern, why", [
    (r"^\d+$", "\\d is Unicode in Python, ASCII in RE2"),
    (r"^[^a]+$", "a negated class"),
    (r"^a.b$", "the dot"),
    (r"^a{,3}$", "{,n} is a repeat in Python, text in RE2"),
    (r"(?i)^abc$", "a flag"),
    (r"^(a)\1$", "a back-reference"),
    (r"^(?=a)a$", "a look-ahead"),
    (r"^\u0041$", "an escape RE2 does not know"),
])
def test_patterns_outside_the_common_subset_stay_with_python(pattern, why):
    assert tableschema.re2_form(pattern) is None, why


@SETTINGS
@given(values=st.lists(text(), min_size=1, max_size=20))
def test_edge_whitespace_finds_what_strip_would_change(values):
    assert re2(values, package.EDGE_WHITESPACE) == [v.strip() != v for v in values]


@SETTINGS
@given(values=st.lists(text(), min_size=1, max_size=20))
def test_blank_line_is_a_line_that_strips_to_nothing(values):
    lines = [v.replace("\n", " ") + "\n" for v in values]
    assert re2(lines, package.BLANK_LINE) == [not v.strip() for v in lines]


FREE_TEXT = st.one_of(
    text("<>@=()javascript"),
    st.from_regex(package.EMAIL), st.from_regex(package.PHONE),
    st.from_regex(r"[ a-z]{0,5}\+?[0-9 ().\-]{6,20}[a-z ]{0,5}", fullmatch=True),
)


@SETTINGS
@given(values=st.lists(FREE_TEXT, min_size=1, max_size=20))
def test_text_suspect_finds_everything_the_free_text_rules_find(values):
    suspect = re2(values, package.TEXT_SUSPECT)
    flagged = [package.TEXT_ANY.search(v) is not None for v in values]
    assert all(s for s, f in zip(suspect, flagged) if f)  # a superset: Python decides on the suspects
    u = pd.Series(values, dtype=object)
    assert package._text_suspects(u, pa.array(values, type=pa.large_string())).tolist() == flagged


FIELD = st.text(alphabet=st.sampled_from(list('ab ,"é')), max_size=6)


def python_fields(line: str) -> int:
    """The field count of the reading before this fast path: quoted values removed, commas counted."""
    return re.sub(r'"(?:[^"]|"")*"', "", line).count(",") + 1


@SETTINGS
@given(rows=st.lists(st.lists(FIELD, min_size=2, max_size=4), min_size=1, max_size=8),
       raw=st.lists(st.text(alphabet=st.sampled_from(list('ab ,"')), max_size=12), max_size=4))
def test_line_patterns_agree_with_the_csv_writer_and_the_field_count(rows, raw):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    written = out.getvalue().splitlines(keepends=True)
    # What Python's csv writer writes is regular and canonical.
    assert all(re2(written, package.REGULAR_LINE)) and all(re2(written, package.CANONICAL_LINE))
    lines = written + [r + "\n" for r in raw]
    counts = pa.array(lines, type=pa.large_string())
    counted = (pa.compute.count_substring(pa.compute.replace_substring_regex(counts, package.QUOTED_VALUE, ""), ",")
               .to_numpy() + 1)
    assert counted.tolist() == [python_fields(v) for v in lines]
    # A hand-made line of two or more values (the validator reads a file this way only when its header has
    # two or more) is canonical exactly when the csv writer writes its values back the same way.
    for line, regular, canonical in zip(lines, re2(lines, package.REGULAR_LINE), re2(lines, package.CANONICAL_LINE)):
        if not regular:
            assert not canonical
            continue
        values = next(csv.reader([line[:-1]]), [])
        if len(values) >= 2:
            again = io.StringIO()
            csv.writer(again, lineterminator="\n").writerow(values)
            assert canonical == (again.getvalue() == line), line


def test_rows_read_by_arrow_equal_rows_read_by_pandas(tmp_path):
    # The same file through the fast reader and through pandas' parser gives the same cells.
    rows = [["id", "text", "n"]] + [[f"x-{i}", v, str(i % 3)] for i, v in
                                    enumerate(["plain", "with, comma", 'say "hi"', "", " padded ", "é ü", ",", '""'] * 30)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    buf = out.getvalue().encode("utf-8")
    lines = package._Lines(buf)
    encoded = package._parse_arrow([buf], lines, np.arange(len(rows)), 3)
    fast = pd.DataFrame({i: d.take(c) for i, (c, d) in enumerate(encoded)})
    slow = pd.read_csv(io.BytesIO(buf), header=None, dtype=str, keep_default_na=False, engine="c")
    assert fast.astype(object).values.tolist() == slow.astype(object).values.tolist()


# The whole validator, with Arrow reading the files and with pandas' parser reading them (the path taken
# for irregular files), on the package with arbitrary cells and lines: the same problems.
TABLES = sorted(p.stem for p in (ROOT / "data").glob("*.csv"))
CELL = st.text(alphabet=st.sampled_from(list('ab1-, "\t\u00a0\u202e=@<')), max_size=12) | st.sampled_from(
    ["fig-0001", "2020-08-10", "true", "", " x", "a,b", 'say "x"'])
LINE = st.lists(CELL, min_size=0, max_size=6).map(lambda cells: ",".join(cells))


def problems_both_ways(root, monkeypatch):
    from scripts import validate as V

    def tuples(frame):
        return sorted((tuple(None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in rec)
                       for rec in frame[["file", "row", "column", "rule", "value", "message"]].itertuples(index=False)), key=repr)
    fast = tuples(V.validate(root))
    with monkeypatch.context() as m:
        m.setattr(package, "_parse_arrow", lambda *a, **k: None)
        slow = tuples(V.validate(root))
    return fast, slow


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(table=st.sampled_from(TABLES), row=st.integers(min_value=1, max_value=12), column=st.integers(min_value=0, max_value=20),
       value=CELL, extra=st.lists(LINE, max_size=3))
def test_arrow_reading_reports_what_pandas_reading_reports(tmp_path_factory, monkeypatch, table, row, column, value, extra):
    import shutil
    root = tmp_path_factory.mktemp("pkg")
    shutil.copy(ROOT / "datapackage.json", root / "datapackage.json")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(ROOT / "data", root / "data")
    path = root / "data" / f"{table}.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    r = rows[min(row, len(rows) - 1)]
    r[column % len(r)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue() + "".join(line + "\n" for line in extra), encoding="utf-8")
    fast, slow = problems_both_ways(root, monkeypatch)
    assert fast == slow
