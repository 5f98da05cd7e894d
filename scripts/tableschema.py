"""Everything derived from a Table Schema: vectorised type parsing, the pandera schema, foreign keys.

The Table Schema JSON is the one definition of each column. Types are parsed here in a vectorised
way (pandera's own coercion falls back to a slow per-cell path on bad values), and every failure is
reported with its row and column. The typed frame is then validated by a pandera DataFrameSchema
built from the same JSON: required, enum, pattern, minimum/maximum, length and primary key, plus the
cross-field rules of ``rules.py`` that Table Schema cannot express.
"""
from __future__ import annotations

import re
import weakref

try:  # the regex parser, to tell the patterns that RE2 reads as Python does
    from re import _constants as sre, _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as sre, sre_parse

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from . import problems as P
from .package import primary_key, trim

INTEGER = r"[+-]?[0-9]{1,18}"  # 64-bit range; a longer number is an error, not an overflow
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
URI = r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+"
DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "date": "datetime64[s]"}
TYPE_HINTS = {
    "integer": "write a whole number with digits only: no thousands separators, words or decimals (7000, not '7,000' or 'about 7000')",
    "number": "write a number with digits and a decimal point only",
    "boolean": "write one of the allowed values",
    "date": "write an existing calendar date as YYYY-MM-DD (ISO 8601), e.g. 2020-08-09",
    "string": "correct the value",
}
# pandera check names are the Table Schema constraint names, so a failure maps straight back.
CONSTRAINT_HINTS = {
    "required": "fill in the value: this column may not be empty",
    "enum": "use one of the allowed values",
    "pattern": "make the value match the pattern given in the message (see docs/codebook.md)",
    "minimum": "the value is below the allowed minimum",
    "maximum": "the value is above the allowed maximum",
    "minLength": "the value is too short",
    "maxLength": "the value is too long: shorten it",
    "unique": "each value may occur only once in this column",
    "primary-key": "ids must be unique: give the new row the next unused id (ids are never reused)",
}


def field_names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"]]


def foreign_keys(schema: dict, self_name: str) -> list[tuple[list[str], str, list[str]]]:
    out = []
    for fk in schema.get("foreignKeys") or []:
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        out.append((fields, ref.get("resource") or self_name, ref_fields))
    return out


def _true_false(field: dict):
    return field.get("trueValues", ["true", "True", "TRUE", "1"]), field.get("falseValues", ["false", "False", "FALSE", "0"])


