"""Reading the package: the descriptor, its schemas and the CSV files, with the checks on their form.

Everything here reports problems instead of raising: a broken descriptor, a missing file, a bad
encoding or a ragged row each become one problem with the file, row, column and a hint.
"""
from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import frictionless
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from . import problems as P

# Memory: Arrow's jemalloc pool, set to give freed memory back at once, and glibc's malloc_trim after each
# table (see read_table) keep the peak near what is live, not what was once allocated.
try:
    pa.set_memory_pool(pa.jemalloc_memory_pool())
    pa.jemalloc_set_decay_ms(0)
except (NotImplementedError, pa.ArrowException):  # pragma: no cover - a pyarrow built without jemalloc
    pass
try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim if sys.platform.startswith("linux") else None
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _malloc_trim = None



def trim():
    """Give back to the system the memory freed so far (glibc keeps freed blocks otherwise)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


DESCRIPTOR = "datapackage.json"
FORMAT_HINT = "run `make format` to rewrite the file in canonical form (it changes no value)"
# Characters never allowed in a cell: C0 controls (tab, CR and LF included), DEL, C1 controls,
# zero-width and bidirectional-override characters, the BOM and the Unicode replacement character
# (what an undecodable byte becomes).
FORBIDDEN_RANGES = [(0x00, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069),
                    (0xFEFF, 0xFEFF), (0xFFFD, 0xFFFD)]
FORBIDDEN_CHARS = re.compile("[" + "".join(re.escape(chr(a)) + "-" + re.escape(chr(b)) for a, b in FORBIDDEN_RANGES) + "]")
FORBIDDEN_RE2 = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in FORBIDDEN_RANGES) + "]"  # the same class for RE2
SUPPORTED_TYPES = {"string", "integer", "number", "boolean", "date"}
# Data Package v1 `hash`: "<algorithm>:<hex digest>", or a bare hex digest meaning MD5. A release writes sha256.
HASH = re.compile(r"(?:(md5|sha1|sha256|sha512):)?([0-9a-fA-F]+)")
HASH_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
CHANGED_HINT = "the file changed after release: restore it from the release or remove bytes/hash from the descriptor"

# Free text (string fields with no pattern, enum or format) must be safe to open in a spreadsheet
# or a browser and must not carry personal contact data. One combined pattern finds the few
# suspicious cells quickly; each is then classified by the specific rule below.
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE = r"(?<![\w-])(?:\+|00)[1-9](?:[\s().-]?[0-9]){7,14}(?![0-9])|(?<![\w-])\(?0?[0-9]{2,3}\)?[\s-][0-9]{3}[\s-][0-9]{2}[\s-][0-9]{2}(?![0-9])"
TEXT_RULES = [
    ("formula-injection", r"^[=+\-@]", "the text starts with =, +, - or @, which a spreadsheet runs as a formula",
     "reword the text so that it does not begin with =, +, - or @"),
    ("markup", r"<\s*/?\s*[A-Za-z!?][^>]*>|javascript:", "the text contains HTML or script markup",
     "write plain text without tags or scripts"),
    ("personal-data", EMAIL, "the text contains what looks like an e-mail address",
     "remove personal contact data: private persons are never recorded, and sources are cited by URL"),
    ("personal-data", PHONE, "the text contains what looks like a phone number",
     "remove personal contact data: private persons are never recorded, and sources are cited by URL"),
]
TEXT_ANY = re.compile("|".join(f"(?:{pattern})" for _, pattern, _, _ in TEXT_RULES))

# Patterns run by Arrow (RE2) over whole columns or lines at C++ speed. Each means the same in RE2 as in
# Python's re, or finds a superset of what a Python pattern finds, which then decides (tests check both).
# Python's whitespace (``str.isspace``, what ``str.strip`` removes) as an RE2 class:
# (No code point above U+3000 is whitespace; tests/test_fast_paths.py checks this against the whole range.)
WHITESPACE = "".join(f"\\x{{{cp:x}}}" for cp in range(0x3001) if chr(cp).isspace())
EDGE_WHITESPACE = f"^[{WHITESPACE}]|[{WHITESPACE}]$"  # what str.strip() would remove something from
BLANK_LINE = f"^[{WHITESPACE}]*$"  # a line (with its line feed) that strips to nothing
QUOTED_VALUE = r'"(?:[^"]|"")*"'  # what the field count skips, as pandas' reading would
_FIELD = r'(?:[^",\n]*|"(?:[^"\n]|"")*")'
REGULAR_LINE = rf"^{_FIELD}(?:,{_FIELD})*\n$"  # one record, quotes only around whole values
_CANONICAL_FIELD = r'(?:[^",\n]*|"(?:[^"\n]|"")*(?:,|"")(?:[^"\n]|"")*")'  # quoted only when it holds a comma or quote
CANONICAL_LINE = rf"^{_CANONICAL_FIELD}(?:,{_CANONICAL_FIELD})*\n$"
# Every text that TEXT_ANY finds has one of: <, @, javascript:, a leading =, + or -, or eight ASCII digits
# with at most two spaces, brackets, dots or hyphens between neighbours (a phone number).
TEXT_SUSPECT = rf"[<@]|javascript:|^[=+\-]|[0-9](?:[{WHITESPACE}().\-]{{0,2}}[0-9]){{7}}"


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    """RE2 search of ``pattern`` in each of ``values`` (bool array; a null never matches)."""
    return pc.match_substring_regex(values, pattern=pattern).fill_null(False).to_numpy(zero_copy_only=False)


def _text_suspects(u: pd.Series, arrow: pa.Array) -> np.ndarray:
    """Which distinct values ``u`` (``arrow``: the same as Arrow strings) of a free-text column TEXT_ANY finds
    something in. RE2 looks at every value for what any such text must hold; Python's ``re`` decides on the
    few it flags."""
    suspect = _matches(arrow, TEXT_SUSPECT)
    out = np.zeros(len(u), bool)
    at = np.flatnonzero(suspect)
    if len(at):
        out[at] = u.iloc[at].str.contains(TEXT_ANY).to_numpy(dtype=bool)
    return out


def free_text_fields(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"] if f.get("type", "string") == "string" and "format" not in f
            and not {"pattern", "enum"} & set(f.get("constraints", {}))]


@dataclass
class Resource:
    name: str
    path: str
    schema: dict
    schema_path: str
    bytes: int | None = None  # the size the descriptor records, if any
    hash: tuple[str, str] | None = None  # (hashlib algorithm, lower-case hex digest) the descriptor records, if any


@dataclass
class Table:
    """A table read as text: one string column per schema field found in the header."""
    resource: Resource
    data: pd.DataFrame  # index = row number (header is row 1); "" means missing
    problems: list = field(default_factory=list)
    # column -> (codes, number of distinct values): equal values share a code (``pd.factorize`` order), so
    # element-wise work on the column or on anything computed from it cell by cell can be done per code.
    codes: dict = field(default_factory=dict)


def _inside(root: Path, rel: str) -> bool:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or re.match(r"^[a-z][a-z0-9+.-]*:", rel, re.I):
        return False
    return (root / rel).resolve().is_relative_to(root.resolve())


def load_descriptor(root: Path):
    """Return (descriptor dict or None, list of resources, problems)."""
    probs = []
    path = root / DESCRIPTOR
    if not path.is_file():
        return None, [], [P.make(DESCRIPTOR, "descriptor", "datapackage.json is missing",
                                 "restore datapackage.json at the root of the package")]
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        return None, [], [P.make(DESCRIPTOR, "descriptor", f"not UTF-8 text ({e.reason} at byte {e.start})",
                                 "save datapackage.json as UTF-8")]
    except json.JSONDecodeError as e:
        return None, [], [P.make(DESCRIPTOR, "descriptor", f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                                 "fix the JSON syntax (a missing comma, quote or bracket)", row=e.lineno)]
    if not isinstance(descriptor, dict):
        return None, [], [P.make(DESCRIPTOR, "descriptor", "the descriptor is not a JSON object",
                                 "datapackage.json must hold one JSON object")]

    resources_meta = descriptor.get("resources")
    if not isinstance(resources_meta, list) or not resources_meta:
        return None, [], [P.make(DESCRIPTOR, "descriptor", "the descriptor lists no resources",
                                 "add the tables under 'resources'")]
    resources = []
    for i, res in enumerate(resources_meta):
        where = f"resources[{i}]"
        if not isinstance(res, dict):
            probs.append(P.make(DESCRIPTOR, "descriptor", f"{where} is not an object", "each resource is a JSON object"))
            continue
        name = res.get("name", where)
        col = f"resources/{name}"
        for key, want in (("profile", "tabular-data-resource"), ("encoding", "utf-8"), ("format", "csv")):
            if res.get(key) != want:
                probs.append(P.make(DESCRIPTOR, "r-compatibility", f"resource '{name}' has {key} {res.get(key)!r}, not {want!r}",
                                    f"set \"{key}\": \"{want}\" (the frictionless R package needs it)", column=col))
        rpath, spath = res.get("path"), res.get("schema")
        ok = True
        for key, value in (("path", rpath), ("schema", spath)):
            if not isinstance(value, str):
                probs.append(P.make(DESCRIPTOR, "descriptor", f"resource '{name}': {key} must be one relative file path",
                                    f"give the {key} as a path such as data/{name}.csv or schemas/{name}.schema.json", column=col))
                ok = False
            elif not _inside(root, value):
                probs.append(P.make(DESCRIPTOR, "path-outside-package", f"resource '{name}': {key} {value!r} points outside the package",
                                    "use a relative path inside the package (no '..', no absolute path, no URL)", column=col))
                ok = False
            elif not (root / value).is_file():
                probs.append(P.make(DESCRIPTOR, "missing-file", f"resource '{name}': {key} file {value} does not exist",
                                    "restore the file or correct the path in datapackage.json", column=col))
                ok = False
        if not ok:
            continue
        size, digest, cprobs = _checksums(res, name)
        probs += cprobs
        schema, sprobs = _load_schema(root, spath, name)
        probs += sprobs
        if schema is not None:
            resources.append(Resource(name, rpath, schema, spath, size, digest))

    # The standard's own check of the descriptor (profile, names, licences, schemas ...).
    if not probs:
        try:
            report = frictionless.Package.validate_descriptor(str(path))
            for err in report.flatten(["type", "note"]):
                probs.append(P.make(DESCRIPTOR, "descriptor", f"{err[0]}: {err[1]}",
                                    "make the descriptor valid against the Data Package standard"))
        except Exception as e:  # the library's own failure to read the descriptor is a problem too
            probs.append(P.make(DESCRIPTOR, "descriptor", f"frictionless cannot read the descriptor: {e}",
                                "make the descriptor valid against the Data Package standard"))
    return descriptor, resources, probs


def _checksums(res: dict, name: str):
    """The resource's recorded ``bytes`` and ``hash`` as (int or None, (algorithm, hex) or None, problems)."""
    probs, size, digest = [], None, None
    col = f"resources/{name}"
    if "bytes" in res:
        size = res["bytes"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            probs.append(P.make(DESCRIPTOR, "bytes", f"resource '{name}' has bytes {size!r}, not a whole number of bytes",
                                "write the file's size in bytes as a number, e.g. \"bytes\": 1024, or remove bytes", column=col))
            size = None
    if "hash" in res:
        m = HASH.fullmatch(res["hash"]) if isinstance(res["hash"], str) else None
        algorithm = (m.group(1) or "md5") if m else None
        if m is None or len(m.group(2)) != HASH_LENGTH[algorithm]:
            probs.append(P.make(DESCRIPTOR, "hash", f"resource '{name}' has hash {res['hash']!r}, not '<algorithm>:<hex digest>' with algorithm {', '.join(HASH_LENGTH)}",
                                "write the hash as \"sha256:<64 hex digits>\" (as `make release` does), or remove hash", column=col))
        else:
            digest = (algorithm, m.group(2).lower())
    return size, digest, probs


def _load_schema(root: Path, spath: str, name: str):
    probs = []
    try:
        schema = json.loads((root / spath).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [P.make(spath, "schema", f"not valid JSON/UTF-8: {e}", "fix the schema file's syntax")]
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
        return None, [P.make(spath, "schema", "the schema has no valid 'fields' list", "each field needs a name")]
    mv = schema.get("missingValues", [""])
    if not (isinstance(mv, list) and all(isinstance(v, str) for v in mv)):
        probs.append(P.make(spath, "r-compatibility", "missingValues must be a list of plain strings",
                            "write missingValues as [\"\"]"))
    for f in fields:
        if f.get("type", "string") not in SUPPORTED_TYPES:
            probs.append(P.make(spath, "schema", f"field '{f['name']}' has type {f.get('type')!r}",
                                f"use one of {sorted(SUPPORTED_TYPES)} (no list type: the R package cannot read it)",
                                column=f["name"]))
        if "categories" in f:
            probs.append(P.make(spath, "r-compatibility", f"field '{f['name']}' uses Data Package v2 'categories'",
                                "use a vocabulary table referenced by a foreign key", column=f["name"]))
    if probs:
        return None, probs
    return schema, probs


def primary_key(schema: dict) -> list[str]:
    pk = schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


class _Lines:
    """The lines of a CSV text (split at LF, the text ending with one), located in its UTF-8 bytes.

    Counts of commas and quotes per line come from numpy over the bytes, in chunks (bounded memory), so a
    million-line file is not split into a million Python strings; ``raw(i)`` gives only the lines asked for.
    """
    CHUNK = 1 << 24

    def __init__(self, buf: bytes):
        self.buf = buf
        a = np.frombuffer(buf, dtype=np.uint8)
        ends, commas, quotes = [], [], []
        carry_c = carry_q = 0
        for start in range(0, len(a), self.CHUNK):
            seg = a[start:start + self.CHUNK]
            nl = np.flatnonzero(seg == 10)
            cpos, qpos = np.flatnonzero(seg == 44), np.flatnonzero(seg == 34)
            ends.append(nl + start)
            commas.append(np.searchsorted(cpos, nl) + carry_c)  # commas before each line end, from the start
            quotes.append(np.searchsorted(qpos, nl) + carry_q)
            carry_c, carry_q = carry_c + len(cpos), carry_q + len(qpos)
        self.ends = np.concatenate(ends) if ends else np.zeros(0, np.int64)
        self.starts = np.concatenate([[0], self.ends[:-1] + 1]).astype(np.int64)
        self.commas = np.diff(np.concatenate(commas), prepend=0) if commas else np.zeros(0, np.int64)
        self.quotes = np.diff(np.concatenate(quotes), prepend=0) if quotes else np.zeros(0, np.int64)
        self.number = pd.RangeIndex(1, len(self.ends) + 1)  # row numbers, the header being row 1

    def raw(self, idx) -> list[bytes]:
        """The bytes of the lines asked for, each with its line feed."""
        buf = self.buf
        return [buf[s:e + 1] for s, e in zip(self.starts[idx].tolist(), self.ends[idx].tolist())]

    def arrow(self) -> pa.LargeStringArray:
        """Every line, with its line feed, as an Arrow string array over the same bytes (no copy)."""
        offsets = np.concatenate([[0], self.ends + 1]).astype(np.int64)
        return pa.LargeStringArray.from_buffers(len(self.ends), pa.py_buffer(offsets), pa.py_buffer(self.buf))


def _ascending(keys: pd.DataFrame) -> bool:
    """True when the rows are already in key order (compared as text), so the stable sort would keep them."""
    if keys.isna().any().any():
        return False
    ok = np.zeros(len(keys) - 1, bool)
    tie = np.ones(len(keys) - 1, bool)
    for col in keys.columns:
        v = keys[col].to_numpy(dtype=object)
        a, b = v[:-1], v[1:]
        ok |= tie & (a < b)
        tie &= a == b
    return bool((ok | tie).all())


def read_table(root: Path, res: Resource) -> Table:
    """Read a CSV file as text and check its recorded size and hash and its form. Never raises on bad content."""
    raw = (root / res.path).read_bytes()
    checks = check_checksums(res, raw)
    box = [raw]
    del raw  # _read_form takes the only reference, to let the bytes go once read
    table = _read_form(res, box)
    table.problems[:0] = checks
    trim()
    return table


def check_checksums(res: Resource, raw: bytes) -> list:
    """The recorded size and hash of a resource against its bytes as they are on disk (a release records them)."""
    probs = []
    if res.bytes is not None and len(raw) != res.bytes:
        probs.append(P.make(res.path, "bytes", f"the file has {len(raw)} bytes, the descriptor says {res.bytes}", CHANGED_HINT))
    if res.hash is not None:
        algorithm, expected = res.hash
        actual = hashlib.new(algorithm, raw).hexdigest()
        if actual != expected:
            probs.append(P.make(res.path, "hash", f"{algorithm} is {actual}, the descriptor says {expected}", CHANGED_HINT))
    return probs


def _normalise(f: str, raw: bytes, probs: list) -> bytes | None:
    """The file's bytes as UTF-8 text with LF line ends and a final newline, each repair reported as a
    problem (None for an empty file). Valid bytes are not copied."""
    if raw.startswith(b"\xef\xbb\xbf"):
        probs.append(P.make(f, "byte-order-mark", "the file starts with a byte-order mark (BOM)", FORMAT_HINT, row=1))
        raw = raw[3:]
    # Checked and repaired a block of lines at a time (no UTF-8 sequence spans a line feed), so that a
    # large file is never held as one Python string; bad bytes become U+FFFD.
    blocks = []
    at = 0
    while at < len(raw):
        end = raw.find(b"\n", min(at + _Lines.CHUNK, len(raw)))
        end = len(raw) if end < 0 else end + 1
        blocks.append((at, end))
        at = end
    error = None
    for at, end in blocks:
        try:
            raw[at:end].decode("utf-8")
        except UnicodeDecodeError as e:
            error = (at + e.start, e.reason)
            break
    if error is None:
        buf = raw
    else:
        buf = b"".join(raw[at:end].decode("utf-8", errors="replace").encode("utf-8") for at, end in blocks)
        probs.append(P.make(f, "encoding", f"the file is not valid UTF-8 (byte {error[0]}: {error[1]}); bad bytes show as U+FFFD",
                            "save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')", row=raw.count(b"\n", 0, error[0]) + 1))
    del raw  # a repaired copy, if any, is all that is kept
    if b"\r" in buf:
        first = buf.index(b"\r")
        count = buf.count(b"\r")
        probs.append(P.make(f, "line-endings", f"the file has {count} carriage return(s) (Windows or old Mac line endings)",
                            FORMAT_HINT, row=buf.count(b"\n", 0, first) + 1))
        buf = re.sub(rb"\r\n?", b"\n", buf)  # one copy, not one per replacement
    # Empty when every character is whitespace; the start of the file tells, but for a file that starts blank.
    if not buf[:65536].decode("utf-8", "ignore").strip() and not buf.decode("utf-8").strip():
        probs.append(P.make(f, "empty-file", "the file is empty", "restore the header row and the data"))
        return None
    if not buf.endswith(b"\n"):
        probs.append(P.make(f, "final-newline", "the last line does not end with a line break", FORMAT_HINT,
                            row=buf.count(b"\n") + 1))
        buf += b"\n"
    return buf


def _read_part(view: pa.Buffer, width: int):
    """Read one part of the text (whole lines) with Arrow's streaming CSV reader, dictionary-encoding each
    block's columns as they come: (list of chunks per column, number of records), or None when the part's
    first line has not ``width`` fields."""
    reader = pa_csv.open_csv(
        pa.BufferReader(view),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                          newlines_in_values=False, ignore_empty_lines=True,
                                          invalid_row_handler=lambda row: "skip"),
        convert_options=pa_csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False))
    if len(reader.schema) != width:
        return None
    chunks, n = [[] for _ in range(width)], 0
    for batch in reader:
        n += batch.num_rows
        for i in range(width):
            chunks[i].append(batch.column(i).dictionary_encode())
    return chunks, n


