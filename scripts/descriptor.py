"""The package's metadata, read once: datapackage.json and its Table Schemas as one typed model.

This is the only module that reads the descriptor and the schemas. Primary keys, foreign keys,
vocabularies, free-text fields, types and constraints are taken from here by the validator, the
codebook, `make format` and the bench; nothing is guessed from a table's name. A descriptor or schema
that cannot be used becomes a problem (file, column, why, what to do), never an exception.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import frictionless
import pyarrow as pa
import pyarrow.compute as pc

from . import report as R

DESCRIPTOR = "datapackage.json"
# The Table Schema types the package uses, and what each becomes in Arrow (so in Parquet, pandas and DuckDB) and
# in Python (so in SQLite, by sqlite-utils' own mapping: str TEXT, int INTEGER, float FLOAT, bool INTEGER, date TEXT).
TYPES = {"string": (pa.string(), str), "integer": (pa.int64(), int), "number": (pa.float64(), float),
         "boolean": (pa.bool_(), bool), "date": (pa.date32(), dt.date)}
# Data Package v1 `hash`: "<algorithm>:<hex digest>", or a bare hex digest meaning MD5. A release writes sha256.
HASH = re.compile(r"(?:(md5|sha1|sha256|sha512):)?([0-9a-fA-F]+)")
HASH_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
RULES = {  # the rules reported here, for the codebook and the test that every rule has a broken fixture
    "descriptor": "datapackage.json is missing, not JSON, or not a valid Data Package",
    "schema": "a Table Schema is not valid JSON, has no fields, uses an unsupported type or a pattern that is not RE2",
    "r-compatibility": "a resource or schema uses what the frictionless R package cannot read",
    "path-outside-package": "a resource's path or schema points outside the package",
    "missing-file": "a resource's data or schema file does not exist",
    "unlisted-file": "a CSV file in data/ is not a resource",
}
REGEX_DIALECT = ("patterns are RE2 regular expressions (https://github.com/google/re2/wiki/Syntax), matched against "
                 "the whole value; RE2 has no look-around and no back-references")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    example: object
    constraints: dict
    format: str | None = None
    true_values: tuple = ("true",)
    false_values: tuple = ("false",)

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required", False))

    @property
    def arrow_type(self) -> pa.DataType:
        return TYPES[self.type][0]

    @property
    def python_type(self) -> type:
        return TYPES[self.type][1]

    @property
    def free_text(self) -> bool:
        """Text written by people (no pattern, enum or format): checked for formulas, markup and contact data."""
        return self.type == "string" and self.format is None and not {"pattern", "enum"} & set(self.constraints)


@dataclass(frozen=True)
class ForeignKey:
    fields: list
    resource: str
    reference_fields: list


@dataclass
class Resource:
    name: str
    path: str
    schema_path: str
    fields: list
    primary_key: list
    foreign_keys: list
    missing_values: list
    bytes: int | None = None
    hash: tuple | None = None  # (hashlib algorithm, lower-case hex digest) when the descriptor records one

    @property
    def field_names(self) -> list:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def to_pyarrow(self) -> pa.Schema:
        """The table's Arrow schema: the schema's types, each field's description as its metadata."""
        return pa.schema([pa.field(f.name, f.arrow_type, nullable=not f.required,
                                   metadata={"description": f.description}) for f in self.fields])

    def references(self) -> dict:
        """Each single-field foreign key: field -> (referenced table, referenced field)."""
        return {fk.fields[0]: (fk.resource, fk.reference_fields[0]) for fk in self.foreign_keys if len(fk.fields) == 1}

    @property
    def is_vocabulary(self) -> bool:
        """A controlled vocabulary: keyed by `code`, with a `label` and a `definition` for each entry."""
        return self.primary_key == ["code"] and {"label", "definition"} <= set(self.field_names)


@dataclass
class Package:
    root: Path
    descriptor: dict
    resources: list
    coverage: tuple  # (start, end) dates from "temporal"

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)

    @property
    def vocabularies(self) -> list:
        return [r.name for r in self.resources if r.is_vocabulary]