def factorize(s: pd.Series, codes=None) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first row position of each code) of ``s``; ``codes`` = (codes, n) of the column it was
    computed from cell by cell, when known (``Table.codes``), saves hashing the column again."""
    if codes is None:
        c, distinct = pd.factorize(s, use_na_sentinel=False)
        codes = (c, len(distinct))
    c, n = codes
    cached = _FIRST.get(id(c))
    if cached is not None and cached[0]() is c:
        return c, cached[1]
    first = np.empty(n, dtype=np.int64)
    first[c[::-1]] = np.arange(len(c) - 1, -1, -1)  # the last write of each code is its first row
    _FIRST[id(c)] = (weakref.ref(c, lambda _, key=id(c): _FIRST.pop(key, None)), first)
    return c, first


_FIRST: dict = {}  # id of a codes array -> (weak reference to it, first row of each code): computed once


def by_distinct(s: pd.Series, fn, codes=None) -> pd.Series:
    """``fn(s)`` for an elementwise ``fn``, computed once per distinct value of ``s`` and spread back.

    A column of a million rows holds far fewer distinct values (codes, dates, counts), so parsing and
    pattern matching cost per distinct value. ``fn`` sees the same set of values, so any inference it
    makes from them (a result dtype) is the same as on the whole column.
    """
    c, first = factorize(s, codes)
    if len(first) == len(s):
        return fn(s)
    out = fn(s.iloc[first].reset_index(drop=True)).take(c)
    out.index = s.index
    return out


def parse_types(file: str, data: pd.DataFrame, schema: dict, codes: dict | None = None):
    """Return the typed frame (failed cells become missing) and the type problems.

    ``codes`` (``Table.codes``) lets the per-value parsing reuse the factorization made when reading."""
    codes = codes or {}
    missing_values = schema.get("missingValues", [""])
    typed, probs = {}, []
    failed = pd.DataFrame(False, index=data.index, columns=data.columns)
    for field in schema["fields"]:
        name, kind = field["name"], field.get("type", "string")
        if name not in data.columns:
            continue
        s = data[name]
        k = codes.get(name)
        missing = by_distinct(s, lambda v: v.isin(missing_values), k)
        present = s.where(~missing)
        if kind == "string":
            ok = pd.Series(True, index=s.index)
            if field.get("format") == "uri":
                ok = ~present.notna() | by_distinct(present, lambda v: v.str.fullmatch(URI), k).fillna(False).astype(bool)
            keep = ok & ~missing
            if keep.all():  # nothing missing or wrong: the text column itself, without a copy
                typed[name] = pd.Series(s.to_numpy(dtype=object), index=s.index, dtype=object, copy=False)
            else:
                typed[name] = present.astype("object").where(keep, None)
        elif kind == "integer":
            ok = by_distinct(s, lambda v: v.str.fullmatch(INTEGER), k)
            typed[name] = by_distinct(s.where(ok & ~missing), lambda v: pd.to_numeric(v, errors="coerce"), k).astype("Int64")
        elif kind == "number":
            ok = by_distinct(s, lambda v: v.str.fullmatch(NUMBER), k)
            typed[name] = by_distinct(s.where(ok & ~missing), lambda v: pd.to_numeric(v, errors="coerce"), k).astype("Float64")
        elif kind == "boolean":
            true, false = _true_false(field)
            ok = s.isin(true + false)
            typed[name] = pd.Series(pd.NA, index=s.index, dtype="boolean").mask(s.isin(true), True).mask(s.isin(false), False)
        elif kind == "date":
            parsed = by_distinct(s, lambda v: pd.to_datetime(v.where(v.str.fullmatch(DATE) & ~v.isin(missing_values)),
                                                              format="%Y-%m-%d", errors="coerce"), k)
            ok = parsed.notna()
            typed[name] = parsed.astype(DTYPES["date"])
        else:  # rejected when the schema is loaded
            continue
        bad = ~missing & ~ok.astype(bool)
        failed[name] = bad
        if bad.any():
            what = {"boolean": f"not one of {_true_false(field)[0] + _true_false(field)[1]}",
                    "string": "not a valid URI (http:// or https://)"}.get(kind, f"not a valid {kind}")
            probs.append(P.make(file, "type", f"{what}", TYPE_HINTS[kind], row=s.index[bad], column=name, value=s[bad]))
    return pd.DataFrame(typed, index=data.index, copy=False), failed, probs


def _bound(field: dict, value):
    return pd.Timestamp(value) if field.get("type") == "date" else value


def _constraint_checks(field: dict) -> list[tuple[str, pa.Check]]:
    """(constraint name, pandera check) for each constraint of a field, in a fixed order."""
    c = field.get("constraints", {})
    out = []
    if "enum" in c:
        out.append(("enum", pa.Check.isin([_bound(field, v) for v in c["enum"]])))
    if "pattern" in c:
        out.append(("pattern", pattern_check(c["pattern"])))
    if "minimum" in c:
        out.append(("minimum", pa.Check.ge(_bound(field, c["minimum"]))))
    if "maximum" in c:
        out.append(("maximum", pa.Check.le(_bound(field, c["maximum"]))))
    if "minLength" in c:
        out.append(("minLength", pa.Check.str_length(min_value=c["minLength"])))
    if "maxLength" in c:
        out.append(("maxLength", pa.Check.str_length(max_value=c["maxLength"])))
    return out


def re2_form(pattern: str) -> str | None:
    """The whole-value match of ``pattern`` written for RE2, when the pattern keeps to what Python's ``re``
    and RE2 read the same way: literals, classes of literals and ranges, repeats, groups, alternatives,
    ``^`` first and ``$`` last; no flags, no ``.``, no negated class, no ``\\d``/``\\s``/``\\w`` (Unicode
    in Python, ASCII in RE2), no look-around or back-references. None for any other pattern."""
    if "{," in pattern:  # Python reads {,n} as a repeat, RE2 as text
        return None
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & ~(sre.SRE_FLAG_UNICODE):
        return None
    items = list(parsed)
    if items and items[0] == (sre.AT, sre.AT_BEGINNING):
        items = items[1:]
    if items and items[-1] == (sre.AT, sre.AT_END):
        items = items[:-1]

    def same(seq) -> bool:
        for op, av in seq:
            if op is sre.LITERAL:
                continue
            if op is sre.IN:
                if not all(o in (sre.LITERAL, sre.RANGE) for o, _ in av):
                    return False
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                if not same(av[2]):
                    return False
            elif op is sre.SUBPATTERN:
                if av[1] or av[2] or not same(av[3]):
                    return False
            elif op is sre.BRANCH:
                if not all(same(b) for b in av[1]):
                    return False
            else:
                return False
        return True

    if not same(items):
        return None
    rx = f"^(?:{pattern})\\z"
    try:
        pc.match_substring_regex(pyarrow.array([""]), pattern=rx)
    except pyarrow.ArrowInvalid:
        return None
    return rx


def pattern_check(pattern: str) -> pa.Check:
    """The Table Schema ``pattern`` constraint as a pandera check: the whole value must match.

    It is pandera's ``str_matches`` with Python's ``re``; for a pattern that RE2 reads the same way
    (``re2_form``), the same test runs in Arrow over the whole column at once (a million ids in a fraction
    of a second instead of seconds). ``tests/test_fast_paths.py`` checks that both agree on every pattern of
    the schemas."""
    python = f"(?:{pattern})\\Z"
    fast = re2_form(pattern)
    if fast is None:
        return pa.Check.str_matches(python)

    return pa.Check(lambda s: re2_matches(s, fast), name="str_matches", error=f"str_matches('{python}')")


def re2_matches(s: pd.Series, rx: str) -> pd.Series:
    """RE2 search of ``rx`` in each text of ``s`` (a missing value does not match), run by Arrow."""
    values = pyarrow.array(s.to_numpy(dtype=object), type=pyarrow.large_string(), from_pandas=True)
    hit = pc.match_substring_regex(values, pattern=rx).fill_null(False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=s.index)


def pandera_schema(schema: dict, columns, checks=()) -> pa.DataFrameSchema:
    """A pandera DataFrameSchema for the typed frame, derived from the Table Schema."""
    cols = {}
    for field in schema["fields"]:
        name = field["name"]
        if name not in columns:
            continue
        c = field.get("constraints", {})
        cols[name] = pa.Column(DTYPES.get(field.get("type", "string")), checks=[ch for _, ch in _constraint_checks(field)],
                               nullable=not c.get("required", False), unique=bool(c.get("unique", False)))
    pk = [k for k in primary_key(schema) if k in columns]
    return pa.DataFrameSchema(cols, checks=list(checks), unique=pk or None, coerce=False, strict=False)


def failure_cases(full: pa.DataFrameSchema, typed: pd.DataFrame, codes: dict | None = None) -> pd.DataFrame | None:
    """pandera's failure cases of ``full`` on ``typed`` (None when it passes), validated in two parts.

    The checks of a row (primary key, unique columns, the dataframe-level rules) run on the whole frame.
    The element-wise checks of each column (dtype, nullability, pattern, length, range, enum) give the
    same answer for equal values, so they run on the column's distinct values, and each failing value is
    reported on every row that holds it: a million rows of a handful of codes or dates cost a handful of
    checks. Both parts are pandera schemas built from ``full``; the result has pandera's columns.
    """
    frames = []
    row_level = pa.DataFrameSchema({name: pa.Column(None, nullable=True, unique=True)
                                    for name, col in full.columns.items() if col.unique},
                                   checks=full.checks, unique=full.unique, coerce=False, strict=False)
    try:
        # inplace: nothing is coerced, so there is nothing to copy; on a shallow copy (pandas copies lazily), so
        # that pandera's registry of validated frames lets the schema, and the tables its rules see, go after.
        row_level.validate(typed.copy(deep=False), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as e:
        frames.append(e.failure_cases)
    for name, col in full.columns.items():
        trim()
        s = typed[name]
        c, first = factorize(s, (codes or {}).get(name))
        values = s.iloc[first].reset_index(drop=True)
        element = pa.DataFrameSchema({name: pa.Column(col.dtype, checks=col.checks, nullable=col.nullable)},
                                     coerce=False, strict=False)
        try:
            element.validate(values.to_frame(name), lazy=True, inplace=True)
            continue
        except pa.errors.SchemaErrors as e:
            fc = e.failure_cases
        at = pd.to_numeric(fc["index"], errors="coerce")
        mask = np.isin(c, at.dropna().astype("int64").unique())
        rows = pd.DataFrame({"position": c[mask].astype("float64"), "row": typed.index[mask]})
        fc = fc.assign(position=at.astype("float64")).merge(rows, on="position", how="left")
        fc["index"] = fc["row"].where(fc["position"].notna(), fc["index"])  # a failure without a row keeps none
        frames.append(fc.drop(columns=["position", "row"]))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def plain_text_fields(schema: dict) -> list[str]:
    """String fields without a format: their typed value is the text as read ("" read as missing)."""
    return [f["name"] for f in schema["fields"] if f.get("type", "string") == "string" and "format" not in f]


def slim_raw(data: pd.DataFrame, schema: dict, codes: dict | None = None) -> pd.DataFrame:
    """The text of a table as needed after typing, for the values shown in problems: the columns whose
    typed value is not the text as read. A plain text column is told by its typed column (see
    ``raw_values``), so its own column of the text is let go; only the cells that held no text at all
    (the missing fields of a ragged row) are remembered, in ``attrs``."""
    plain = [c for c in plain_text_fields(schema) if c in data.columns]
    slim = data.drop(columns=plain)
    no_text = {}
    for c in plain:
        none = by_distinct(data[c], lambda v: v.isna(), (codes or {}).get(c)).to_numpy(dtype=bool)
        if none.any():
            no_text[c] = data.index[none]
    slim.attrs["no_text"] = no_text
    return slim


def raw_values(raw: pd.DataFrame, typed: pd.DataFrame, column: str, rows) -> pd.Series | None:
    """The text as read of ``column`` in ``rows``: from ``raw``, or for a plain text column let go by
    ``slim_raw`` from the typed value (missing is ""; a cell that held no text is NaN, as read)."""
    if column in raw.columns:
        return raw.loc[rows, column]
    if column not in typed.columns:
        return None
    values = typed.loc[rows, column].astype(object).where(typed.loc[rows, column].notna(), "")
    none = raw.attrs.get("no_text", {}).get(column)
    if none is not None and len(none):
        values = values.mask(values.index.isin(none), np.nan)
    return values


def run_pandera(file: str, schema: dict, typed: pd.DataFrame, failed: pd.DataFrame, raw: pd.DataFrame,
                checks=(), rule_info=None, codes: dict | None = None) -> list:
    """Validate lazily (every failure at once) and turn pandera's failure cases into problems."""
    rule_info = rule_info or {}
    fc = failure_cases(pandera_schema(schema, typed.columns, checks), typed, codes)
    if fc is None:
        return []
    constraints = {f["name"]: f.get("constraints", {}) for f in schema["fields"]}
    # pandera names its built-in checks itself; map (column, check number) back to the constraint.
    names = {(f["name"], i): cname for f in schema["fields"] for i, (cname, _) in enumerate(_constraint_checks(f))}
    number = pd.to_numeric(fc["check_number"], errors="coerce")
    if names:  # once per distinct (column, number, check, context), not per failure case
        keys = pd.DataFrame({"column": fc["column"].astype(object), "number": number, "check": fc["check"].astype(object),
                             "context": fc["schema_context"].astype(object)})
        distinct = keys.drop_duplicates()
        renamed = [names.get((col, int(n)), chk) if pd.notna(n) and ctx == "Column" else chk
                   for col, n, chk, ctx in distinct.itertuples(index=False)]
        fc["check"] = keys.merge(distinct.assign(renamed=renamed), how="left", on=list(keys.columns))["renamed"].to_numpy()
    fc = fc[fc["index"].notna()].copy()
    fc["row"] = fc["index"].astype("int64")
    # A dataframe-level rule fails once per row, whatever pandera lists per column.
    fc["column"] = fc["column"].where(~fc["check"].isin(list(rule_info)), "")
    probs = []
    pk = primary_key(schema)
    for (check, column), g in fc.groupby(["check", fc["column"].fillna("")], sort=False):
        rows = pd.Index(g["row"].unique())
        if check == "not_nullable":
            rows = rows[~failed.loc[rows, column].to_numpy()]  # a cell with a type error is not reported twice
            rule, msg = "required", "the value is missing"
        elif check == "multiple_fields_uniqueness":
            if column != pk[0]:
                continue  # one problem per duplicated key, reported on its first column
            rule, msg = "primary-key", f"duplicate primary key ({', '.join(pk)})"
        elif check == "field_uniqueness":
            rule, msg = "unique", "the value occurs more than once"
        elif check in rule_info:
            rows = rows[~failed.loc[rows].any(axis=1).to_numpy()]  # rows with a type error are re-checked once it is fixed
            info = rule_info[check]
            rule, column, msg = info.rule, info.column, info.message
        elif check in CONSTRAINT_HINTS:
            rule = check
            msg = f"violates constraint {check} = {constraints.get(column, {}).get(check)!r}"
        else:
            rule, msg = check, f"fails check {check}"
        if not len(rows):
            continue
        hint = rule_info[check].hint if check in rule_info else CONSTRAINT_HINTS.get(rule, "correct the value")
        value = raw_values(raw, typed, column, rows)
        probs.append(P.make(file, rule, msg, hint, row=rows, column=column or None, value=value))
    return probs


