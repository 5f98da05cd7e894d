"""The form of the cells and of the file: what `make format` repairs, or what no cell may hold.

Each check runs in Arrow over the distinct values of a column (a million rows of a few hundred codes
cost a few hundred tests) and is spread back to the rows that hold them. Canonical form is what
`make format` writes: UTF-8 without byte-order mark, LF line ends and a final line break, no blank
rows, no whitespace around values, rows sorted by primary key (as text), booleans written as the
schema's first true or false value, and minimal quoting (a value is quoted only when it holds a comma,
a quote or a line break).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import report as R
from .reading import FORMAT_HINT, Table

# Characters never allowed in a cell: C0 controls (tab, CR and LF included), DEL, C1 controls, zero-width
# and bidirectional-override characters, the BOM and the replacement character (an undecodable byte).
FORBIDDEN_RANGES = [(0x00, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069),
                    (0xFEFF, 0xFEFF), (0xFFFD, 0xFFFD)]
FORBIDDEN = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in FORBIDDEN_RANGES) + "]"
NEEDS_QUOTES = '[,"\n\r]'
RULES = {
    "whitespace": "a value has whitespace at its start or end",
    "whitespace-only": "a value is only whitespace",
    "forbidden-character": "a value holds a control, zero-width or direction character",
    "sort-order": "rows are not sorted by the primary key",
    "not-canonical": "quoting or a boolean's spelling differs from what `make format` writes",
}


def check(table: Table) -> list:
    f, res, text, rows = table.file, table.resource, table.text, table.rows
    probs = []
    quotes_needed = np.zeros(text.num_rows, np.int64)
    for name in text.column_names:
        values, at = table.distinct(name)
        trimmed = pc.utf8_trim_whitespace(values)
        padded = pc.not_equal(trimmed, values).to_numpy(zero_copy_only=False)
        only = (pc.equal(trimmed, "").to_numpy(zero_copy_only=False) & padded)
        bad = pc.match_substring_regex(values, FORBIDDEN).to_numpy(zero_copy_only=False)
        for mask, rule, message, hint in (
                (padded & ~only, "whitespace", "leading or trailing whitespace", FORMAT_HINT),
                (only, "whitespace-only", "the value is only whitespace", "empty the cell if the value is missing")):
            hit = mask[at]
            if hit.any():
                probs.append(R.make(f, rule, message, hint, row=rows[hit], column=name, value=_take(values, at[hit])))
        if bad.any():
            first = pc.extract_regex(values, f"(?P<c>{FORBIDDEN})").field("c").to_pylist()
            code = np.array([f"U+{ord(c):04X}" if c else "" for c in first], dtype=object)
            hit = bad[at]
            probs.append(R.make(f, "forbidden-character", [f"contains the invisible or control character {c}" for c in code[at[hit]]],
                                "delete the character (line breaks, tabs, NUL, zero-width and direction marks are not allowed in cells)",
                                row=rows[hit], column=name, value=_take(values, at[hit])))
        if name in res.field_names and res.field(name).type == "boolean":
            fd = res.field(name)
            other = pc.is_in(values, pa.array(list(fd.true_values[1:] + fd.false_values[1:]), pa.string())).to_numpy(zero_copy_only=False)
            hit = other[at]
            if hit.any():
                probs.append(R.make(f, "not-canonical", f"write {fd.true_values[0]} or {fd.false_values[0]}", FORMAT_HINT,
                                    row=rows[hit], column=name, value=_take(values, at[hit])))
        needs = pc.match_substring_regex(values, NEEDS_QUOTES).to_numpy(zero_copy_only=False)
        inner = pc.count_substring(values, '"').to_numpy(zero_copy_only=False)
        quotes_needed += np.where(needs, 2 + 2 * inner, 0)[at]

    pk = res.primary_key
    if pk and set(pk) <= set(text.column_names) and text.num_rows > 1:
        order = pc.sort_indices(text.select(pk), sort_keys=[(k, "ascending") for k in pk]).to_numpy().astype(np.int64)
        place = np.empty_like(order)
        place[order] = np.arange(len(order))
        descends = np.flatnonzero(np.diff(place) < 0)
        if len(descends):
            probs.append(R.make(f, "sort-order", f"rows are not sorted by the primary key ({', '.join(pk)}); {len(descends)} row(s) "
                                "come before a row they should follow", FORMAT_HINT, row=int(rows[descends[0] + 1])))
    if not probs and not table.problems:
        header = sum(2 + 2 * h.count('"') for h in text.column_names if any(c in h for c in ',"\n\r'))
        if header + int(quotes_needed.sum()) != table.quotes:
            row = _first_misquoted(table, np.concatenate([[header], quotes_needed]))
            probs.append(R.make(f, "not-canonical", "the file is not in canonical CSV form (quoting differs from minimal quoting: "
                                "a value is quoted only when it holds a comma, a quote or a line break)", FORMAT_HINT, row=row))
    return probs


def _take(values: pa.Array, at: np.ndarray) -> list:
    return values.take(pa.array(at)).to_pylist()


def _first_misquoted(table: Table, needed: np.ndarray) -> int:
    """The first record (header = 1) whose quote characters differ from minimal quoting's. A record ends at
    a line feed with an even number of quotes before it (inside a quoted value the count is odd)."""
    raw = np.frombuffer(table.path.read_bytes(), np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    before = np.searchsorted(quotes, np.flatnonzero(raw == ord("\n")))
    per_record = np.diff(np.concatenate([[0], before[before % 2 == 0]]))
    n = min(len(per_record), len(needed))
    differ = np.flatnonzero(per_record[:n] != needed[:n])
    return int(differ[0]) + 1 if len(differ) else n
