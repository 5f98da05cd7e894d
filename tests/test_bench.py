"""`make bench` runs end to end at a tiny size: the benchmark is a command, not a timed test.

At 1000 figure rows it generates the clean and the bad package, runs our check and the standard
`frictionless validate` on both, and the assertions are about correctness only: the clean package
is valid, the bad one yields every intended problem, and every error frictionless finds is among ours.
"""
from __future__ import annotations

import pandas as pd
import pytest

from scripts import bench
from scripts import validate as V


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    out = work / "benchmarks.md"
    res = bench.bench([1000], out, work, command="python -m scripts.bench --sizes 1000")
    res["work"], res["out"] = work, out
    return res


def test_bench_runs_both_tools_on_both_variants(result):
    runs = {(r.tool, r.variant): r for r in result["runs"]}
    assert set(runs) == {(t, v) for t in ("scripts.validate", "frictionless validate") for v in ("clean", "bad")}
    assert all(r.wall > 0 and r.peak_mb > 0 and r.rows > 1000 for r in runs.values())
    assert runs["scripts.validate", "clean"].status == 0 and runs["scripts.validate", "clean"].problems == 0
    assert runs["frictionless validate", "clean"].status == 0
    assert runs["scripts.validate", "bad"].status == 1 and runs["frictionless validate", "bad"].status == 1
    text = result["out"].read_text(encoding="utf-8")
    assert "| figure rows |" in text and "## Targets" in text and "python -m scripts.bench --sizes 1000" in text


def test_generated_clean_package_is_valid(result):
    problems = V.validate(result["work"] / "clean-1000")
    assert problems.empty, problems.to_string()


def test_bad_variant_yields_every_intended_problem(result):
    (check,) = result["checks"]
    assert check["expected_found"] == check["expected"], check["missing_expected"].to_string()
    expected = pd.read_csv(result["work"] / "bad-1000" / "expected-problems.csv")
    # the corruptions are the rule fixtures' cell edits: type, constraint, key, form and cross-table rules
    assert {"type", "pattern", "foreign-key", "whitespace", "forbidden-character", "bounds-qualifier", "claimant-publisher",
            "personal-data", "outside-coverage"} <= set(expected["rule"])


def test_ours_finds_every_error_frictionless_finds(result):
    (check,) = result["checks"]
    assert check["theirs"] > 0
    assert check["missed"] == 0, check["missed_examples"]
    # the comparison itself is not vacuous: frictionless found type, constraint and key errors
    assert {"type-error", "constraint-error", "foreign-key", "primary-key"} <= set(check["by_type"].index)
