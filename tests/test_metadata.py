"""Tests of the metadata itself: every field documented and used, names follow the convention,
versions agree, the codebook is current and the standard validator accepts the package."""
from __future__ import annotations

import json
import re

import frictionless
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from scripts import codebook, descriptor, reading, rules, schema
from tests.conftest import ROOT

DP = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
SCHEMAS = {r["name"]: json.loads((ROOT / r["schema"]).read_text(encoding="utf-8")) for r in DP["resources"]}
PACKAGE, _ = descriptor.load(ROOT, standard=False)  # the model only: the standard's check is tested below
FIELDS = [pytest.param(name, f, id=f"{name}.{f['name']}") for name, s in SCHEMAS.items() for f in s["fields"]]


def test_standard_frictionless_validate_accepts_the_package():
    report = frictionless.validate(str(ROOT / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_descriptor_core_metadata():
    assert DP["name"] == "belarus-crackdown-2020"
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", DP["version"])
    assert [lic["name"] for lic in DP["licenses"]] == ["CC-BY-4.0"]
    for key in ("title", "description", "created", "keywords", "contributors", "temporal", "spatial"):
        assert DP.get(key), key
    assert all(c.get("role") for c in DP["contributors"])
    # No homepage until the repository has a public address: a placeholder would be a false one.
    assert "homepage" not in DP or not placeholder_urls(DP["homepage"])


# Addresses that only stand in for a real one (RFC 2606/6761 names, local hosts, template words).
PLACEHOLDER = re.compile(r"""https?://(?:[^/\s"']*\.)?(?:example\.(?:org|com|net|edu)|example|test|invalid|localhost|"""
                         r"""127\.0\.0\.1)(?:[:/\s"']|$)|https?://[^\s"']*(?:your[-_]?(?:org|user|name|repo)|"""
                         r"""placeholder|changeme|todo|xxx|<[^>]*>|\{[^}]*\})""", re.I)


def placeholder_urls(text: str) -> list[str]:
    return [m.group(0) for m in PLACEHOLDER.finditer(text)]


@pytest.mark.parametrize("text", [
    "https://example.org/belarus-crackdown-2020", "http://www.example.com/x", "https://example.net",
    "https://github.com/YOUR-ORG/belarus-crackdown-2020", "https://github.com/<owner>/repo", "http://localhost:8000/",
    "https://github.com/{owner}/repo", "https://doi.org/10.5281/zenodo.XXXXXXX", 'url: "https://data.test/x"'])
def test_placeholder_urls_are_recognised(text):
    assert placeholder_urls(text)


@pytest.mark.parametrize("text", ["https://www.themoscowtimes.com/2020/08/18/x", "https://creativecommons.org/licenses/by/4.0/",
                                  "https://doi.org/10.5281/zenodo.1234567", "https://examples-of-repression.by/"])
def test_real_urls_are_not_placeholders(text):
    assert not placeholder_urls(text)


@pytest.mark.parametrize("name", ["datapackage.json", "CITATION.cff", ".zenodo.json"])
def test_metadata_holds_no_placeholder_url(name):
    found = placeholder_urls((ROOT / name).read_text(encoding="utf-8"))
    assert not found, f"{name} holds placeholder URL(s) {found}: remove them until the real address exists"


@pytest.mark.parametrize("res", DP["resources"], ids=lambda r: r["name"])
def test_resource_loads_in_the_r_package(res):
    # The frictionless R package 1.2.x needs these, and names columns by position.
    assert res["profile"] == "tabular-data-resource"
    assert res["encoding"] == "utf-8" and res["format"] == "csv"
    assert res["path"] == f"data/{res['name']}.csv" and res["schema"] == f"schemas/{res['name']}.schema.json"
    schema = SCHEMAS[res["name"]]
    assert schema["missingValues"] == [""]
    header = pd.read_csv(ROOT / res["path"], nrows=0).columns.tolist()
    assert header == [f["name"] for f in schema["fields"]]


def test_every_schema_file_and_data_file_belongs_to_a_resource():
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.json")) == sorted(f"{n}.schema.json" for n in SCHEMAS)
    assert sorted(p.name for p in (ROOT / "data").glob("*.csv")) == sorted(f"{n}.csv" for n in SCHEMAS)


@pytest.mark.parametrize("name, field", FIELDS)
def test_every_field_is_documented(name, field):
    assert len(field.get("description", "")) >= 10
    assert field.get("type") in {"string", "integer", "number", "boolean", "date"}
    assert "example" in field and field["example"] != ""
    assert isinstance(field.get("constraints"), dict) and "required" in field["constraints"]
    assert "categories" not in field  # Data Package v2 only: the R package rejects it


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_example_satisfies_its_own_field(name):
    # One row of a table's examples, checked by its types and constraints (no cross-field rule applies).
    res = PACKAGE.resource(name)
    text = pa.table({f["name"]: [str(f["example"]).lower() if f["type"] == "boolean" else str(f["example"])]
                     for f in SCHEMAS[name]["fields"]})
    one = reading.Table(res, ROOT / res.path, text, np.array([2]))
    problems = schema.parse(one) + schema.validate(one, [], None)
    assert not problems, [(p["column"].iloc[0], p["rule"].iloc[0], p["value"].iloc[0]) for p in problems]


@pytest.mark.parametrize("name, field", FIELDS)
def test_naming_convention(name, field):
    n = field["name"]
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", n)
    if n.endswith("_date"):
        assert field["type"] == "date"
    if field["type"] == "date":
        assert n.endswith("_date")
    if n.endswith("_id"):
        assert field["type"] == "string" and "pattern" in field["constraints"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_table_declares_keys(name):
    schema = SCHEMAS[name]
    assert descriptor.primary_key(schema)
    assert "foreignKeys" in schema
    if not PACKAGE.resource(name).is_vocabulary:
        assert schema["foreignKeys"], "entity and link tables reference others"


@pytest.mark.parametrize("name, field", FIELDS)
def test_every_field_is_in_the_codebook(name, field):
    section = CODEBOOK.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    assert f"| `{field['name']}` |" in section


CODEBOOK = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")


def test_codebook_is_current():
    assert codebook.build(ROOT) == CODEBOOK, "docs/codebook.md is out of date: run `make codebook`"


def test_every_foreign_key_and_rule_names_real_fields():
    for res in PACKAGE.resources:
        for fk in res.foreign_keys:
            assert set(fk.fields) <= set(res.field_names)
            assert set(fk.reference_fields) <= set(PACKAGE.resource(fk.resource).field_names)
    for rule in rules.RULES:
        assert rule.column in {f["name"] for f in SCHEMAS[rule.table]["fields"]}, rule.check_name


def test_versions_agree():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert cff["version"] == zenodo["version"] == DP["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert f"## [{DP['version']}]" in changelog
    # The release date: the changelog's date of this version, in CITATION.cff and .zenodo.json too.
    date = re.search(rf"^## \[{re.escape(DP['version'])}\] - ([0-9-]+)$", changelog, re.M).group(1)
    assert str(cff["date-released"]) == zenodo["publication_date"] == date
    # The released sections are in descending version order, the current version on top.
    released = re.findall(r"^## \[([0-9]+\.[0-9]+\.[0-9]+)\]", changelog, re.M)
    assert released[0] == DP["version"]
    assert released == sorted(released, key=lambda v: tuple(int(x) for x in v.split(".")), reverse=True)