def primary_key(schema: dict) -> list:
    pk = schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _inside(root: Path, rel: str) -> bool:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or re.match(r"^[a-z][a-z0-9+.-]*:", rel, re.I):
        return False
    return (root / rel).resolve().is_relative_to(root.resolve())


def re2_error(pattern: str) -> str | None:
    """Why RE2 (the one regex engine of the checks, run by Arrow) cannot read ``pattern``, or None."""
    try:
        pc.match_substring_regex(pa.array([""]), pattern=pattern)
    except pa.ArrowInvalid as e:
        return str(e).split("\n")[0]
    return None


def load(root: Path, standard: bool = True) -> tuple[Package | None, list]:
    """The package at ``root`` and the problems of its descriptor and schemas (None when unusable).

    ``standard=False`` leaves out frictionless' own check of the descriptor (about 0.2 s), for callers that
    need the package but not its problems: that check only adds problems, it never changes the package."""
    path = root / DESCRIPTOR
    bad = lambda msg, hint, **kw: (None, [R.make(DESCRIPTOR, "descriptor", msg, hint, **kw)])  # noqa: E731
    if not path.is_file():
        return bad("datapackage.json is missing", "restore datapackage.json at the root of the package")
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        return bad(f"not UTF-8 text ({e.reason} at byte {e.start})", "save datapackage.json as UTF-8")
    except json.JSONDecodeError as e:
        return bad(f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                   "fix the JSON syntax (a missing comma, quote or bracket)", row=e.lineno)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list) or not descriptor["resources"]:
        return bad("the descriptor is not a JSON object listing its resources", "add the tables under 'resources'")
    probs, resources = [], []
    for i, res in enumerate(descriptor["resources"]):
        if not isinstance(res, dict):
            probs.append(R.make(DESCRIPTOR, "descriptor", f"resources[{i}] is not an object", "each resource is a JSON object"))
            continue
        resource, rprobs = _resource(root, res, res.get("name", f"resources[{i}]"))
        probs += rprobs
        if resource is not None:
            resources.append(resource)
    if standard and not probs:  # the standard's own check of the descriptor (profile, names, licences, schemas ...)
        try:
            for kind, note in frictionless.Package.validate_descriptor(str(path)).flatten(["type", "note"]):
                probs.append(R.make(DESCRIPTOR, "descriptor", f"{kind}: {note}", "make the descriptor valid against the Data Package standard"))
        except Exception as e:  # the library's own failure to read the descriptor is a problem too
            probs.append(R.make(DESCRIPTOR, "descriptor", f"frictionless cannot read the descriptor: {e}",
                                "make the descriptor valid against the Data Package standard"))
    try:
        temporal = descriptor["temporal"]
        coverage = (dt.date.fromisoformat(temporal["start"]), dt.date.fromisoformat(temporal["end"]))
    except (KeyError, TypeError, ValueError):
        probs.append(R.make(DESCRIPTOR, "descriptor", "the descriptor has no valid 'temporal' {start, end} period",
                            "declare the period the dataset covers, e.g. \"temporal\": {\"start\": \"2020-08-09\", \"end\": \"2020-12-31\"}"))
        coverage = (dt.date.min, dt.date.max)
    return Package(root, descriptor, resources, coverage), probs


