"""Reading the package: the descriptor, its schemas and the CSV files, with the checks on their form.

Everything here reports problems instead of raising: a broken descriptor, a missing file, a bad
encoding or a ragged row each become one problem with the file, row, column and a hint.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

try:  # the regex parser, to tell a one-character-class pattern
    from re import _constants as re_constants, _parser as re_parser
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as re_constants, sre_parse as re_parser

import frictionless
import numpy as np
import pandas as pd

from . import problems as P

DESCRIPTOR = "datapackage.json"
FORMAT_HINT = "run `make format` to rewrite the file in canonical form (it changes no value)"
# Characters never allowed in a cell: C0 controls (tab, CR and LF included), DEL, C1 controls,
# zero-width and bidirectional-override characters, the BOM and the Unicode replacement character
# (what an undecodable byte becomes).
FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffd]")
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


def _row_of_offset(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


class _Lines:
    """The lines of a CSV text (split at LF, the text ending with one), located in its UTF-8 bytes.

    Counts of commas and quotes per line come from numpy over the bytes, in chunks (bounded memory), so a
    million-line file is not split into a million Python strings; ``text(i)`` decodes only the lines asked for.
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

    def text(self, idx) -> list[str]:
        buf = self.buf
        return [buf[s:e].decode("utf-8") for s, e in zip(self.starts[idx].tolist(), self.ends[idx].tolist())]


@functools.lru_cache(maxsize=8)
def _lead_bytes(pattern: str):
    """For a pattern that is one character class: the bytes that can begin the UTF-8 form of a character it
    matches, line feed aside (bool[256]); None for any other pattern."""
    try:
        parsed = re_parser.parse(pattern)
    except Exception:  # pragma: no cover - the pattern compiled already
        return None
    if len(parsed) != 1 or parsed[0][0] not in (re_constants.IN, re_constants.LITERAL, re_constants.RANGE):
        return None
    rx = re.compile(pattern)
    lut = np.zeros(256, bool)
    for cp in range(0x10000):  # the Basic Multilingual Plane, one search each (a few milliseconds)
        if cp != 10 and not 0xD800 <= cp <= 0xDFFF and rx.match(chr(cp)):
            lut[chr(cp).encode("utf-8")[0]] = True
    lut[0xF0:0xF5] = True  # characters beyond it are not enumerated: any of them is looked at
    return lut


def _may_contain(buf: bytes, rx: re.Pattern) -> bool:
    """False only when no character of ``buf`` other than a line feed can match ``rx`` (one character class)."""
    lut = _lead_bytes(rx.pattern)
    if lut is None:
        return True
    a = np.frombuffer(buf, dtype=np.uint8)
    for i in range(0, len(a), _Lines.CHUNK):
        seg = a[i:i + _Lines.CHUNK]
        if np.count_nonzero(seg < 32) != np.count_nonzero(seg == 10):  # a control character other than LF
            if lut[seg[seg < 32]].any():
                return True
        high = seg[seg >= 127]  # few in most text: look these up
        if len(high) and lut[high].any():
            return True
    return False


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
    table = _read_form(res, raw)
    table.problems[:0] = check_checksums(res, raw)
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


