"""`make exports` and the README's loading recipes, on a folder laid out like an extracted release zip.

The exports are checked against the CSVs and the schemas (row counts, types, keys, foreign keys, values),
and every Python recipe of the README's "Loading the data" is run there and its answer checked.
"""
from __future__ import annotations

import shutil
import sqlite3

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from scripts import descriptor, dictionary, exports
from tests.conftest import ROOT, read_rows, write_rows
from tests.test_readme import run_snippet

PACKAGE, _ = descriptor.load(ROOT)
NAME = PACKAGE.descriptor["name"]
RESOURCES = {r.name: r for r in PACKAGE.resources}
SQLITE_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}


def csv_text(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / RESOURCES[name].path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def release_folder(tmp_path_factory):
    """The data files, descriptor and schemas, with the exports built beside them as in a release zip."""
    folder = tmp_path_factory.mktemp("release")
    for d in ("data", "schemas"):
        shutil.copytree(ROOT / d, folder / d)
    shutil.copy(ROOT / "datapackage.json", folder / "datapackage.json")
    said = []
    exports.build(folder, folder, progress=said.append)
    assert said[-1].startswith("wrote ") and said[-1].endswith(f"{NAME}.sqlite")  # progress, one line per step
    return folder


@pytest.fixture(scope="module")
def db(release_folder):
    con = sqlite3.connect(release_folder / f"{NAME}.sqlite")
    yield con
    con.close()


# --- SQLite -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", RESOURCES)
def test_sqlite_table_has_the_schema(db, name):
    res = RESOURCES[name]
    columns = db.execute(f'PRAGMA table_info("{name}")').fetchall()  # cid, name, type, notnull, default, pk
    assert [c[1] for c in columns] == res.field_names
    assert {c[1]: c[2] for c in columns} == {f.name: SQLITE_TYPES[f.type] for f in res.fields}
    assert {c[1] for c in columns if c[3]} == {f.name for f in res.fields if f.required}
    assert [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]] == res.primary_key
    keys = {(fk[3], fk[2], fk[4]) for fk in db.execute(f'PRAGMA foreign_key_list("{name}")')}
    assert keys == {(col, table, other) for col, (table, other) in res.references().items()}
    indexed = {db.execute(f'PRAGMA index_info("{ix[1]}")').fetchone()[2] for ix in db.execute(f'PRAGMA index_list("{name}")')}
    assert set(res.references()) <= indexed  # every foreign key has an index
    assert db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == len(csv_text(name))


