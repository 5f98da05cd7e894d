"""`make exports`: the validated package as a SQLite database and as Parquet files, in dist/.

- ``dist/<name>.sqlite``: every table with the schema's primary key, foreign keys (``PRAGMA foreign_keys``
  enforces them), NOT NULL for required fields and an index on every foreign key; the types are
  sqlite-utils' own mapping of the schema's types (text, integer, float; booleans as 0/1, dates as ISO
  text). Two more tables: ``data_dictionary`` (docs/data_dictionary.csv: each column's type, constraints
  and description) and ``_package`` (name, title, version, licence, and ``data_sha256``, the digest of the
  descriptor, schemas and data it was built from, so a stale export can be told apart). The view
  ``claims`` joins each figure to its quantity, event, claimant and source for browsing.
- ``dist/parquet/<table>.parquet``: one file per table with the schema's types (dates as dates, numbers as
  doubles, integers as int64, booleans as booleans) and each column's description in its metadata.

The same files go into each release zip (``<name>.sqlite`` and ``parquet/``). The package is validated
first; an invalid package is refused with the count of problems and `make validate` to see them.

Usage: python -m scripts.exports [ROOT] [--out DIR]
"""
from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlite_utils

from . import descriptor, dictionary
from .descriptor import DESCRIPTOR, Package, Resource

ROOT = Path(__file__).resolve().parent.parent
DIST = "dist"
# The view `claims`, for browsing: each figure with what it counts, the event, who claimed it and where it
# was read. Written as data, so the SQL and the description of each column (scripts/serve.py) come from it.
VIEW = "claims"
VIEW_JOINS = [  # (table, alias, its field, the column it is joined on); the first is the view's own table
    ("figures", "f", None, None),
    ("quantities", "q", "quantity_id", "f.quantity_id"),
    ("places", "p", "place_id", "q.place_id"),
    ("actors", "a", "actor_id", "f.claimant_actor_id"),
    ("events", "e", "event_id", "f.event_id"),
    ("sources", "s", "source_id", "f.source_id"),
    ("actors", "pub", "actor_id", "s.publisher_actor_id"),
]
VIEW_COLUMNS = [  # (alias, field, name in the view when it differs)
    ("f", "figure_id", None), ("f", "claim_date", None), ("q", "measure", None), ("q", "population", None),
    ("q", "place_id", None), ("p", "name_en", "place"), ("q", "count_type", None), ("f", "value_text", None),
    ("f", "qualifier", None), ("f", "value_low", None), ("f", "value_best", None), ("f", "value_high", None),
    ("f", "claimant_wording", None), ("f", "claimant_actor_id", None), ("a", "name_en", "claimant"),
    ("f", "claimant_basis", None), ("f", "event_id", None), ("e", "event_type", None),
    ("f", "reference_start_date", None), ("f", "reference_end_date", None), ("f", "source_id", None),
    ("s", "title", "source_title"), ("pub", "name_en", "publisher"), ("s", "url", None), ("f", "quantity_id", None),
]


def view_columns() -> dict[str, tuple[str, str, str | None]]:
    """Each column of the view: name -> (table, field, the table.field it is joined on, or None)."""
    tables = {alias: table for table, alias, _, _ in VIEW_JOINS}
    via = {alias: f"{tables[on.split('.')[0]]}.{on.split('.')[1]}" for _, alias, _, on in VIEW_JOINS if on}
    return {name or field: (tables[alias], field, via.get(alias)) for alias, field, name in VIEW_COLUMNS}


def view_sql() -> str:
    (first, alias, _, _), *joins = VIEW_JOINS
    select = ",\n       ".join(f"{a}.{f}" + (f" AS {n}" if n else "") for a, f, n in VIEW_COLUMNS)
    # LEFT JOIN: a figure is never dropped, even where an optional key (a claimant, a place) is empty.
    joined = "\n".join(f"LEFT JOIN {t} {a} ON {a}.{f} = {on}" for t, a, f, on in joins)
    return f"CREATE VIEW {VIEW} AS\nSELECT {select}\nFROM {first} {alias}\n{joined}\n"


class ExportError(Exception):
    """The exports cannot be built: one line saying why and what to do."""


def sqlite_name(package: Package) -> str:
    return f"{package.descriptor.get('name', 'package')}.sqlite"


