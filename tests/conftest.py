"""Shared fixtures: a scratch copy of the real package, and helpers that break it in one place."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import frictionless
import pytest

ROOT = Path(__file__).resolve().parent.parent


FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"  # the founding article's rows: small, and frozen so fixtures keep their rows


def _descriptor_contents(descriptor) -> tuple | None:
    """Everything frictionless' descriptor check of ``descriptor`` reads: the bytes of datapackage.json and of
    each schema file it names (traced with strace: no data file is read), or None when it is not such a file."""
    if not isinstance(descriptor, str) or not Path(descriptor).is_file():
        return None
    path = Path(descriptor)
    raw = path.read_bytes()
    try:
        resources = json.loads(raw).get("resources")
    except (ValueError, AttributeError):
        return None
    if not isinstance(resources, list):
        return None
    schemas = []
    for res in resources:
        schema = res.get("schema") if isinstance(res, dict) else None
        if isinstance(schema, str):
            target = path.parent / schema
            schemas.append((schema, target.read_bytes() if target.is_file() else None))
    return raw, tuple(schemas)


@pytest.fixture(scope="session", autouse=True)
def descriptor_check_once_per_content():
    """frictionless' own check of a descriptor (about 0.2 s of every validation) is a pure function of the
    files it reads. A valid result is remembered by their contents, so that the many package copies whose
    descriptor and schemas are as they are do not check them again; any other content is checked afresh, and
    a result with errors is never remembered (its notes may name the copy's path)."""
    original = frictionless.Package.validate_descriptor
    valid = {}

    def check(descriptor, *, basepath=None):
        key = _descriptor_contents(descriptor) if basepath is None else None
        if key is not None and key in valid:
            return valid[key]
        report = original(descriptor, basepath=basepath)
        if key is not None and report.valid:
            valid[key] = report
        return report
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(frictionless.Package, "validate_descriptor", staticmethod(check))
        yield


@pytest.fixture
def pkg(tmp_path) -> Path:
    """A package that a test may break: the descriptor and schemas as they are, the fixture data."""
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    return tmp_path


def read_rows(root: Path, table: str) -> list[list[str]]:
    with open(root / "data" / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_rows(root: Path, table: str, rows) -> None:
    with open(root / "data" / f"{table}.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@dataclass(frozen=True)
class CellEdit:
    """Mutation: set one cell of the row whose first column is ``key``. Plain data, so that the bench can
    apply the same broken cells to its generated packages (scripts/bench.py)."""
    table: str
    key: str
    column: str
    value: str

    def __call__(self, root: Path):
        rows = read_rows(root, self.table)
        col = rows[0].index(self.column)
        hits = [r for r in rows[1:] if r[0] == self.key]
        assert hits, f"no row {self.key} in {self.table}"
        for r in hits:
            r[col] = self.value
        write_rows(root, self.table, rows)


class CellEdits(tuple):
    """Several cell edits applied as one mutation."""
    def __call__(self, root: Path):
        for edit in self:
            edit(root)


def set_cell(table: str, key: str, column: str, value: str) -> CellEdit:
    return CellEdit(table, key, column, value)


def set_row(table: str, key: str, **values) -> CellEdits:
    """Mutation: set several cells of one row."""
    return CellEdits(CellEdit(table, key, column, value) for column, value in values.items())


def append_row(table: str, values: list[str]):
    def apply(root: Path):
        write_rows(root, table, read_rows(root, table) + [values])
    return apply


def copy_row(table: str, key: str, **changes):
    """Mutation: append a copy of row ``key`` with some cells changed."""
    def apply(root: Path):
        rows = read_rows(root, table)
        new = list(next(r for r in rows[1:] if r[0] == key))
        for column, value in changes.items():
            new[rows[0].index(column)] = value
        write_rows(root, table, rows + [new])
    return apply


def delete_row(table: str, key: str, second: str | None = None):
    def apply(root: Path):
        rows = read_rows(root, table)
        keep = [rows[0]] + [r for r in rows[1:] if not (r[0] == key and (second is None or r[1] == second))]
        assert len(keep) < len(rows)
        write_rows(root, table, keep)
    return apply


def edit_bytes(path: str, fn):
    def apply(root: Path):
        p = root / path
        p.write_bytes(fn(p.read_bytes()))
    return apply


def edit_json(path: str, fn):
    def apply(root: Path):
        p = root / path
        d = json.loads(p.read_text(encoding="utf-8"))
        fn(d)
        p.write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return apply


def resource(d: dict, name: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == name)


def record_checksums(*tables: str, algorithm: str = "sha256", prefix: bool = True):
    """Mutation: record the current size and hash of some data files in the descriptor, as a release does."""
    def apply(root: Path):
        def fn(d):
            for name in tables:
                raw = (root / "data" / f"{name}.csv").read_bytes()
                digest = hashlib.new(algorithm, raw).hexdigest()
                resource(d, name).update(bytes=len(raw), hash=f"{algorithm}:{digest}" if prefix else digest)
        edit_json("datapackage.json", fn)(root)
    return apply
