"""The package reads in R: tests/read_package.R reads every table with readr and jsonlite, typed from its
Table Schema, and finds what Python finds (the same rows, a column of the schema's type for every field).

Without Rscript (or its readr and jsonlite) these tests skip, unless REQUIRE_R=1 (CI sets it): then they fail.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "tests" / "read_package.R"
R_CLASS = {"string": "character", "integer": "integer", "number": "numeric", "boolean": "logical", "date": "Date"}
NO_R = "Rscript with the R packages readr and jsonlite (Debian: r-base-core r-cran-readr r-cran-jsonlite)"


def no_r(reason: str):
    if os.environ.get("REQUIRE_R") == "1":
        pytest.fail(f"REQUIRE_R=1 but {reason}: install {NO_R}")
    pytest.skip(f"{reason}; the R tests need {NO_R}")


def rscript(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    path = shutil.which("Rscript")
    if path is None:
        no_r("Rscript is not on PATH")
    done = subprocess.run([path, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    missing = [line for line in done.stderr.splitlines() if "there is no package called" in line]
    if missing:
        no_r(f"R says: {missing[0].strip()}")
    return done


def read_package(root: Path) -> subprocess.CompletedProcess:
    return rscript(str(SCRIPT), str(root))


@pytest.fixture(scope="module")
def r_tables() -> dict[str, tuple[int, list[tuple[str, str]]]]:
    done = read_package(ROOT)
    assert done.returncode == 0, done.stderr
    out = {}
    for line in done.stdout.splitlines():
        table, rows, fields = line.split("\t")
        out[table] = (int(rows), [tuple(f.split(":", 1)) for f in fields.split(",")])
    return out


def resources(root: Path):
    for resource in json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        schema = resource["schema"]
        if isinstance(schema, str):
            schema = json.loads((root / schema).read_text(encoding="utf-8"))
        yield resource, schema


def test_r_reads_every_table_with_the_rows_python_reads(r_tables):
    expected = {}
    for resource, _ in resources(ROOT):
        expected[resource["name"]] = len(pd.read_csv(ROOT / resource["path"], dtype=str, keep_default_na=False))
    assert {table: rows for table, (rows, _) in r_tables.items()} == expected
    assert list(r_tables) == list(expected)  # in the descriptor's order


def test_r_reads_every_field_as_its_schema_type(r_tables):
    for resource, schema in resources(ROOT):
        expected = [(f["name"], R_CLASS[f.get("type", "string")]) for f in schema["fields"]]
        assert r_tables[resource["name"]][1] == expected, resource["name"]


def test_r_reports_a_cell_of_the_wrong_type(tmp_path):
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    figures = pd.read_csv(tmp_path / "data" / "figures.csv", dtype=str, keep_default_na=False)
    figures.loc[2, "claim_date"] = "not-a-date"  # the third record: row 4 with the header as row 1
    figures.to_csv(tmp_path / "data" / "figures.csv", index=False, lineterminator="\n")
    done = read_package(tmp_path)
    assert done.returncode != 0
    assert 'table figures, row 4, column claim_date:' in done.stderr and '"not-a-date"' in done.stderr, done.stderr
    assert done.stdout == ""


def test_the_readme_readr_snippet_types_the_columns():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("## Loading the data", 1)[1]
    snippet = next(s for s in re.findall(r"```r\n(.*?)```", readme, re.S) if "library(readr)" in s)
    done = rscript("-e", snippet + 'cat(nrow(figures), class(figures$value_best), class(figures$source_error), class(figures$claim_date))')
    assert done.returncode == 0, done.stderr
    rows = len(pd.read_csv(ROOT / "data" / "figures.csv", dtype=str, keep_default_na=False))
    assert done.stdout.split() == [str(rows), "numeric", "logical", "Date"]
