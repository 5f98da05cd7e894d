"""Reading a CSV file: one reader (Arrow's) for every file, and the problems of the file and its records.

The file is read once, as text, into an Arrow table of the schema's columns. What the reader meets on
the way is reported here: recorded size and hash, encoding, byte-order mark, line endings, final line
break, the header, ragged rows and blank rows. Row numbers count records (a quoted value may span
lines) with the header as row 1, as frictionless and spreadsheets do.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv

from . import report as R
from .descriptor import Resource

FORMAT_HINT = "run `make format` to rewrite the file in canonical form (it changes no value)"
RULES = {  # the rules reported here, for the codebook and the test that every rule has a broken fixture
    "bytes": "the file's size differs from the size the descriptor records",
    "hash": "the file's hash differs from the hash the descriptor records",
    "encoding": "the file is not valid UTF-8",
    "byte-order-mark": "the file starts with a byte-order mark",
    "line-endings": "the file has carriage returns (Windows or old Mac line endings)",
    "final-newline": "the last line has no line break",
    "unreadable": "the CSV cannot be parsed at all",
    "header": "the header is not the schema's field names in the schema's order",
    "ragged-row": "a row has more or fewer fields than the header",
    "blank-row": "a row with no value at all (an empty line, or only commas)",
}


@dataclass
class Table:
    """One table on its way from the file to the report: its text as read, then its typed values."""
    resource: Resource
    path: Path  # the file on disk
    text: pa.Table  # one string column per schema field found in the header, "" where the cell is empty
    rows: np.ndarray  # the record number of each row of ``text``
    quotes: int = 0  # quote characters in the file, for the canonical-form check
    problems: list = field(default_factory=list)
    ragged: pd.DataFrame | None = None  # the text of ragged rows, field by field from the left; not checked, but their
    # ids are known, so that a reference to one is not reported as well
    codes: dict = field(default_factory=dict)  # column -> (distinct values, each row's index among them), from
    # ``distinct``: made once for the form checks and the typing, and let go once the table is typed
    typed: pd.DataFrame | None = None  # set by schema.parse: typed values, index = record numbers
    failed: pd.DataFrame | None = None  # set by schema.parse: True where a cell's text is not of its type

    @property
    def file(self) -> str:
        return self.resource.path

    def distinct(self, column: str) -> tuple[pa.Array, np.ndarray]:
        """(distinct values of ``column``, the index of each row's value among them)."""
        if column not in self.codes:
            encoded = pc.dictionary_encode(self.text[column]).combine_chunks()
            self.codes[column] = (encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False))
        return self.codes[column]

    def text_of(self, column: str, rows) -> pd.Series:
        """The text as read of ``column`` in the given record numbers."""
        at = np.searchsorted(self.rows, np.asarray(rows, dtype=np.int64))
        return pd.Series(self.text[column].take(pa.array(at)).to_pylist(), index=rows, dtype=object)


