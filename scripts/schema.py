"""Types and constraints: the typed values of a table, and its one pandera schema.

Types are parsed in Arrow, once per distinct value (pandera's own coercion falls back to a slow per-cell
path on bad values), and each cell that is not of its type is reported here. The typed table is then
validated lazily (every failure at once) by one pandera DataFrameSchema per table, generated from its
Table Schema (required, unique, enum, pattern, minimum, maximum, minLength, maxLength, primary key) plus
the rules of ``rules.py`` for that table. Every check is named after the constraint or rule it enforces,
so a failure maps back to its rule by name.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from . import report as R
from .descriptor import Field
from .reading import Table

FORMS = {  # what the text of a value of each type must look like (RE2, whole value)
    "integer": r"^[+-]?[0-9]{1,18}$",  # 64-bit range: a longer number is an error, not an overflow
    "number": r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$",
}
ARROW = {"integer": pyarrow.int64(), "number": pyarrow.float64()}
PANDAS = {pyarrow.int64(): pd.Int64Dtype(), pyarrow.float64(): pd.Float64Dtype(), pyarrow.bool_(): pd.BooleanDtype(),
          pyarrow.string(): pd.StringDtype("pyarrow", na_value=np.nan)}  # text stays in Arrow: pandas' `str`, no copy
TYPE_HINTS = {
    "integer": "write a whole number with digits only: no thousands separators, words or decimals (7000, not '7,000' or 'about 7000')",
    "number": "write a number with digits and a decimal point only (80.23, not '80,23%')",
    "boolean": "write one of the allowed values",
    "date": "write an existing calendar date as YYYY-MM-DD (ISO 8601), e.g. 2020-08-09",
    "string": "write the full address, starting with http:// or https://",
}
CONSTRAINTS = {  # constraint -> (message, hint); the message is formatted with the constraint's value
    "required": ("the value is missing", "fill in the value: this column may not be empty"),
    "unique": ("the value occurs more than once", "each value may occur only once in this column"),
    "primary-key": ("duplicate primary key ({})", "ids must be unique: give the new row the next unused id (ids are never reused)"),
    "enum": ("violates constraint enum = {!r}", "use one of the allowed values"),
    "pattern": ("violates constraint pattern = {!r}", "make the value match the pattern (see docs/codebook.md)"),
    "minimum": ("violates constraint minimum = {!r}", "the value is below the allowed minimum"),
    "maximum": ("violates constraint maximum = {!r}", "the value is above the allowed maximum"),
    "minLength": ("violates constraint minLength = {!r}", "the value is too short"),
    "maxLength": ("violates constraint maxLength = {!r}", "the value is too long: shorten it"),
}


def re2(s: pd.Series, pattern: str) -> pd.Series:
    """Whether RE2, the one regex engine of the checks, finds ``pattern`` in each text of ``s`` (missing: no)."""
    hit = pc.match_substring_regex(pyarrow.array(s, from_pandas=True), pattern)
    return pd.Series(hit.fill_null(False).to_numpy(zero_copy_only=False), index=s.index)


def isin(s: pd.Series, values) -> pd.Series:
    """Whether each value of ``s`` is among ``values`` (a hash look-up in Arrow; missing: no)."""
    target = pyarrow.array(pd.Series(values).dropna().astype(object), type=pyarrow.string())
    hit = pc.is_in(pyarrow.array(s.astype("str"), from_pandas=True), value_set=target)
    return pd.Series(hit.fill_null(False).to_numpy(zero_copy_only=False), index=s.index)


def parse(table: Table) -> list:
    """Set ``table.typed`` (failed cells missing) and ``table.failed``; return the type problems."""
    typed, failed, probs = {}, {}, []
    index = pd.Index(table.rows, name="row")
    for name in table.text.column_names:
        fd = table.resource.field(name)
        text, at = table.distinct(name)
        values = pc.utf8_trim_whitespace(text)  # whitespace is a form problem; the value is what it surrounds
        missing = pc.is_in(values, pyarrow.array(table.resource.missing_values, pyarrow.string()))
        value, ok = _typed(fd, values)
        value = pc.if_else(missing, pyarrow.nulls(len(values), value.type), value)
        bad = (~missing.to_numpy(zero_copy_only=False) & ~ok)[at]
        only_space = (missing.to_numpy(zero_copy_only=False) & pc.not_equal(text, "").to_numpy(zero_copy_only=False))[at]
        if value.type == pyarrow.string() and pc.all(pc.equal(values, text)).as_py() is not False:
            column = _with_nulls(table.text[name], missing.to_numpy(zero_copy_only=False)[at])  # the text itself, no copy
        else:
            column = value.take(pyarrow.array(at))
        typed[name] = pd.Series(column.to_pandas(types_mapper=PANDAS.get).array, index=index)
        failed[name] = bad | only_space  # reported as a type or form problem; no constraint or rule looks at it
        if bad.any():
            what = {"boolean": f"not one of {list(fd.true_values + fd.false_values)}", "string": "not a valid URI (http:// or https://)"}
            probs.append(R.make(table.file, "type", what.get(fd.type, f"not a valid {fd.type}"), TYPE_HINTS[fd.type],
                                row=table.rows[bad], column=name, value=table.text_of(name, table.rows[bad])))
    table.codes.clear()
    table.typed = pd.DataFrame(typed, index=index)
    table.failed = pd.DataFrame(failed, index=index)
    return probs


def _with_nulls(column: pyarrow.ChunkedArray, null: np.ndarray) -> pyarrow.ChunkedArray:
    """``column`` with the rows where ``null`` is True missing, sharing its text buffers."""
    chunks, at = [], 0
    for chunk in column.chunks:
        valid = np.concatenate([np.zeros(chunk.offset, bool), ~null[at:at + len(chunk)]])
        chunks.append(pyarrow.Array.from_buffers(chunk.type, len(chunk), [pyarrow.array(valid).buffers()[1], *chunk.buffers()[1:]],
                                                 null_count=int(null[at:at + len(chunk)].sum()), offset=chunk.offset))
        at += len(chunk)
    return pyarrow.chunked_array(chunks, column.type)


def _typed(fd: Field, values: pyarrow.Array):
    """(typed distinct values, whether each is of the field's type)."""
    if fd.type == "boolean":
        true = pc.is_in(values, pyarrow.array(list(fd.true_values), pyarrow.string()))
        false = pc.is_in(values, pyarrow.array(list(fd.false_values), pyarrow.string()))
        return pc.if_else(pc.or_(true, false), true, pyarrow.scalar(None, pyarrow.bool_())), pc.or_(true, false).to_numpy(zero_copy_only=False)
    form = FORMS.get("uri" if fd.format == "uri" else fd.type)
    ok = pc.match_substring_regex(values, form) if form else pc.is_valid(values)
    if fd.type == "date":
        parsed = pc.strptime(pc.if_else(ok, values, None), format="%Y-%m-%d", unit="s", error_is_null=True)
        exists = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), values).fill_null(False)  # 2020-02-30 is not rolled over to March
        return pc.if_else(exists, parsed, None), exists.to_numpy(zero_copy_only=False)
    if fd.type in ARROW:
        return pc.cast(pc.if_else(ok, values, None), ARROW[fd.type]), ok.to_numpy(zero_copy_only=False)
    return pc.if_else(ok, values, None), ok.to_numpy(zero_copy_only=False)