def check_foreign_keys(tables: dict, resources: dict, codes: dict | None = None) -> list:
    """Every foreign key of every table, vectorised with isin/merge on the typed frames (a one-field key
    looked up once per distinct value; ``codes``: table -> ``Table.codes``)."""
    probs = []
    for name, res in resources.items():
        if name not in tables:
            continue
        typed = tables[name]
        for fields, ref_name, ref_fields in foreign_keys(res.schema, name):
            if ref_name not in tables or not set(fields) <= set(typed.columns) or not set(ref_fields) <= set(tables[ref_name].columns):
                continue
            ref = tables[ref_name][ref_fields].dropna()
            if len(fields) == 1:
                col = typed[fields[0]]
                target = ref[ref_fields[0]]
                known = (codes or {}).get(name, {}).get(fields[0])
                found = by_distinct(col, lambda v: v.isna() | v.isin(target), known)
                present = by_distinct(col, lambda v: v.notna(), known).to_numpy(dtype=bool)
                src = typed.loc[present, fields]
                bad = pd.Series(~found.to_numpy(dtype=bool)[present], index=src.index)
            else:
                src = typed[fields].dropna()
                keys = pd.MultiIndex.from_frame(ref, names=fields)
                bad = pd.Series(~pd.MultiIndex.from_frame(src).isin(keys), index=src.index)
            if bad.any():
                rows = src.index[bad]
                probs.append(P.make(res.path, "foreign-key",
                                    f"no row in {resources[ref_name].path} has {'/'.join(ref_fields)} equal to this value",
                                    f"correct the id, or add the referenced row to {resources[ref_name].path} first (ids are never reused, so a withdrawn id cannot be referenced)",
                                    row=rows, column=fields[0], value=src.loc[rows, fields].astype(str).agg("/".join, axis=1)))
    return probs