def read(root: Path, res: Resource) -> Table:
    f = res.path
    raw = (root / f).read_bytes()
    probs = _checksums(f, res, raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        probs.append(R.make(f, "byte-order-mark", "the file starts with a UTF-8 byte-order mark", FORMAT_HINT, row=1))
    if b"\r" in raw:
        probs.append(R.make(f, "line-endings", f"{raw.count(13)} carriage return(s): lines must end with LF only", FORMAT_HINT, row=1))
    names = res.field_names
    whole = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, pa.array([0, len(raw)], pa.int64()).buffers()[1], pa.py_buffer(raw)])
    try:
        whole.cast(pa.large_string())  # Arrow's UTF-8 check of the whole file, without a copy
    except pa.ArrowInvalid:
        decoded = raw.decode("utf-8", errors="replace")
        lines = sorted({decoded.count("\n", 0, i) + 1 for i, ch in enumerate(decoded) if ch == "\ufffd"})
        probs.append(R.make(f, "encoding", "the line is not valid UTF-8 (shown as U+FFFD)", "save the file as UTF-8 (CSV UTF-8 in a spreadsheet)", row=lines))
        raw = decoded.encode("utf-8")
    try:
        text, bad = _arrow(raw, names)
    except pa.ArrowInvalid as e:
        probs.append(R.make(f, "unreadable", f"the CSV cannot be parsed: {str(e).splitlines()[0]}", "check the quoting of the file"))
        return Table(res, root / f, pa.table({}), np.zeros(0, np.int64), 0, probs)
    header = text.column_names
    total = text.num_rows + len(bad) + 1
    numbers = np.array(sorted(bad), dtype=np.int64)
    rows = np.setdiff1d(np.arange(2, total + 1, dtype=np.int64), numbers, assume_unique=True)
    if raw and not raw.endswith((b"\n", b"\r")):
        probs.append(R.make(f, "final-newline", "the file does not end with a line break", FORMAT_HINT, row=total))

    if header != names:
        missing = [n for n in names if n not in header]
        unexpected = [h for h in header if h not in names]
        dupes = sorted({h for h in header if header.count(h) > 1})
        said = [f"missing column(s) {missing}"] * bool(missing) + [f"unexpected column(s) {unexpected}"] * bool(unexpected)
        said += [f"duplicated column(s) {dupes}"] * bool(dupes) or ["columns are out of order"] * (not missing and not unexpected)
        probs.append(R.make(f, "header", "; ".join(said) + f". Expected, in this order: {','.join(names)}",
                            "make the header row equal the schema's field names in the schema's order (the R package reads columns by position)",
                            row=1, value=",".join(header)))
    blank_lines = [n for n in numbers if not bad[n][1].strip()]
    ragged = [n for n in numbers if bad[n][1].strip()]
    if ragged:
        probs.append(R.make(f, "ragged-row", [f"row has {bad[n][0]} fields, the header has {len(header)}" for n in ragged],
                            "every row needs exactly one value per column: check for a stray or missing comma, or quote a value that "
                            "contains a comma", row=ragged, value=[bad[n][1][:200] for n in ragged]))
    keep = [i for i, h in enumerate(header) if h in names and header.count(h) == 1]
    text = text.select(keep)
    empty = np.zeros(text.num_rows, bool)
    if text.num_columns and text.num_rows:  # a spreadsheet's row of empty cells is a blank row too
        empty = pc.and_(*[pc.equal(c, "") for c in text.columns[:2]]) if text.num_columns > 1 else pc.equal(text.column(0), "")
        empty = empty.to_numpy(zero_copy_only=False)
        for column in text.columns[2:]:
            if not empty.any():
                break
            empty &= pc.equal(column, "").to_numpy(zero_copy_only=False)
    if empty.any():
        text, blank_rows, rows = text.filter(pa.array(~empty)), rows[empty], rows[~empty]
        blank_lines = sorted(blank_lines + blank_rows.tolist())
    if blank_lines:
        probs.append(R.make(f, "blank-row", "blank row", "delete the blank row (`make format` does)", row=blank_lines))
    return Table(res, root / f, text, rows, raw.count(b'"'), probs, _fields(ragged, bad, header))


def _arrow(raw: bytes, names: list) -> tuple[pa.Table, dict]:
    """The file's records as strings, and its invalid records: record number -> (fields, text).

    Serial reading numbers the invalid records (parallel reading cannot), at about the same speed; blocks
    of 4 MB keep the reader's own buffers small."""
    bad = {}

    def invalid(row):
        bad[row.number] = (row.actual_columns, row.text)
        return "skip"
    parse = csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid)
    head = csv.open_csv(pa.BufferReader(raw), read_options=csv.ReadOptions(use_threads=False, block_size=1 << 20), parse_options=parse,
                        convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names})).schema.names
    bad.clear()
    table = csv.read_csv(pa.BufferReader(raw), read_options=csv.ReadOptions(use_threads=False, block_size=1 << 22), parse_options=parse,
                         convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in head}, strings_can_be_null=False,
                                                            quoted_strings_can_be_null=False, check_utf8=True))
    return table, bad


def _fields(numbers: list, bad: dict, header: list) -> pd.DataFrame:
    """The fields of ragged rows under the header's names (missing fields empty, extra ones dropped): the
    rows with the same number of fields are read together, by the same reader."""
    parts = []
    for width in sorted({bad[n][0] for n in numbers}):
        same = [n for n in numbers if bad[n][0] == width]
        text = csv.read_csv(io.BytesIO("\n".join(bad[n][1] for n in same).encode() + b"\n"),
                            read_options=csv.ReadOptions(column_names=[f"f{i}" for i in range(width)], use_threads=False),
                            convert_options=csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)}))
        parts.append(pd.DataFrame({h: pd.Series(text.column(i).to_pylist(), index=same, dtype="str") for i, h in enumerate(header[:width])}))
    return pd.concat(parts).reindex(columns=header) if parts else pd.DataFrame(columns=header, dtype="str")


def _checksums(f: str, res: Resource, raw: bytes) -> list:
    probs, restore = [], "the file changed after release: restore it from the release you downloaded (or rebuild it from its tag)"
    if res.bytes is not None and res.bytes != len(raw):
        probs.append(R.make(f, "bytes", f"the file has {len(raw)} bytes, the descriptor says {res.bytes}", restore))
    if res.hash is not None:
        algorithm, want = res.hash
        got = hashlib.new(algorithm, raw).hexdigest()
        if got != want:
            probs.append(R.make(f, "hash", f"{algorithm} is {got}, the descriptor says {want}", restore))
    return probs