def _resource(root: Path, res: dict, name: str) -> tuple[Resource | None, list]:
    col, probs = f"resources/{name}", []
    for key, want in (("profile", "tabular-data-resource"), ("encoding", "utf-8"), ("format", "csv")):
        if res.get(key) != want:
            probs.append(R.make(DESCRIPTOR, "r-compatibility", f"resource '{name}' has {key} {res.get(key)!r}, not {want!r}",
                                f"set \"{key}\": \"{want}\" (the frictionless R package needs it)", column=col))
    for key in ("path", "schema"):
        value = res.get(key)
        if not isinstance(value, str):
            probs.append(R.make(DESCRIPTOR, "descriptor", f"resource '{name}': {key} must be one relative file path",
                                f"give the {key} as a path such as data/{name}.csv or schemas/{name}.schema.json", column=col))
        elif not _inside(root, value):
            probs.append(R.make(DESCRIPTOR, "path-outside-package", f"resource '{name}': {key} {value!r} points outside the package",
                                "use a relative path inside the package (no '..', no absolute path, no URL)", column=col))
        elif not (root / value).is_file():
            probs.append(R.make(DESCRIPTOR, "missing-file", f"resource '{name}': {key} file {value} does not exist",
                                "restore the file or correct the path in datapackage.json", column=col))
    if any(p["rule"].iloc[0] != "r-compatibility" for p in probs):
        return None, probs
    size, digest = res.get("bytes"), None
    if "bytes" in res and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        probs.append(R.make(DESCRIPTOR, "bytes", f"resource '{name}' has bytes {size!r}, not a whole number of bytes",
                            "write the file's size in bytes as a number, e.g. \"bytes\": 1024, or remove bytes", column=col))
        size = None
    if "hash" in res:
        m = HASH.fullmatch(res["hash"]) if isinstance(res["hash"], str) else None
        if m is None or len(m.group(2)) != HASH_LENGTH[m.group(1) or "md5"]:
            probs.append(R.make(DESCRIPTOR, "hash", f"resource '{name}' has hash {res['hash']!r}, not '<algorithm>:<hex digest>' "
                                f"with algorithm {', '.join(HASH_LENGTH)}", "write the hash as \"sha256:<64 hex digits>\" (as `make release` does)",
                                column=col))
        else:
            digest = (m.group(1) or "md5", m.group(2).lower())
    schema, sprobs = _schema(root, res["schema"])
    if schema is None:
        return None, probs + sprobs
    fields, pk, fks, missing = schema
    fks = [ForeignKey(fk.fields, fk.resource or name, fk.reference_fields) for fk in fks]  # no resource: the table itself
    return Resource(name, res["path"], res["schema"], fields, pk, fks, missing, size, digest), probs + sprobs


def _schema(root: Path, spath: str):
    """(fields, primary key, foreign keys, missing values) of a Table Schema file, and its problems."""
    try:
        schema = json.loads((root / spath).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [R.make(spath, "schema", f"not valid JSON/UTF-8: {e}", "fix the schema file's syntax")]
    raw = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(raw, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in raw):
        return None, [R.make(spath, "schema", "the schema has no valid 'fields' list", "each field needs a name")]
    probs = []
    missing = schema.get("missingValues", [""])
    if not (isinstance(missing, list) and all(isinstance(v, str) for v in missing)):
        probs.append(R.make(spath, "r-compatibility", "missingValues must be a list of plain strings", "write missingValues as [\"\"]"))
    fields = []
    for f in raw:
        kind, c = f.get("type", "string"), f.get("constraints", {})
        if kind not in TYPES:
            probs.append(R.make(spath, "schema", f"field '{f['name']}' has type {kind!r}",
                                f"use one of {sorted(TYPES)} (no list type: the R package cannot read it)", column=f["name"]))
        if "categories" in f:
            probs.append(R.make(spath, "r-compatibility", f"field '{f['name']}' uses Data Package v2 'categories'",
                                "use a vocabulary table referenced by a foreign key", column=f["name"]))
        if "pattern" in c and (why := re2_error(c["pattern"])):
            probs.append(R.make(spath, "schema", f"field '{f['name']}': the pattern {c['pattern']!r} is not RE2 ({why})",
                                f"rewrite the pattern: {REGEX_DIALECT}", column=f["name"]))
        fields.append(Field(f["name"], kind, f.get("description", ""), f.get("example"), dict(c), f.get("format"),
                            tuple(f.get("trueValues", ["true"])), tuple(f.get("falseValues", ["false"]))))
    fks = [ForeignKey(_listed(fk["fields"]), fk["reference"].get("resource") or None, _listed(fk["reference"]["fields"]))
           for fk in schema.get("foreignKeys") or []]
    if probs:
        return None, probs
    return (fields, primary_key(schema), fks, missing), probs
