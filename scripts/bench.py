"""`make bench`: time the full check against the standard `frictionless validate` on synthetic packages.

For each size (figure rows) it generates, with the project's own descriptor and schemas, a package that
is valid by construction and a variant with about 1% bad rows spread over every rule, under ``bench/``.
It then runs, as subprocesses on the same files, ``python -m scripts.validate ROOT`` and the standard
``frictionless validate ROOT/datapackage.json``, and reports wall time, rows per second and peak memory
of each, the ratio, and whether our check reports every error that frictionless reports on the bad
variant. The results are written to ``docs/benchmarks.md``.

Usage: python -m scripts.bench [--sizes 10000,100000,1000000] [--out docs/benchmarks.md] [--no-frictionless]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import package

ROOT = Path(__file__).resolve().parent.parent
VOCABULARIES = ["event_types", "measures", "qualifiers", "actor_types", "source_types", "roles",
                "date_precisions", "date_bases"]
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
SEED = 20200809
BAD_SHARE = 0.01
FAR_FUTURE = "2099-01-01"


# --------------------------------------------------------------------------------------------------
# Generation: a valid package, vectorised with numpy and pandas.
# --------------------------------------------------------------------------------------------------

def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(np.arange(n).astype("U"), width)).astype(object)


def _dates(days: np.ndarray, start: np.datetime64) -> np.ndarray:
    return (start + days.astype("timedelta64[D]")).astype("U10").astype(object)


def _counts(n: int) -> dict:
    """Rows per table for ``n`` figure rows: events n/10, sources n/20, actors n/50, two links per event."""
    events = max(n // 10, 40)
    return {"figures": n, "events": events, "sources": max(n // 20, 20), "actors": max(n // 50, 24),
            "event_sources": 2 * events, "event_actors": 2 * events}


def generate(n: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """All tables of a valid package with ``n`` figure rows, as frames of strings ("" = missing)."""
    rng = np.random.default_rng(seed)
    descriptor = json.loads((ROOT / package.DESCRIPTOR).read_text(encoding="utf-8"))
    start = np.datetime64(descriptor["temporal"]["start"])
    end = np.datetime64(descriptor["temporal"]["end"])
    span = int((end - start).astype(int))  # days after start that are still covered
    vocab = {v: pd.read_csv(ROOT / "data" / f"{v}.csv", dtype=str, keep_default_na=False) for v in VOCABULARIES}
    codes = {v: vocab[v]["code"].to_numpy(dtype=object) for v in VOCABULARIES}
    c = _counts(n)
    width = max(4, len(str(max(c.values()))))
    A, S, E = c["actors"], c["sources"], c["events"]
    act, src, evt = _ids("act-", A, width), _ids("src-", S, width), _ids("evt-", E, width)

    # Actors: every actor type used (round robin); persons have a public role.
    ai = np.arange(A)
    actor_type = codes["actor_types"][ai % len(codes["actor_types"])]
    person = actor_type == "person"
    parent = np.where((ai % 10 == 5), np.roll(act, 1), "").astype(object)
    actors = pd.DataFrame({
        "actor_id": act, "actor_type": actor_type, "name_en": np.strings.add("Actor ", ai.astype("U")).astype(object),
        "name_be": "", "name_ru": "", "alt_names": "",
        "public_role": np.where(person, "Official", "").astype(object), "parent_actor_id": parent,
        "country_code": np.where(ai % 7 == 0, "", "BY").astype(object),
        "wikidata_id": np.where(ai % 3 == 0, np.strings.add("Q", (ai + 1).astype("U")), "").astype(object),
        "source_id": src[ai % S], "note": "",
    })

    # Sources: every fifth not read (cited by the first source, which is read); every source type used.
    si = np.arange(S)
    consulted = si % 5 != 4
    published = rng.integers(0, span + 1, S)
    sources = pd.DataFrame({
        "source_id": src, "title": np.strings.add("Title of document ", si.astype("U")).astype(object),
        "publisher_actor_id": act[si % A], "author": "",
        "url": np.where(consulted, np.strings.add("https://example.org/doc/", si.astype("U")), "").astype(object),
        "published_date": _dates(published, start),
        "accessed_date": np.where(consulted, "2021-01-15", "").astype(object),
        "language": "en", "source_type": codes["source_types"][si % len(codes["source_types"])],
        "consulted": np.where(consulted, "true", "false").astype(object),
        "cited_by_source_id": np.where(consulted, "", src[0]).astype(object), "note": "",
    })
    read = np.flatnonzero(consulted)

    # Events: every type, precision and basis used; each has a note, so inferred dates are explained.
    ei = np.arange(E)
    estart = rng.integers(1, span - 1, E)
    eend = np.minimum(estart + rng.integers(0, 10, E), span)
    events = pd.DataFrame({
        "event_id": evt, "event_type": codes["event_types"][ei % len(codes["event_types"])],
        "start_date": _dates(estart, start),
        "end_date": np.where(ei % 4 == 1, "", _dates(eend, start)).astype(object),
        "date_precision": codes["date_precisions"][ei % len(codes["date_precisions"])],
        "date_basis": codes["date_bases"][ei % len(codes["date_bases"])],
        "date_note": np.strings.add("How the dates of event ", ei.astype("U")).astype(object) + " were established.",
        "place": "Minsk", "region": "", "country_code": "BY",
        "summary": np.where(ei % 2 == 0, "What happened, in event ", "What happened in event ").astype(object)
        + ei.astype("U").astype(object),
    })

    # Links: the first source of an event is one that was read; the second walks through all sources,
    # and the first actor through all actors, so every source and actor is used.
    first = read[ei % len(read)]
    second = ei % S
    es = pd.DataFrame({"event_id": np.concatenate([evt, evt]), "source_id": np.concatenate([src[first], src[second]])})
    es = es.drop_duplicates()
    roles = codes["roles"]
    ea = pd.DataFrame({
        "event_id": np.concatenate([evt, evt]),
        "actor_id": np.concatenate([act[ei % A], act[(ei + 1 + ei // A) % A]]),
        "role": np.concatenate([roles[ei % len(roles)], roles[(ei + 3) % len(roles)]]),
        "source_id": np.concatenate([src[first], src[first]]),
    }).drop_duplicates(["event_id", "actor_id", "role"])

    # Figures: bounds follow the qualifier's rules; an unattributed figure is claimed by the publisher.
    fi = np.arange(n)
    q = vocab["qualifiers"].set_index("code")
    qual = codes["qualifiers"][fi % len(codes["qualifiers"])]
    uses_n = q[["low_rule", "best_rule", "high_rule"]].apply(lambda s: s.str.startswith("n")).any(axis=1)
    stated = np.where(uses_n.reindex(qual).to_numpy(), rng.integers(1, 10_000, n), -1)
    bounds = {}
    for which in ("low", "best", "high"):
        rule = q[f"{which}_rule"].reindex(qual).to_numpy(dtype=object)
        value = np.full(n, -1)
        for r in np.unique(rule):  # a handful of distinct rules
            m = rule == r
            if r == "n" or r == "given":
                value[m] = stated[m]
            elif r.startswith(("n+", "n-")):
                value[m] = stated[m] + int(r[1:])
            elif r.isdigit():
                value[m] = int(r)
        bounds[which] = value
    fsrc = read[rng.integers(0, len(read), n)]
    attributed = fi % 3 == 0
    publisher = (fsrc % A)
    claimant = np.where(attributed, rng.integers(0, A, n), publisher)
    claim = rng.integers(3, span - 1, n)
    ref_end = claim - rng.integers(0, 3, n)
    ref_start = np.maximum(ref_end - rng.integers(0, 5, n), 0)

    def num(a):
        return np.where(a < 0, "", a.astype("U")).astype(object)

    bases = codes["date_bases"]
    figures = pd.DataFrame({
        "figure_id": _ids("fig-", n, width), "event_id": evt[rng.integers(0, E, n)], "source_id": src[fsrc],
        "measure": codes["measures"][fi % len(codes["measures"])],
        "value_text": np.strings.add("about ", np.maximum(stated, 0).astype("U")).astype(object),
        "qualifier": qual, "value_stated": num(stated),
        "value_low": num(bounds["low"]), "value_best": num(bounds["best"]), "value_high": num(bounds["high"]),
        "claimant_actor_id": act[claimant], "attributed": np.where(attributed, "true", "false").astype(object),
        "claim_date": _dates(claim, start), "claim_date_basis": bases[fi % len(bases)],
        "reference_start_date": _dates(ref_start, start), "reference_end_date": _dates(ref_end, start),
        "reference_date_basis": bases[(fi // 3) % len(bases)],
        "place": np.where(fi % 2 == 0, "Minsk", "").astype(object),
        # one note in five has a comma, so it is quoted in the CSV, as free text often is
        "note": np.where(fi % 5 == 0, "Derived from the source, for figure ", "Derived from the source for figure ").astype(object)
        + fi.astype("U").astype(object),
    })
    tables = {"events": events, "figures": figures, "actors": actors, "sources": sources,
              "event_actors": ea, "event_sources": es, **vocab}
    return {name: _sorted(name, df) for name, df in tables.items()}


def _pk(name: str) -> list[str]:
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return package.primary_key(schema)


def _sorted(name: str, df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(_pk(name), kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# The bad variant: about 1% of the rows of each table broken, at least one row per rule.
# --------------------------------------------------------------------------------------------------

@dataclass
class Corruption:
    table: str
    rule: str  # the problem our check must report (rule name of scripts.validate)
    column: str | None  # where it must be reported (None: a problem of the row)
    apply: object  # (frame, positions) -> None, edits the frame in place
    eligible: object = None  # frame -> boolean mask of rows it may apply to


def _set(**values):
    def apply(df, pos):
        for col, v in values.items():
            df.loc[pos, col] = v(df.loc[pos]) if callable(v) else v
    return apply


def _shift(column, days):
    return lambda rows: _dates(np.zeros(len(rows), int) + days, pd.to_datetime(rows[column]).to_numpy().astype("datetime64[D]"))


def _copy_previous(df, pos):
    df.loc[pos] = df.loc[pos - 1].to_numpy()


CORRUPTIONS = [
    # figures: types, Table Schema constraints, keys
    Corruption("figures", "type", "value_stated", _set(value_stated="7,000")),
    Corruption("figures", "type", "claim_date", _set(claim_date="2020-02-30")),
    Corruption("figures", "type", "attributed", _set(attributed="yes")),
    Corruption("figures", "required", "value_text", _set(value_text="")),
    Corruption("figures", "pattern", "figure_id", _set(figure_id=lambda r: r["figure_id"] + "x")),
    Corruption("figures", "maxLength", "value_text", _set(value_text="x" * 201)),
    Corruption("figures", "minimum", "value_low", _set(value_stated="-5", value_low="-5", value_best="-5", value_high="-5"),
               lambda df: df["qualifier"] == "exact"),
    Corruption("figures", "foreign-key", "event_id", _set(event_id="evt-99999999")),
    Corruption("figures", "foreign-key", "measure", _set(measure="unknown_measure")),
    Corruption("figures", "primary-key", "figure_id", _copy_previous, lambda df: df.index > 0),
    # figures: cross-field and cross-table rules
    Corruption("figures", "bounds-order", "value_low", _set(value_low="9", value_best="9", value_high="8", value_stated="9"),
               lambda df: df["qualifier"] == "exact"),
    Corruption("figures", "bounds-qualifier", "value_low", _set(value_low=lambda r: r["value_stated"]),
               lambda df: df["qualifier"] == "more_than"),
    Corruption("figures", "stated-value", "value_stated", _set(value_stated="100"),
               lambda df: df["qualifier"] == "magnitude_hundreds"),
    Corruption("figures", "stated-not-in-wording", "value_stated", _set(value_text="about 99999999999"),
               lambda df: df["value_stated"] != ""),
    Corruption("figures", "reference-order", "reference_end_date",
               _set(reference_start_date=lambda r: r["claim_date"], reference_end_date=_shift("claim_date", -1))),
    Corruption("figures", "reference-after-claim", "reference_end_date", _set(reference_end_date=_shift("claim_date", 1))),
    Corruption("figures", "claimant-publisher", "claimant_actor_id", None,  # another actor is set below
               lambda df: df["attributed"] == "false"),
    Corruption("figures", "source-not-consulted", "source_id", None),  # a source not read is set below
    Corruption("figures", "note-required", "note", _set(claim_date_basis="inferred", note="")),
    Corruption("figures", "outside-coverage", "reference_start_date", _set(reference_start_date="2019-08-01")),
    Corruption("figures", "future-date", "claim_date", _set(claim_date=FAR_FUTURE)),
    # figures: the form of the file
    Corruption("figures", "whitespace", "place", _set(place=" Minsk")),
    Corruption("figures", "whitespace-only", "place", _set(place="   ")),
    Corruption("figures", "forbidden-character", "note", _set(note=lambda r: r["note"] + "\u200b")),
    Corruption("figures", "blank-row", None, None),
    Corruption("figures", "ragged-row", None, None),
    # events
    Corruption("events", "end-before-start", "end_date", _set(end_date=_shift("start_date", -1))),
    Corruption("events", "outside-coverage", "start_date", _set(start_date="2020-08-01")),
    Corruption("events", "note-required", "date_note", _set(date_basis="inferred", date_note="")),
    Corruption("events", "unsourced", "event_id", None),  # its links are dropped below
    Corruption("events", "type", "start_date", _set(start_date="2020-13-01")),
    Corruption("events", "required", "summary", _set(summary="")),
    Corruption("events", "pattern", "country_code", _set(country_code="by")),
    Corruption("events", "maxLength", "summary", _set(summary="x" * 2001)),
    Corruption("events", "foreign-key", "event_type", _set(event_type="riot")),
    Corruption("events", "formula-injection", "summary", _set(summary="=1+1")),
    Corruption("events", "markup", "summary", _set(summary="A <b>bold</b> claim")),
    Corruption("events", "personal-data", "summary", _set(summary="Write to someone@example.org")),
    # sources
    Corruption("sources", "accessed-before-published", "accessed_date", _set(accessed_date=_shift("published_date", -1)),
               lambda df: df["consulted"] == "true"),
    Corruption("sources", "consulted-needs-url", "url", _set(url=""), lambda df: df["consulted"] == "true"),
    Corruption("sources", "consulted-needs-access-date", "accessed_date", _set(accessed_date=""),
               lambda df: df["consulted"] == "true"),
    Corruption("sources", "cited-by-required", "cited_by_source_id", _set(cited_by_source_id=""),
               lambda df: df["consulted"] == "false"),
    Corruption("sources", "pattern", "url", _set(url="ftp://example.org/doc"), lambda df: df["consulted"] == "true"),
    Corruption("sources", "future-date", "accessed_date", _set(accessed_date=FAR_FUTURE), lambda df: df["consulted"] == "true"),
    Corruption("sources", "type", "consulted", _set(consulted="yes"), lambda df: df["consulted"] == "true"),
    # actors
    Corruption("actors", "person-without-public-role", "public_role", _set(public_role=""),
               lambda df: df["actor_type"] == "person"),
    Corruption("actors", "pattern", "wikidata_id", _set(wikidata_id="12345")),
    Corruption("actors", "foreign-key", "parent_actor_id", _set(parent_actor_id="act-99999999")),
    # links
    Corruption("event_sources", "foreign-key", "source_id", _set(source_id="src-99999999")),
    Corruption("event_sources", "primary-key", "event_id", _copy_previous, lambda df: df.index > 0),
    Corruption("event_actors", "foreign-key", "role", _set(role="unknown_role")),
    Corruption("event_actors", "primary-key", "event_id", _copy_previous, lambda df: df.index > 0),
    # entries nobody references (appended rows), and rows out of order
    Corruption("actors", "unused", "actor_id", None),
    Corruption("sources", "unused", "source_id", None),
    Corruption("roles", "unused", "code", None),
    Corruption("figures", "sort-order", None, None),
]


def corrupt(tables: dict, seed: int = SEED):
    """Break about 1% of the rows of each table, each broken row by one rule.

    Returns the tables, the text edits (blank and ragged rows, inserted when writing), and the
    expected problems as a frame of (file, position, column, rule), position being the 0-based row
    of the frame (file rows are computed when writing).
    """
    rng = np.random.default_rng(seed + 1)
    clean = tables
    tables = {k: v.copy() for k, v in tables.items()}
    expected, text_edits = [], {}
    taken = {name: np.zeros(len(df), bool) for name, df in tables.items()}
    per_table = pd.Series([c.table for c in CORRUPTIONS]).value_counts()
    unread = tables["sources"].loc[tables["sources"]["consulted"] == "false", "source_id"].iloc[0]

    def pick(name, k, mask=None, pairs=False):
        df = tables[name]
        ok = ~taken[name] & (np.ones(len(df), bool) if mask is None else np.asarray(mask, bool))
        ok[0] = False  # keep the first row intact: duplicates and swaps look at the previous row
        if pairs:  # a row and the one after it, both untouched
            ok[:-1] &= ok[1:]
            ok[-1] = False
        cand = np.flatnonzero(ok)
        chosen = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        chosen = chosen[np.concatenate([[True], np.diff(chosen) > 3])]  # broken rows stay apart
        # the rows around a broken row stay untouched: a duplicate stays a duplicate, a swap a swap
        for d in (-1, 0, 1, 2 if pairs else 1):
            taken[name][np.clip(chosen + d, 0, len(df) - 1)] = True
        return chosen

    for c in CORRUPTIONS:
        df = tables[c.table]
        k = max(1, int(round(BAD_SHARE * len(df) / per_table[c.table])))
        if c.rule == "unused":
            width = len(df.iloc[-1, 0]) - 4
            key = df.columns[0]
            if c.table == "roles":
                new = pd.DataFrame({"code": ["zz_unused"], "label": ["Unused"], "definition": ["An entry no row uses."]})
            else:
                new = clean[c.table].iloc[np.arange(k) % len(clean[c.table])].copy()
                new[key] = _ids(df.iloc[-1, 0][:4], len(df) + k, width)[len(df):]
                if c.table == "sources":  # make sure nothing references the new rows
                    new["cited_by_source_id"] = np.where(new["consulted"] == "false", tables["sources"].iloc[0, 0], "")
                if c.table == "actors":
                    new["parent_actor_id"] = ""
            pos = np.arange(len(df), len(df) + len(new))
            tables[c.table] = df = pd.concat([df, new], ignore_index=True)
            taken[c.table] = np.concatenate([taken[c.table], np.ones(len(new), bool)])
        elif c.rule == "sort-order":
            pos = pick(c.table, 1, pairs=True)[:1]
            df.loc[[pos[0], pos[0] + 1]] = df.loc[[pos[0] + 1, pos[0]]].to_numpy()
            pos = pos + 1  # the first row that comes before a row it should follow
        elif c.rule == "unsourced":
            pos = pick(c.table, k)
            es = tables["event_sources"]
            drop = es["event_id"].isin(df.loc[pos, "event_id"])
            tables["event_sources"] = es.loc[~drop].reset_index(drop=True)
            taken["event_sources"] = taken["event_sources"][~drop.to_numpy()]
        elif c.rule in ("blank-row", "ragged-row"):
            pos = pick(c.table, k)
            text_edits.setdefault(c.table, []).append((c.rule, pos))
        else:
            mask = c.eligible(df) if c.eligible is not None else None
            pos = pick(c.table, k, mask)
            if c.rule == "source-not-consulted":
                df.loc[pos, "source_id"] = unread
                df.loc[pos, "attributed"] = "true"
            elif c.rule == "claimant-publisher":
                a0, a1 = clean["actors"]["actor_id"].iloc[:2]
                df.loc[pos, "claimant_actor_id"] = np.where(df.loc[pos, "claimant_actor_id"] == a0, a1, a0)
            else:
                c.apply(df, pos)
        expected.append(pd.DataFrame({"table": c.table, "position": pos, "column": c.column, "rule": c.rule}))
    return tables, text_edits, pd.concat(expected, ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Writing a package
# --------------------------------------------------------------------------------------------------

def write_package(root: Path, tables: dict, text_edits: dict | None = None, expected: pd.DataFrame | None = None):
    """Write descriptor, schemas and canonical CSVs; apply text edits; return expected problems with file rows."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / package.DESCRIPTOR, root / package.DESCRIPTOR)
    shutil.copytree(ROOT / "schemas", root / "schemas")
    text_edits = text_edits or {}
    shift = {}
    for name, df in tables.items():
        text = df.to_csv(index=False, lineterminator="\n")
        edits = text_edits.get(name)
        if edits:
            lines = np.array(text[:-1].split("\n"), dtype=object)  # lines[p + 1] is frame row p
            for rule, pos in edits:
                if rule == "ragged-row":
                    lines[pos + 1] = lines[pos + 1] + ",extra"
            blanks = np.concatenate([pos for rule, pos in edits if rule == "blank-row"] or [np.array([], int)])
            # a blank line is inserted before each chosen row: it becomes the row the blank takes
            lines = np.insert(lines, blanks + 1, "")
            text = "\n".join(lines) + "\n"
            shift[name] = np.sort(blanks)
        (root / "data" / f"{name}.csv").write_bytes(text.encode("utf-8"))
    if expected is None:
        return None
    out = expected.copy()
    out["file"] = "data/" + out["table"] + ".csv"
    row = out["position"].to_numpy() + 2
    for name, blanks in shift.items():
        mine = (out["table"] == name).to_numpy()
        before = np.searchsorted(blanks, out.loc[mine, "position"].to_numpy(), side="right")
        row[mine] += before
        # the blank row itself is the row reported, one above the moved data row
        is_blank = mine & (out["rule"] == "blank-row").to_numpy()
        row[is_blank] -= 1
    out["row"] = row
    return out[["file", "row", "column", "rule"]]