def _read_form(res: Resource, raw: bytes) -> Table:
    """Check the form of a CSV file given as bytes and read it as text."""
    f = res.path
    names = [fd["name"] for fd in res.schema["fields"]]
    probs = []
    if raw.startswith(b"\xef\xbb\xbf"):
        probs.append(P.make(f, "byte-order-mark", "the file starts with a byte-order mark (BOM)", FORMAT_HINT, row=1))
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        text = raw.decode("utf-8", errors="replace")
        probs.append(P.make(f, "encoding", f"the file is not valid UTF-8 (byte {e.start}: {e.reason}); bad bytes show as U+FFFD",
                            "save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')", row=raw.count(b"\n", 0, e.start) + 1))
    if "\r" in text:
        first = text.index("\r")
        probs.append(P.make(f, "line-endings", f"the file has {text.count(chr(13))} carriage return(s) (Windows or old Mac line endings)",
                            FORMAT_HINT, row=_row_of_offset(text, first)))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        probs.append(P.make(f, "empty-file", "the file is empty", "restore the header row and the data"))
        return Table(res, pd.DataFrame(columns=names, dtype="str"), probs)
    if not text.endswith("\n"):
        probs.append(P.make(f, "final-newline", "the last line does not end with a line break", FORMAT_HINT,
                            row=text.count("\n") + 1))
        text += "\n"

    # Line-level form, vectorised over the UTF-8 bytes: field counts outside quotes, blank lines.
    del raw
    buf = text.encode("utf-8")
    del text
    lines = _Lines(buf)
    blank = pd.Series(False, index=lines.number)
    maybe = np.flatnonzero(lines.commas == 0)  # a line with a comma is not blank; the others are looked at
    if len(maybe):
        blank.iloc[maybe] = (pd.Series(lines.text(maybe), dtype="str").str.strip() == "").to_numpy()
    if blank.any():
        probs.append(P.make(f, "blank-row", "blank row", "delete the blank row", row=blank.index[blank]))
    nfields = pd.Series(lines.commas + 1, index=lines.number)
    quoted = np.flatnonzero(lines.quotes > 0)  # only where quotes can hide commas is the line parsed as text
    quoted_text = lines.text(quoted)
    if len(quoted):
        nfields.iloc[quoted] = (pd.Series(quoted_text, dtype="str").str.replace(r'"(?:[^"]|"")*"', "", regex=True)
                                .str.count(",") + 1).to_numpy()
    expected = int(nfields.iloc[0])
    ragged = (nfields != expected) & ~blank
    if ragged.any():
        probs.append(P.make(f, "ragged-row", [f"row has {n} fields, the header has {expected}" for n in nfields[ragged]],
                            "every row needs exactly one value per column: check for a stray or missing comma, or quote a value that contains a comma",
                            row=nfields.index[ragged]))

    width = int(nfields.max())
    try:
        df = pd.read_csv(io.BytesIO(buf), header=None, names=range(width), dtype=str, keep_default_na=False,
                         skip_blank_lines=False, engine="c", quoting=0)
    except Exception as e:  # pandas' parser error becomes a problem, not a traceback
        probs.append(P.make(f, "unreadable", f"the CSV cannot be parsed: {e}", "check the quoting of the row named"))
        return Table(res, pd.DataFrame(columns=names, dtype="str"), probs)
    df.index = df.index + 1
    may_forbid = len(df) != len(lines.number) or _may_contain(buf, FORBIDDEN_CHARS)
    if len(df) == len(lines.number):
        lines.buf = buf = None  # one record per line: what is still needed of the text is at hand
    header = [str(h) for h in df.iloc[0].tolist()[:expected]]
    body = df.iloc[1:]

    # Header.
    if header != names:
        missing = [n for n in names if n not in header]
        extra = [h for h in header if h not in names]
        dupes = sorted({h for h in header if header.count(h) > 1})
        msgs = []
        if missing:
            msgs.append(f"missing column(s) {missing}")
        if extra:
            msgs.append(f"unexpected column(s) {extra}")
        if dupes:
            msgs.append(f"duplicated column(s) {dupes}")
        if not msgs:
            msgs.append("columns are out of order")
        probs.append(P.make(f, "header", "; ".join(msgs) + f". Expected, in this order: {','.join(names)}",
                            "make the header row equal the schema's field names in the schema's order (the R package reads columns by position)",
                            row=1, value=",".join(header)))
    position = {h: i for i, h in enumerate(header) if header.count(h) == 1}
    data = pd.DataFrame({n: body[position[n]] for n in names if n in position}, index=body.index, copy=False)
    if blank.any():
        data = data.loc[~blank.reindex(data.index, fill_value=False)]

    # Cell-level form: whitespace and forbidden characters, and the safety of free text, each distinct
    # value of a column looked at once. When no byte of the file can start a forbidden character (line
    # ends aside, and no value spans lines), no cell holds one and the search is skipped.
    free_text = set(free_text_fields(res.schema))
    factorized = {}
    for col in data.columns:
        s = data[col]
        codes, distinct = pd.factorize(s, use_na_sentinel=False)
        factorized[col] = (codes, len(distinct))
        u = pd.Series(distinct, dtype=s.dtype)
        stripped = u.str.strip()
        only_u = ((stripped == "") & (u != "")).to_numpy()
        only = only_u[codes]
        padded = ((stripped != u).to_numpy() & ~only_u)[codes]
        if only.any():
            probs.append(P.make(f, "whitespace-only", "the value is only whitespace",
                                "empty the cell if the value is missing", row=s.index[only], column=col, value=s[only]))
        if padded.any():
            probs.append(P.make(f, "whitespace", "leading or trailing whitespace", FORMAT_HINT,
                                row=s.index[padded], column=col, value=s[padded]))
        bad = (u.str.contains(FORBIDDEN_CHARS).to_numpy(dtype=bool) if may_forbid else np.zeros(len(u), bool))[codes]
        if bad.any():
            probs.append(P.make(f, "forbidden-character",
                                [f"contains the invisible or control character U+{ord(FORBIDDEN_CHARS.search(v).group()):04X}" for v in s[bad]],
                                "delete the character (line breaks, tabs, NUL, zero-width and direction marks are not allowed in cells)",
                                row=s.index[bad], column=col, value=s[bad]))
        flagged = u.str.contains(TEXT_ANY).to_numpy(dtype=bool) if col in free_text else None
        if flagged is not None and flagged.any():
            suspect = s[flagged[codes]]
            for rule, pattern, message, hint in TEXT_RULES:
                hit = suspect[suspect.str.contains(pattern)]
                if len(hit):
                    probs.append(P.make(f, rule, message, hint, row=hit.index, column=col, value=hit))

    # Sort order by primary key, compared as text.
    pk = primary_key(res.schema)
    if pk and all(k in data.columns for k in pk) and len(data) > 1 and not _ascending(data[pk]):
        # Each row's place in key order; a row placed before its predecessor is out of order.
        position = pd.Series(range(len(data)), index=data.sort_values(pk, kind="stable").index).reindex(data.index)
        descends = position.diff() < 0
        if descends.any():
            probs.append(P.make(f, "sort-order", f"rows are not sorted by the primary key ({', '.join(pk)}); {int(descends.sum())} row(s) come before a row they should follow",
                                FORMAT_HINT, row=data.index[descends.to_numpy().argmax()]))

    # Canonical quoting: only when nothing more specific was found in the file's form.
    if not probs:
        if len(df) == len(lines.number):
            # One record per line. A line without a quote is canonical as it stands (its fields hold no comma,
            # quote or line break, so minimal quoting writes it back unchanged): only quoted lines are rewritten.
            rows = quoted
            canonical = df.iloc[rows, :expected].to_csv(index=False, header=False, lineterminator="\n")
            text = "\n".join(quoted_text) + "\n" if len(rows) else ""
        else:  # a quoted value spans lines: compare the whole file
            rows = None
            canonical = df.iloc[:, :expected].to_csv(index=False, header=False, lineterminator="\n")
            text = buf.decode("utf-8")
        if canonical != text:
            a, b = canonical.split("\n"), text.split("\n")
            first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            row = first + 1 if rows is None else int(rows[min(first, len(rows) - 1)]) + 1
            probs.append(P.make(f, "not-canonical", "the file is not in canonical CSV form (quoting differs from minimal quoting)",
                                FORMAT_HINT, row=row, value=b[first] if first < len(b) else None))
    return Table(res, data, probs, factorized)