def test_sqlite_foreign_keys_hold(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sqlite_values_equal_the_csv(db):
    # The claims as SQLite holds them, against the CSV text: numbers, booleans as 0/1, dates as ISO text.
    cursor = db.execute('SELECT * FROM figures ORDER BY figure_id')
    stored = {d[0]: list(col) for d, col in zip(cursor.description, zip(*cursor.fetchall()))}
    text = csv_text("figures").sort_values("figure_id", ignore_index=True)
    assert stored["figure_id"] == text["figure_id"].tolist()
    for col in ("value_stated", "value_low", "value_best", "value_high"):
        assert stored[col] == [float(v) if v else None for v in text[col]], col
    assert stored["source_error"] == [int(v == "true") for v in text["source_error"]]
    assert stored["claim_date"] == text["claim_date"].tolist()
    assert stored["claimant_actor_id"] == [v or None for v in text["claimant_actor_id"]]


def test_sqlite_describes_itself(db):
    fields = db.execute('SELECT "table", field, type, description FROM data_dictionary').fetchall()
    assert len(fields) == sum(len(r.fields) for r in RESOURCES.values())
    assert ("figures", "value_low", "number", RESOURCES["figures"].field("value_low").description) in fields
    about = dict(db.execute("SELECT key, value FROM _package"))
    assert about["version"] == PACKAGE.descriptor["version"]
    assert about["data_sha256"] == exports.data_digest(PACKAGE)
    assert db.execute("SELECT count(*) FROM claims").fetchone()[0] == len(csv_text("figures"))  # the view reads
    columns = exports.view_columns()  # the view's columns, each a field of the package
    assert [d[0] for d in db.execute("SELECT * FROM claims LIMIT 1").description] == list(columns)
    assert all(field in RESOURCES[table].field_names for table, field, _ in columns.values())


# --- Parquet ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", RESOURCES)
def test_parquet_has_the_schema_types_and_the_values(release_folder, name):
    res = RESOURCES[name]
    table = pq.read_table(release_folder / "parquet" / f"{name}.parquet")
    assert table.schema.names == res.field_names
    assert [f.type for f in table.schema] == [f.arrow_type for f in res.fields]
    assert [f.metadata[b"description"].decode() for f in table.schema] == [f.description for f in res.fields]
    text = csv_text(name)
    assert table.num_rows == len(text)
    for f in res.fields:  # every value, written back as the CSV writes it
        column = table.column(f.name)
        if f.type == "number":
            assert column.to_pylist() == [float(v) if v else None for v in text[f.name]], f.name
        else:
            back = pc.fill_null(pc.cast(column, pa.string()), "").to_pylist()
            assert back == text[f.name].tolist(), f.name


def test_parquet_dates_and_booleans_are_typed(release_folder):
    figures = pd.read_parquet(release_folder / "parquet" / "figures.parquet")
    assert str(figures["source_error"].dtype) == "bool"
    assert figures["claim_date"].map(type).eq(type(pd.Timestamp("2020-08-18").date())).all()


# --- what goes wrong --------------------------------------------------------------------------------

def test_an_invalid_package_is_not_exported(pkg, tmp_path, capsys):
    rows = read_rows(pkg, "figures")
    rows[1][rows[0].index("claim_date")] = "18.08.2020"  # not an ISO date: the package does not validate
    write_rows(pkg, "figures", rows)
    assert exports.main([str(pkg), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err == ("make exports: the package has 1 problem(s), so no export was built: run make validate to see them, "
                   "fix them, and run make exports again\n")
    assert not (tmp_path / "out").exists()


def test_an_unwritable_target_is_one_line(pkg, tmp_path, capsys):
    (tmp_path / "taken").write_text("a file where the folder should be")
    assert exports.main([str(pkg), "--out", str(tmp_path / "taken")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("make exports: cannot write ") and "Traceback" not in err and err.count("\n") == 1


def test_a_table_no_longer_in_the_package_leaves_no_parquet_file(pkg, tmp_path):
    (tmp_path / "parquet").mkdir()
    (tmp_path / "parquet" / "withdrawn_table.parquet").write_bytes(b"left from an earlier build")
    built = exports.build(pkg, tmp_path, progress=lambda _: None)
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == sorted(f"{n}.parquet" for n in RESOURCES)
    assert set(built) == {tmp_path / f"{NAME}.sqlite", *(tmp_path / "parquet").iterdir()}


def test_a_stale_export_is_told_apart(release_folder, pkg):
    db = release_folder / f"{NAME}.sqlite"
    assert exports.built_from(db) == exports.data_digest(PACKAGE)
    other, _ = descriptor.load(pkg)  # the fixture package: other data
    assert exports.built_from(db) != exports.data_digest(other)
    assert exports.built_from(pkg / "missing.sqlite") is None


# --- the README's recipes, run in the release folder --------------------------------------------------

def test_recipe_frictionless(release_folder, capsys):
    run_snippet("### Python: frictionless-py", release_folder)
    out = capsys.readouterr().out
    assert "Up to 7,000" in out and "More than" in out


def test_recipe_pandas_with_types(release_folder):
    names = run_snippet("### Python: pandas alone", release_folder)
    figures = names["figures"]
    wanted = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean", "date": "datetime64[us]"}
    assert {c: str(t) for c, t in figures.dtypes.items()} == {f.name: wanted[f.type] for f in RESOURCES["figures"].fields}
    assert len(figures) == len(csv_text("figures"))
    assert figures["value_low"].isna().sum() == (csv_text("figures")["value_low"] == "").sum()
    for name in RESOURCES:  # every table reads with the recipe
        assert len(names["read_table"](name)) == len(csv_text(name)), name


def test_recipe_duckdb_over_csv_and_parquet(release_folder, capsys):
    answers = run_snippet("### SQL: DuckDB over the CSVs or the Parquet files", release_folder)["answers"]
    figures, quantities = csv_text("figures"), csv_text("quantities")
    deaths = figures[figures["quantity_id"].isin(quantities.loc[quantities["measure"] == "deaths", "quantity_id"])]
    assert len(answers["parquet"]) == len(deaths) > 0
    pd.testing.assert_frame_equal(answers["csv"].astype(str), answers["parquet"].astype(str))
    assert set(answers["parquet"]["url"]) <= set(csv_text("sources")["url"])
    assert "claimant" in capsys.readouterr().out


def test_recipe_sqlite(release_folder, capsys):
    run_snippet("### SQLite", release_folder)
    out = capsys.readouterr().out
    assert out.startswith(f"version {PACKAGE.descriptor['version']}: [(")


def test_the_data_dictionary_lists_every_field_once():
    rows = list(pd.read_csv(ROOT / "docs" / "data_dictionary.csv", dtype=str, keep_default_na=False).itertuples(index=False))
    assert [(r.table, r.field) for r in rows] == [(res.name, f.name) for res in PACKAGE.resources for f in res.fields]
    assert pd.read_csv(ROOT / "docs" / "data_dictionary.csv", dtype=str, keep_default_na=False).columns.tolist() == dictionary.COLUMNS
    by_key = {(r.table, r.field): r for r in rows}
    assert by_key[("figures", "quantity_id")].references == "quantities.quantity_id"
    assert by_key[("figures", "figure_id")].pattern == RESOURCES["figures"].field("figure_id").constraints["pattern"]
    assert by_key[("figures", "value_low")].type == "number" and by_key[("figures", "figure_id")].primary_key == "true"


def test_a_changed_schema_makes_the_data_dictionary_stale(tmp_path):
    from scripts import derived
    for d in ("data", "schemas", "docs"):
        shutil.copytree(ROOT / d, tmp_path / d)
    for f in ("datapackage.json", "README.md", "CHANGELOG.md", "CITATION.cff", ".zenodo.json"):
        shutil.copy(ROOT / f, tmp_path / f)
    schema = tmp_path / RESOURCES["figures"].schema_path
    schema.write_text(schema.read_text(encoding="utf-8").replace("Stable identifier of the claim", "Identifier of the claim"),
                      encoding="utf-8")
    stale = derived.stale(tmp_path)
    assert [line.split(" ", 1)[0] for line in stale] == ["docs/codebook.md", "docs/data_dictionary.csv"]
    assert "run `make codebook`" in stale[1]


def test_a_constraint_without_a_column_is_not_left_out():
    import dataclasses
    odd = dataclasses.replace(RESOURCES["events"].fields[0], constraints={"required": True, "multipleOf": 2})
    package = dataclasses.replace(PACKAGE, resources=[dataclasses.replace(RESOURCES["events"], fields=[odd])])
    with pytest.raises(ValueError, match=r"no column for the constraints \['multipleOf'\]: add them to scripts/dictionary.py"):
        dictionary.rows(package)
