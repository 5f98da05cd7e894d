"""The problem list that every check returns, and how it is shown.

A problem is one row of a pandas DataFrame with the columns below. Checks build these frames in a
vectorised way (one frame per rule and column), so a table with thousands of bad rows costs no
per-row Python work. The report is printed as text, or written as CSV with pandas' own writer.
"""
from __future__ import annotations

import sys

import pandas as pd

COLUMNS = ["file", "row", "column", "rule", "value", "message", "hint"]


def make(file: str, rule: str, message, hint: str, *, row=None, column=None, value=None) -> pd.DataFrame:
    """Problems for one rule. ``row``, ``value`` and ``message`` may be scalars or aligned arrays."""
    n = len(row) if row is not None and not pd.api.types.is_scalar(row) else 1
    frame = pd.DataFrame({
        "file": [file] * n,
        "row": pd.array(_as_list(row, n), dtype="Int64"),
        "column": _as_list(column, n),
        "rule": [rule] * n,
        "value": _as_list(value, n),
        "message": _as_list(message, n),
        "hint": [hint] * n,
    })
    return frame


def _as_list(x, n):
    if x is None or pd.api.types.is_scalar(x):
        return [x] * n
    return list(x)


def concat(frames) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype({"row": "Int64"})
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _short(value, limit=60) -> str:
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def render(problems: pd.DataFrame, max_examples: int = 20, out=None) -> None:
    """Print problems grouped by file and rule, at most ``max_examples`` per group."""
    out = out or sys.stdout
    if problems.empty:
        print("Package is valid: no problems found.", file=out)
        return
    problems = problems.sort_values(["file", "rule", "row"], kind="stable", na_position="first")
    for (file, rule), group in problems.groupby(["file", "rule"], sort=False):
        print(f"{file}: {rule}: {len(group)} problem(s). Hint: {group['hint'].iloc[0]}", file=out)
        for rec in group.head(max_examples).itertuples(index=False):
            where = f"row {rec.row}" if pd.notna(rec.row) else "file"
            if isinstance(rec.column, str) and rec.column:
                where += f", column {rec.column}"
            value = f" (value: {_short(rec.value)})" if rec.value is not None and not pd.isna(rec.value) else ""
            print(f"  {file}, {where}: {rec.message}{value}", file=out)
        if len(group) > max_examples:
            print(f"  ... and {len(group) - max_examples} more of this rule in {file}", file=out)
    files = problems["file"].nunique()
    print(f"\n{len(problems)} problem(s) in {files} file(s). The package is NOT valid.", file=out)
