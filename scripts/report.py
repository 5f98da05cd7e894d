"""Problems: the one frame every check returns, its order (root causes first) and how it is shown.

A problem is one row with the columns below. Checks build them a rule and a column at a time, so a table
with thousands of bad rows costs no per-row Python work. The report is printed as text, or written as
CSV with pandas' own writer.
"""
from __future__ import annotations

import sys

import pandas as pd

COLUMNS = ["file", "row", "column", "rule", "value", "message", "hint"]
def make(file: str, rule: str, message, hint, *, row=None, column=None, value=None) -> pd.DataFrame:
    """Problems of one rule. ``row``, ``value``, ``message`` and ``hint`` may be scalars or aligned arrays."""
    n = len(row) if row is not None and not pd.api.types.is_scalar(row) else 1
    return pd.DataFrame({
        "file": [file] * n,
        "row": pd.array(_as_list(row, n), dtype="Int64"),
        "column": _as_list(column, n),
        "rule": [rule] * n,
        "value": _as_list(value, n),
        "message": _as_list(message, n),
        "hint": _as_list(hint, n),
    })


def _as_list(x, n):
    if x is None or pd.api.types.is_scalar(x):
        return [x] * n
    return [None if v is pd.NA else v for v in x]


def concat(frames, stages=()) -> pd.DataFrame:
    """One frame of all problems, root causes first: by file, stage, rule and row. ``stages`` lists the rule
    names of each stage in order (a problem of an earlier stage can cause those of later ones); a rule in
    none of them is of the last stage."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype({"row": "Int64"})
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    stage = out["rule"].map({rule: next((i for i, rules in enumerate(stages) if rule in rules), len(stages))
                             for rule in out["rule"].unique()})
    order = pd.DataFrame({"file": out["file"], "stage": stage, "rule": out["rule"], "row": out["row"]})
    return out.loc[order.sort_values(["file", "stage", "rule", "row"], kind="stable", na_position="first").index].reset_index(drop=True)


def _short(value, limit=60) -> str:
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def render(problems: pd.DataFrame, max_examples: int = 20, out=None) -> None:
    """Print problems grouped by file, rule and hint, at most ``max_examples`` per group."""
    out = out or sys.stdout
    if problems.empty:
        print("Package is valid: no problems found.", file=out)
        return
    for (file, rule, hint), group in problems.groupby(["file", "rule", "hint"], sort=False):
        print(f"{file}: {rule}: {len(group)} problem(s). Hint: {hint}", file=out)
        for rec in group.head(max_examples).itertuples(index=False):
            where = f"row {rec.row}" if pd.notna(rec.row) else "file"
            if isinstance(rec.column, str) and rec.column:
                where += f", column {rec.column}"
            value = f" (value: {_short(rec.value)})" if rec.value is not None and not pd.isna(rec.value) else ""
            print(f"  {file}, {where}: {rec.message}{value}", file=out)
        if len(group) > max_examples:
            print(f"  ... and {len(group) - max_examples} more of this rule in {file}", file=out)
    print(f"\n{len(problems)} problem(s) in {problems['file'].nunique()} file(s). The package is NOT valid.", file=out)