def data_digest(package: Package) -> str:
    """sha256 over the descriptor, every schema and every data file, in the descriptor's order."""
    h = hashlib.sha256()
    paths = [DESCRIPTOR] + [p for r in package.resources for p in (r.schema_path, r.path)]
    for rel in paths:
        data = (package.root / rel).read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def read_table(package: Package, res: Resource) -> pa.Table:
    """A data file read by Arrow with the types of its Table Schema (the package is valid, so every value converts)."""
    schema = res.to_pyarrow()
    fields = res.fields
    options = pacsv.ConvertOptions(
        column_types={f.name: f.arrow_type for f in fields}, null_values=list(res.missing_values),
        strings_can_be_null=True, quoted_strings_can_be_null=True, include_columns=[f.name for f in fields],
        true_values=sorted({v for f in fields for v in f.true_values}),
        false_values=sorted({v for f in fields for v in f.false_values}))
    table = pacsv.read_csv(package.root / res.path, convert_options=options)
    return table.cast(schema)  # the same types, plus each field's description and nullability


def write_parquet(package: Package, tables: dict[str, pa.Table], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    current = {f"{res.name}.parquet" for res in package.resources}
    for old in folder.glob("*.parquet"):  # a table the package no longer has must not linger beside the others
        if old.name not in current:
            old.unlink()
    written = []
    for res in package.resources:
        path = folder / f"{res.name}.parquet"
        # Statistics and dictionary pages as pyarrow writes them; no timestamps, so the same data gives the same file.
        pq.write_table(tables[res.name], path, compression="zstd")
        written.append(path)
    return written


def write_sqlite(package: Package, tables: dict[str, pa.Table], path: Path, digest: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    for res in package.resources:
        db[res.name].create(
            {f.name: f.python_type for f in res.fields}, not_null={f.name for f in res.fields if f.required},
            pk=res.primary_key[0] if len(res.primary_key) == 1 else tuple(res.primary_key))
        db[res.name].insert_all(tables[res.name].to_pylist(), batch_size=1000)
    # The foreign keys once every table exists, since they may form a cycle (sources and actors refer to each
    # other); sqlite-utils rewrites each table with its keys. Then they are checked as SQLite checks them.
    db.add_foreign_keys([(res.name, col, table, other) for res in package.resources
                         for col, (table, other) in res.references().items()])
    db.index_foreign_keys()
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise ExportError(f"SQLite finds {len(broken)} broken foreign key(s) in {path}, e.g. {broken[0]}, in a package "
                          "that validates: report this as a bug of the exports")
    db["data_dictionary"].insert_all(dictionary.rows(package), pk=("table", "field"))
    dp = package.descriptor
    licence = (dp.get("licenses") or [{}])[0]
    db["_package"].insert_all([
        {"key": "name", "value": dp.get("name")}, {"key": "title", "value": dp.get("title")},
        {"key": "version", "value": dp.get("version")}, {"key": "licence", "value": licence.get("name")},
        {"key": "licence_url", "value": licence.get("path")}, {"key": "description", "value": dp.get("description")},
        {"key": "data_sha256", "value": digest}], pk="key")
    db.execute(view_sql())
    db.conn.commit()
    db.vacuum()
    db.close()
    return path


def built_from(path: Path) -> str | None:
    """The data digest a SQLite export records, or None when it is missing or not one of ours."""
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            row = con.execute("SELECT value FROM _package WHERE key = 'data_sha256'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def load_valid(root: Path) -> Package:
    """The package at ``root``, or ExportError when it does not validate."""
    from .validate import validate
    problems = validate(root)
    if len(problems):
        raise ExportError(f"the package has {len(problems)} problem(s), so no export was built: run make validate to see "
                          "them, fix them, and run make exports again")
    return descriptor.load(root)[0]


def build(root: Path, out: Path, progress=print, package: Package | None = None) -> list[Path]:
    """Write ``out/<name>.sqlite`` and ``out/parquet/*.parquet``; returns their paths."""
    package = package or load_valid(root)
    tables = {}
    for res in package.resources:
        tables[res.name] = read_table(package, res)
    progress(f"read {len(tables)} tables ({sum(t.num_rows for t in tables.values())} rows)")
    parquet = write_parquet(package, tables, out / "parquet")
    progress(f"wrote {len(parquet)} Parquet files in {out / 'parquet'}")
    db = write_sqlite(package, tables, out / sqlite_name(package), data_digest(package))
    progress(f"wrote {db}")
    return [db, *parquet]


def release_files(root: Path, package: Package) -> dict[str, bytes]:
    """The exports as zip members (path in the zip -> bytes), built in a scratch folder."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = build(root, Path(tmp), progress=lambda _: None, package=package)
        return {p.relative_to(tmp).as_posix(): p.read_bytes() for p in paths}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.exports", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT), help="the package folder (default: this repository)")
    parser.add_argument("--out", default=None, help="where to write (default: ROOT/dist)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    out = Path(args.out) if args.out else root / DIST
    print(f"validating {root.resolve()} before exporting it")
    try:
        build(root, out)
    except ExportError as e:
        print(f"make exports: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"make exports: cannot write {e.filename or out}: {e.strerror}; check the folder exists and is writable",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