def _bound(fd: Field, value):
    return pd.Timestamp(value) if fd.type == "date" else value


def constraint_checks(fd: Field) -> list:
    """The pandera checks of a field's Table Schema constraints, each named after its constraint."""
    c, out = fd.constraints, []
    if "enum" in c:
        allowed = [_bound(fd, v) for v in c["enum"]]
        out.append(pa.Check(lambda s: s.isin(allowed), name="enum"))
    if "pattern" in c:
        whole = f"^(?:{c['pattern']})$"
        out.append(pa.Check(lambda s: re2(s, whole), name="pattern"))
    if "minimum" in c:
        low = _bound(fd, c["minimum"])
        out.append(pa.Check(lambda s: s >= low, name="minimum"))
    if "maximum" in c:
        high = _bound(fd, c["maximum"])
        out.append(pa.Check(lambda s: s <= high, name="maximum"))
    if "minLength" in c:
        out.append(pa.Check(lambda s: s.str.len() >= c["minLength"], name="minLength"))
    if "maxLength" in c:
        out.append(pa.Check(lambda s: s.str.len() <= c["maxLength"], name="maxLength"))
    return out


def pandera_schema(table: Table, rules: list, ctx) -> pa.DataFrameSchema:
    """The table's one pandera schema: its constraints, its text rules and its cross-field and cross-table rules."""
    columns = {}
    for name in table.typed.columns:
        fd = table.resource.field(name)
        checks = constraint_checks(fd) + [r.column_check() for r in rules if r.kind == "column" and r.column == name]
        columns[name] = pa.Column(None, checks=checks, nullable=not fd.required, unique=bool(fd.constraints.get("unique")))
    pk = [k for k in table.resource.primary_key if k in table.typed.columns]
    frame_checks = [r.frame_check(ctx) for r in rules if r.kind == "frame"]
    return pa.DataFrameSchema(columns, checks=frame_checks, unique=pk or None, coerce=False, strict=False)