def build(root: Path, n: int, bad: bool) -> pd.DataFrame | None:
    root = Path(root)
    tables = generate(n)
    if not bad:
        write_package(root, tables)
        return None
    tables, edits, expected = corrupt(tables)
    expected = write_package(root, tables, edits, expected)
    expected.to_csv(root / "expected-problems.csv", index=False)
    return expected


# --------------------------------------------------------------------------------------------------
# Running and measuring
# --------------------------------------------------------------------------------------------------

TIME = Path("/usr/bin/time")


@dataclass
class Run:
    tool: str
    variant: str
    size: int
    rows: int
    wall: float  # seconds
    peak_mb: float  # maximum resident set size of the process, MiB
    status: int
    problems: int | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall if self.wall else float("nan")


def measure(cmd: list[str], stdout: Path, cwd: Path = ROOT) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak resident memory in MiB, exit status)."""
    with open(stdout, "wb") as out:
        if TIME.exists():  # GNU time -v: the child's maximum resident set size
            with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
                t0 = time.perf_counter()
                proc = subprocess.run([str(TIME), "-v", "-o", tf.name, *cmd], stdout=out, stderr=subprocess.PIPE, cwd=cwd)
                wall = time.perf_counter() - t0
                report = Path(tf.name).read_text()
            kb = next((int(line.split(":")[1]) for line in report.splitlines() if "Maximum resident set size" in line), 0)
            return wall, kb / 1024, proc.returncode
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)  # the rusage of this one child
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        return wall, usage.ru_maxrss / 1024, proc.returncode


def frictionless_cli() -> list[str]:
    exe = Path(sys.executable).parent / "frictionless"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "frictionless"]


def data_rows(root: Path) -> int:
    """Data rows of every table (lines after the header, blank lines included)."""
    return sum(p.read_bytes().count(b"\n") - 1 for p in (root / "data").glob("*.csv"))


def run_ours(root: Path, size: int, variant: str, work: Path) -> tuple[Run, pd.DataFrame]:
    csv = work / f"ours-{variant}-{size}.csv"
    wall, peak, status = measure([sys.executable, "-m", "scripts.validate", str(root), "--csv", str(csv)],
                                 work / f"ours-{variant}-{size}.txt")
    problems = pd.read_csv(csv, dtype={"row": "Int64"}, keep_default_na=False, na_values={"row": [""]}) \
        if csv.exists() else pd.DataFrame(columns=["file", "row", "column", "rule"])
    return Run("scripts.validate", variant, size, data_rows(root), wall, peak, status, len(problems)), problems


def run_frictionless(root: Path, size: int, variant: str, work: Path) -> tuple[Run, pd.DataFrame | None]:
    """The standard validator. On the bad variant it reports every error (--limit-errors 0) as JSON."""
    out = work / f"frictionless-{variant}-{size}.{'json' if variant == 'bad' else 'txt'}"
    extra = ["--json", "--limit-errors", "0"] if variant == "bad" else []
    wall, peak, status = measure([*frictionless_cli(), "validate", *extra, str(root / package.DESCRIPTOR)], out)
    errors = None
    if variant == "bad":
        errors = frictionless_errors(json.loads(out.read_text(encoding="utf-8")))
    return Run("frictionless validate", variant, size, data_rows(root), wall, peak, status,
               None if errors is None else len(errors)), errors


def frictionless_errors(report: dict) -> pd.DataFrame:
    """Every error of a frictionless JSON report as (file, row, field, type)."""
    rows = []
    for task in report.get("tasks", []):
        place = task.get("place") or task.get("name")
        for err in task.get("errors", []):
            rows.append((place, err.get("rowNumber"), err.get("fieldName") or None, err.get("type")))
    for err in report.get("errors", []):
        rows.append((package.DESCRIPTOR, err.get("rowNumber"), err.get("fieldName") or None, err.get("type")))
    return pd.DataFrame(rows, columns=["file", "row", "field", "type"]).astype({"row": "Int64"})


def compare(theirs: pd.DataFrame, ours: pd.DataFrame) -> pd.DataFrame:
    """Each frictionless error with whether our check reports it.

    A cell error (file, row, field) is covered by our problem at the same cell, or by a problem of the
    whole row (no column, e.g. ragged-row). A row error (primary or foreign key, blank row) is covered
    by any problem of ours on that row; an error without a row by any problem of ours in that file.
    """
    ours = ours.copy()
    ours["column"] = ours["column"].fillna("").astype(str)
    cells = set(zip(ours["file"], ours["row"], ours["column"]))
    rows = set(zip(ours["file"], ours["row"]))
    whole_rows = set(zip(ours.loc[ours["column"] == "", "file"], ours.loc[ours["column"] == "", "row"]))
    files = set(ours["file"])
    out = theirs.copy()
    key_rows = list(zip(out["file"], out["row"]))
    key_cells = list(zip(out["file"], out["row"], out["field"].fillna("")))
    has_row, has_field = out["row"].notna().to_numpy(), out["field"].notna().to_numpy()
    out["covered"] = np.where(
        ~has_row, out["file"].isin(files),
        np.where(has_field, pd.Series(key_cells).isin(cells).to_numpy() | pd.Series(key_rows).isin(whole_rows).to_numpy(),
                 pd.Series(key_rows).isin(rows).to_numpy()))
    return out


def expected_found(expected: pd.DataFrame, ours: pd.DataFrame) -> pd.DataFrame:
    """Each intended problem of the bad variant with whether our check reports it (same file, row, rule, column)."""
    found = set(zip(ours["file"], ours["row"], ours["rule"], ours["column"].fillna("").astype(str)))
    exp = expected.copy()
    exp["found"] = pd.Series(list(zip(exp["file"], exp["row"], exp["rule"], exp["column"].fillna("").astype(str)))).isin(found).to_numpy()
    return exp


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown") if Path("/proc/cpuinfo").exists() else platform.processor()
    mem = next((int(line.split()[1]) / 1024 ** 2 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), float("nan")) if Path("/proc/meminfo").exists() else float("nan")
    from importlib.metadata import version
    libs = ", ".join(f"{p} {version(p)}" for p in ("pandas", "numpy", "pandera", "frictionless"))
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB memory; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {libs}")


def render(runs: list[Run], checks: list[dict], command: str, sizes: list[int]) -> str:
    ours = {(r.variant, r.size): r for r in runs if r.tool == "scripts.validate"}
    theirs = {(r.variant, r.size): r for r in runs if r.tool != "scripts.validate"}
    lines = [
        "# Benchmarks: `make validate` against `frictionless validate`",
        "",
        "Generated by `make bench` (`python -m scripts.bench`); do not edit by hand. Synthetic packages are",
        "built with the project's own descriptor and schemas (vocabularies copied from `data/`): `clean` is",
        "valid by construction, `bad` has about 1% of the rows of each table broken, spread over every rule",
        "(at least one row per rule). Each tool runs as a separate process on the same files; the time is",
        "wall-clock time of the whole process (start-up included) and the memory its peak resident set size.",
        "Rows are the data rows of all 14 tables. How the check is built to scale, and what running it on",
        "pandera's polars or pyspark backends would take: [`scaling.md`](scaling.md).",
        "",
        f"- Command: `{command}`",
        f"- Date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        "- Full check: `python -m scripts.validate ROOT --csv FILE` (descriptor, file form, types, constraints,",
        "  primary and foreign keys, cross-field and cross-table rules).",
        "- Standard: `frictionless validate ROOT/datapackage.json` (on `bad`: with `--json --limit-errors 0`,",
        "  so that it reads every row and lists every error, which the comparison needs).",
        "",
        "| figure rows | all rows | variant | tool | wall time (s) | rows/s | peak memory (MiB) | exit | problems/errors |",
        "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in sorted(runs, key=lambda r: (r.size, r.variant != "clean", r.tool != "scripts.validate")):
        lines.append(f"| {r.size:,} | {r.rows:,} | {r.variant} | {r.tool} | {r.wall:.2f} | {r.rows_per_s:,.0f} | "
                     f"{r.peak_mb:,.0f} | {r.status} | {'' if r.problems is None else f'{r.problems:,}'} |")
    lines += ["", "## Ratios", "",
              "| figure rows | frictionless / ours (clean) | frictionless / ours (bad) | ours bad / clean | ours time vs previous size |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    prev = None
    for s in sizes:
        c, b = ours.get(("clean", s)), ours.get(("bad", s))
        fc, fb = theirs.get(("clean", s)), theirs.get(("bad", s))
        speed_c = f"{fc.wall / c.wall:.1f}x" if c and fc else "n/a"
        speed_b = f"{fb.wall / b.wall:.1f}x" if b and fb else "n/a"
        slow = f"{b.wall / c.wall:.2f}x" if b and c else "n/a"
        scale = f"{c.wall / prev.wall:.1f}x time for {c.rows / prev.rows:.1f}x rows" if prev and c else ""
        lines.append(f"| {s:,} | {speed_c} | {speed_b} | {slow} | {scale} |")
        prev = c or prev
    lines += ["", "## Errors found: frictionless against ours (bad variant)", "",
              "| figure rows | frictionless errors | covered by ours | not covered | intended problems found by ours |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for chk in checks:
        lines.append(f"| {chk['size']:,} | {chk['theirs']:,} | {chk['covered']:,} | {chk['missed']:,} | "
                     f"{chk['expected_found']:,} of {chk['expected']:,} |")
        for m in chk["missed_examples"]:
            lines.append(f"|  | not covered: `{m}` | | | |")
    by_type = pd.concat([c["by_type"] for c in checks], ignore_index=True) if checks else None
    if by_type is not None and len(by_type):
        lines += ["", "Frictionless error types on the bad variant (largest size), all covered by a problem of ours on the same",
                  "cell, or on the same row for row errors:", ""]
        last = checks[-1]["by_type"]
        lines.append(", ".join(f"`{t}` {n:,}" for t, n in last.items()))
    lines += ["", "## Targets", ""] + targets(runs, checks, sizes)
    return "\n".join(lines) + "\n"


def targets(runs, checks, sizes) -> list[str]:
    ours = {(r.variant, r.size): r for r in runs if r.tool == "scripts.validate"}
    theirs = {(r.variant, r.size): r for r in runs if r.tool != "scripts.validate"}
    big = max(sizes)
    out = []

    def line(ok, text):
        out.append(f"- {'met' if ok else 'NOT met'}: {text}")
    c, fc, b = ours.get(("clean", big)), theirs.get(("clean", big)), ours.get(("bad", big))
    note = "" if big >= 1_000_000 else " (the target is set for 1,000,000 figure rows; start-up time dominates small sizes)"
    if c and fc:
        line(fc.wall / c.wall >= 10, f"at {big:,} figure rows the full check is at least 10x faster than frictionless "
             f"({fc.wall:.1f} s / {c.wall:.1f} s = {fc.wall / c.wall:.1f}x){note}")
    if checks:
        missed = sum(ch["missed"] for ch in checks)
        line(missed == 0, f"every error frictionless reports on the bad variant is among ours ({missed} not covered)")
    if c and b:
        line(b.wall <= 2 * c.wall, f"with 1% bad rows no more than 2x slower than clean ({b.wall / c.wall:.2f}x)")
    peak = max((r.peak_mb for r in ours.values()), default=0)
    line(peak * 2 ** 20 < 1e9, f"peak memory under 1 GB, 10^9 bytes (largest: {peak:,.0f} MiB = {peak * 2 ** 20 / 1e6:,.0f} MB)")
    for a, z in zip(sizes, sizes[1:]):
        ra, rz = ours.get(("clean", a)), ours.get(("clean", z))
        if ra and rz and z == 10 * a:
            line(rz.wall < 12 * ra.wall, f"ten times the rows ({a:,} -> {z:,}) costs less than twelve times the time "
                 f"({rz.wall / ra.wall:.1f}x)")
    return out


def bench(sizes: list[int], out: Path | None, workdir: Path, with_frictionless: bool = True, command: str = "") -> dict:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    runs, checks = [], []
    for size in sizes:
        for variant in ("clean", "bad"):
            root = workdir / f"{variant}-{size}"
            t0 = time.perf_counter()
            expected = build(root, size, bad=variant == "bad")
            print(f"generated {root} ({data_rows(root):,} rows) in {time.perf_counter() - t0:.1f} s", flush=True)
            run, problems = run_ours(root, size, variant, workdir)
            runs.append(run)
            print(f"  scripts.validate: {run.wall:.2f} s, {run.peak_mb:,.0f} MiB, {run.problems:,} problem(s), exit {run.status}", flush=True)
            if with_frictionless:
                frun, errors = run_frictionless(root, size, variant, workdir)
                runs.append(frun)
                print(f"  frictionless validate: {frun.wall:.2f} s, {frun.peak_mb:,.0f} MiB, exit {frun.status}", flush=True)
            if variant == "bad":
                found = expected_found(expected, problems)
                chk = {"size": size, "expected": len(found), "expected_found": int(found["found"].sum()),
                       "missing_expected": found.loc[~found["found"]], "theirs": 0, "covered": 0, "missed": 0,
                       "missed_examples": [], "by_type": pd.Series(dtype=int)}
                if with_frictionless:
                    cmp = compare(errors, problems)
                    chk.update(theirs=len(cmp), covered=int(cmp["covered"].sum()), missed=int((~cmp["covered"]).sum()),
                               missed_examples=[tuple(x) for x in cmp.loc[~cmp["covered"], ["file", "row", "field", "type"]].head(10).itertuples(index=False)],
                               by_type=cmp["type"].value_counts(), comparison=cmp)
                checks.append(chk)
                print(f"  intended problems found: {chk['expected_found']} of {chk['expected']}; "
                      f"frictionless errors covered: {chk['covered']} of {chk['theirs']}", flush=True)
    text = render(runs, checks, command, sizes)
    (workdir / "results.json").write_text(json.dumps(
        {"command": command, "sizes": sizes,
         "runs": [{**r.__dict__, "rows_per_s": r.rows_per_s} for r in runs],
         "checks": [{k: v for k, v in c.items() if k in ("size", "expected", "expected_found", "theirs", "covered", "missed")}
                    for c in checks]}, indent=1), encoding="utf-8")
    if out is not None:
        Path(out).write_text(text, encoding="utf-8")
    return {"runs": runs, "checks": checks, "text": text}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated figure row counts (default: %(default)s)")
    parser.add_argument("--out", default="docs/benchmarks.md", help="where to write the report ('-' for stdout only)")
    parser.add_argument("--workdir", default="bench", help="where the generated packages go (default: bench/, not versioned)")
    parser.add_argument("--no-frictionless", action="store_true", help="time only our check")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    command = "python -m scripts.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    result = bench(sizes, None if args.out == "-" else ROOT / args.out, ROOT / args.workdir,
                   with_frictionless=not args.no_frictionless, command=command.strip())
    print(result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