def _parse_arrow(box: list, lines: "_Lines", records: np.ndarray, width: int):
    """The records of the text in ``box`` with ``width`` fields (``records``: their line positions), read by
    Arrow's CSV reader in blocks, in two halves at once on two cores; the other lines (blank or ragged) are
    skipped. Each block's columns are dictionary-encoded as they come, so a Python string is later made once
    per distinct value, not once per cell. Returns a list of (codes over the records, distinct values as a
    numpy object array), one per column, and empties ``box`` (the caller holds no other reference to the
    text, which goes once read); None when Arrow does not find exactly those records, so that the caller
    reads the file the slow way."""
    whole = pa.py_buffer(box[0])
    cuts = [0, len(whole)]
    if len(records) >= 100_000 and (os.cpu_count() or 1) > 1:
        cuts.insert(1, int(lines.starts[records[len(records) // 2]]))  # each part starts with a full record
    try:
        with ThreadPoolExecutor(len(cuts) - 1) as pool:
            parts = list(pool.map(lambda i: _read_part(whole.slice(cuts[i], cuts[i + 1] - cuts[i]), width), range(len(cuts) - 1)))
    except (pa.ArrowException, ValueError):
        return None
    del whole
    if any(p is None for p in parts) or sum(n for _, n in parts) != len(records):
        return None
    box.clear()

    def unify(i):  # one dictionary per column (Arrow works outside the GIL, so two columns at once)
        column = pa.chunked_array([c for chunks, _ in parts for c in chunks[i]],
                                  pa.dictionary(pa.int32(), pa.string())).unify_dictionaries()
        for chunks, _ in parts:
            chunks[i] = None
        return column

    out = []
    with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
        for column in pool.map(unify, range(width)):
            codes = np.concatenate([c.indices.to_numpy() for c in column.chunks])
            out.append((codes, column.chunk(0).dictionary.to_numpy(zero_copy_only=False)))
            del column
    trim()
    return out


def _recode(codes: np.ndarray, distinct: np.ndarray):
    """(codes, distinct) of the data rows, from those of the column with its header (``codes[0]``): the
    header's value is dropped from the distinct values unless a data row holds it too."""
    head, body = codes[0], codes[1:]
    if (body == head).any():
        return body, distinct
    body -= body > head  # in place: the codes are the caller's own
    return body, np.delete(distinct, head)


def _read_form(res: Resource, box: list) -> Table:
    """Check the form of a CSV file and read it as text. ``box`` holds the file's bytes and is emptied here,
    so that they go once read."""
    f = res.path
    names = [fd["name"] for fd in res.schema["fields"]]
    probs = []
    buf = _normalise(f, box.pop(), probs)
    if buf is None:
        return Table(res, pd.DataFrame(columns=names, dtype="str"), probs)

    # Line-level form, vectorised over the UTF-8 bytes and Arrow's regular expressions (RE2, on patterns
    # that mean the same there as in Python's re): field counts outside quotes, blank lines, quoting.
    lines = _Lines(buf)
    every = lines.arrow()
    blank = np.zeros(len(lines.ends), bool)
    maybe = np.flatnonzero(lines.commas == 0)  # a line with a comma is not blank; the others are looked at
    if len(maybe):
        blank[maybe] = _matches(every.take(maybe), BLANK_LINE)
    if blank.any():
        probs.append(P.make(f, "blank-row", "blank row", "delete the blank row", row=lines.number[blank]))
    nfields = lines.commas + 1
    quoted = np.flatnonzero(lines.quotes > 0)  # only where quotes can hide commas are the fields counted again
    quoted_lines = every.take(quoted)
    del every
    if len(quoted):
        nfields[quoted] = pc.count_substring(pc.replace_substring_regex(quoted_lines, QUOTED_VALUE, ""), ",").to_numpy() + 1
    expected = int(nfields[0])
    ragged = (nfields != expected) & ~blank
    if ragged.any():
        probs.append(P.make(f, "ragged-row", [f"row has {n} fields, the header has {expected}" for n in nfields[ragged]],
                            "every row needs exactly one value per column: check for a stray or missing comma, or quote a value that contains a comma",
                            row=lines.number[ragged]))
    width = int(nfields.max())

    # When every line is one record with quotes only around whole values, Arrow's CSV reader reads the
    # records (pandas the few ragged lines, as it would read them in the whole file). Otherwise (a value
    # spanning lines, a stray quote) pandas reads the whole file.
    regular = expected >= 2 and (not len(quoted) or bool(_matches(quoted_lines, REGULAR_LINE).all()))
    records = np.flatnonzero(~blank & ~ragged)
    encoded = None
    if regular:
        odd = np.flatnonzero(ragged)
        odd_lines = b"".join(lines.raw(odd))
        box = [buf]
        lines.buf = buf = None
        encoded = _parse_arrow(box, lines, records, expected)
        if encoded is None:
            lines.buf = buf = box[0]
    known = {}  # column -> (codes, distinct values), when the reader has them
    if encoded is not None:
        one_per_line = True
        header = [str(encoded[i][1][encoded[i][0][0]]) for i in range(expected)]
        body_lines = np.flatnonzero(~blank)[1:]  # the data rows (header and blank lines aside), as line positions
        index = lines.number[body_lines]
        extra = None
        if len(odd):  # the ragged lines, read by pandas as it would read them in the whole file
            extra = pd.read_csv(io.BytesIO(odd_lines), header=None, names=range(width), dtype=str,
                                keep_default_na=False, skip_blank_lines=False, engine="c", quoting=0)
            at_records, at_odd = np.searchsorted(body_lines, records[1:]), np.searchsorted(body_lines, odd)
        columns = {}
        for i, h in enumerate(header):
            if h not in names or header.count(h) != 1:
                continue
            (codes, distinct), encoded[i] = encoded[i], None  # each column's codes are let go once used
            if extra is not None:  # the ragged lines' values join the codes, in line order, the header first
                odd_values = extra[i].to_numpy(dtype=object)
                # where each of the few ragged values is among the distinct values (-1: a new value)
                few = pd.Index(pd.unique(odd_values))
                hit = few.get_indexer(distinct)
                place = np.full(len(few), -1, dtype=np.int64)
                place[hit[hit >= 0]] = np.flatnonzero(hit >= 0)
                found = place[few.get_indexer(odd_values)]
                new_codes, new_values = pd.factorize(odd_values[found < 0], use_na_sentinel=False)
                found[found < 0] = new_codes + len(distinct)
                distinct = np.concatenate([distinct, np.asarray(new_values, dtype=object)])
                merged = np.empty(len(body_lines) + 1, dtype=codes.dtype)
                merged[0] = codes[0]
                merged[1 + at_records] = codes[1:]
                merged[1 + at_odd] = found
                codes = merged
            known[h] = codes, distinct = _recode(codes, distinct)
            every_row_distinct = len(distinct) == len(codes) and bool((codes == np.arange(len(codes))).all())
            values = distinct if every_row_distinct else distinct.take(codes)  # ids, notes: as they are
            columns[h] = pd.Series(values, index=index, dtype="str", copy=False)
        del encoded, extra
        trim()
        data = pd.DataFrame({n: columns[n] for n in names if n in columns}, index=index, copy=False)
    else:
        try:
            df = pd.read_csv(io.BytesIO(buf), header=None, names=range(width), dtype=str, keep_default_na=False,
                             skip_blank_lines=False, engine="c", quoting=0)
        except Exception as e:  # pandas' parser error becomes a problem, not a traceback
            probs.append(P.make(f, "unreadable", f"the CSV cannot be parsed: {e}", "check the quoting of the row named"))
            return Table(res, pd.DataFrame(columns=names, dtype="str"), probs)
        df.index = df.index + 1
        one_per_line = len(df) == len(lines.number)
        header = [str(h) for h in df.iloc[0].tolist()[:expected]]
        body = df.iloc[1:]
        position = {h: i for i, h in enumerate(header) if header.count(h) == 1}
        data = pd.DataFrame({n: body[position[n]] for n in names if n in position}, index=body.index, copy=False)
        if blank.any():
            data = data.loc[~pd.Series(blank, index=lines.number).reindex(data.index, fill_value=False)]

    # Header.
    if header != names:
        missing = [n for n in names if n not in header]
        unexpected = [h for h in header if h not in names]
        dupes = sorted({h for h in header if header.count(h) > 1})
        msgs = []
        if missing:
            msgs.append(f"missing column(s) {missing}")
        if unexpected:
            msgs.append(f"unexpected column(s) {unexpected}")
        if dupes:
            msgs.append(f"duplicated column(s) {dupes}")
        if not msgs:
            msgs.append("columns are out of order")
        probs.append(P.make(f, "header", "; ".join(msgs) + f". Expected, in this order: {','.join(names)}",
                            "make the header row equal the schema's field names in the schema's order (the R package reads columns by position)",
                            row=1, value=",".join(header)))

    # Cell-level form: whitespace and forbidden characters, and the safety of free text, each distinct
    # value of a column looked at once, by RE2 over the column's distinct values.
    free_text = set(free_text_fields(res.schema))
    factorized = {}
    for col in data.columns:
        s = data[col]
        if col in known:
            codes, distinct = known.pop(col)
        else:
            codes, distinct = pd.factorize(s, use_na_sentinel=False)
        factorized[col] = (codes.astype(np.int32, copy=False) if len(distinct) < 2**31 else codes, len(distinct))
        u = pd.Series(distinct, dtype=s.dtype)
        arrow = pa.array(u.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        # RE2 finds the values with whitespace at either end; Python's strip() says what it is, on those only.
        only_u, padded_u = np.zeros(len(u), bool), np.zeros(len(u), bool)
        edge = np.flatnonzero(_matches(arrow, EDGE_WHITESPACE))
        if len(edge):
            e = u.iloc[edge]
            stripped = e.str.strip()
            only_u[edge] = ((stripped == "") & (e != "")).to_numpy()
            padded_u[edge] = (stripped != e).to_numpy() & ~only_u[edge]
        only, padded = only_u[codes], padded_u[codes]
        if only.any():
            probs.append(P.make(f, "whitespace-only", "the value is only whitespace",
                                "empty the cell if the value is missing", row=s.index[only], column=col, value=s[only]))
        if padded.any():
            probs.append(P.make(f, "whitespace", "leading or trailing whitespace", FORMAT_HINT,
                                row=s.index[padded], column=col, value=s[padded]))
        bad = _matches(arrow, FORBIDDEN_RE2)[codes]
        if bad.any():
            probs.append(P.make(f, "forbidden-character",
                                [f"contains the invisible or control character U+{ord(FORBIDDEN_CHARS.search(v).group()):04X}" for v in s[bad]],
                                "delete the character (line breaks, tabs, NUL, zero-width and direction marks are not allowed in cells)",
                                row=s.index[bad], column=col, value=s[bad]))
        if col in free_text:
            flagged = _text_suspects(u, arrow)
            if flagged.any():
                suspect = s[flagged[codes]]
                for rule, pattern, message, hint in TEXT_RULES:
                    hit = suspect[suspect.str.contains(pattern)]
                    if len(hit):
                        probs.append(P.make(f, rule, message, hint, row=hit.index, column=col, value=hit))

    # Sort order by primary key, compared as text.
    pk = primary_key(res.schema)
    if pk and all(k in data.columns for k in pk) and len(data) > 1 and not _ascending(data[pk]):
        # Each row's place in key order; a row placed before its predecessor is out of order.
        position = pd.Series(range(len(data)), index=data[pk].sort_values(pk, kind="stable").index).reindex(data.index)
        descends = position.diff() < 0
        if descends.any():
            probs.append(P.make(f, "sort-order", f"rows are not sorted by the primary key ({', '.join(pk)}); {int(descends.sum())} row(s) come before a row they should follow",
                                FORMAT_HINT, row=data.index[descends.to_numpy().argmax()]))

    # Canonical quoting: only when nothing more specific was found in the file's form.
    if not probs:
        if one_per_line:
            # One record per line. A line without a quote is canonical as it stands (its fields hold no comma,
            # quote or line break, so minimal quoting writes it back unchanged). A quoted line is canonical
            # when each quoted value needs its quotes: it holds a comma or a quote.
            ok = _matches(quoted_lines, CANONICAL_LINE) if len(quoted) else np.ones(0, bool)
            if not ok.all():
                first = int(np.argmin(ok))
                probs.append(P.make(f, "not-canonical", "the file is not in canonical CSV form (quoting differs from minimal quoting)",
                                    FORMAT_HINT, row=int(quoted[first]) + 1, value=quoted_lines[first].as_py()[:-1]))
        else:  # a quoted value spans lines: compare the whole file with pandas' rewrite of it
            canonical = df.iloc[:, :expected].to_csv(index=False, header=False, lineterminator="\n")
            text = buf.decode("utf-8")
            if canonical != text:
                a, b = canonical.split("\n"), text.split("\n")
                first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                probs.append(P.make(f, "not-canonical", "the file is not in canonical CSV form (quoting differs from minimal quoting)",
                                    FORMAT_HINT, row=first + 1, value=b[first] if first < len(b) else None))
    return Table(res, data, probs, factorized)