def validate(table: Table, rules: list, ctx) -> list:
    """Run the table's pandera schema lazily and turn its failure cases into problems."""
    try:
        # not in place: pandera keeps the schema of the frame it validated, and through the rules every table; its
        # copy (Arrow text is shared, not copied) goes with the schema
        pandera_schema(table, rules, ctx).validate(table.typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
    fc = fc[fc["index"].notna()]
    by_check = {r.check_name: r for r in rules}
    pk = table.resource.primary_key
    failed_row = table.failed.any(axis=1)
    probs = []
    checks = fc["check"].astype(str)
    for check, g in fc[checks.isin(list(by_check))].groupby(checks, sort=False):  # pandera lists a row once per column
        rows = pd.Index(pd.unique(g["index"].astype("int64")))
        if by_check[check].kind == "frame":
            rows = rows[~failed_row.loc[rows].to_numpy()]  # a row with a type error is checked again once it is fixed
        if len(rows):
            probs.append(by_check[check].problems(table, ctx, rows))
    fc = fc[~checks.isin(list(by_check))]
    for (check, column), g in fc.groupby([fc["check"].astype(str), fc["column"].astype(str)], sort=False):
        rows = pd.Index(pd.unique(g["index"].astype("int64")))
        if check == "not_nullable":
            rows = rows[~table.failed.loc[rows, column].to_numpy()]  # a cell with a type error is not reported twice
            rule, arg = "required", None
        elif check == "multiple_fields_uniqueness":
            if column != pk[0]:
                continue  # one problem per duplicated key, reported on its first column
            rule, arg = "primary-key", ", ".join(pk)
        elif check == "field_uniqueness":
            rule, arg = "unique", None
        else:
            rule, arg = check, table.resource.field(column).constraints.get(check)
        if len(rows):
            message, hint = CONSTRAINTS[rule]
            probs.append(R.make(table.file, rule, message.format(arg), hint, row=rows, column=column,
                                value=table.text_of(column, rows)))
    # A value that references nothing is reported by its foreign key, which says what it may be; its own
    # pattern or length is not reported again.
    fk = {(r, c) for p in probs if p["rule"].iloc[0] == "foreign-key" for r, c in zip(p["row"], p["column"])}
    return [p[~pd.Series([(r, c) in fk for r, c in zip(p["row"], p["column"])], index=p.index)] if p["rule"].iloc[0] in CONSTRAINTS else p
            for p in probs]
