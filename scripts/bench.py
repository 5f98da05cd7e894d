"""`make bench`: time the full check against the standard `frictionless validate` on generated packages.

For each size (figure rows) it builds a package from the rule fixtures' package (``tests/fixtures/data``,
the founding article's rows): the vocabularies as they are, and the other tables copied many times over, every id renamed per copy (the key and foreign-key columns come
from the package model, ``descriptor``), so that each copy is as valid as the real package. Long free text
(fields whose values in the real data run to 40 characters or more) is replaced by realistic text: 50 to
400 characters, nearly all distinct, mostly Cyrillic, with commas and quotes; every source gets its own
URL. The ``bad`` variant breaks about 1% of the rows with the cell edits of the rule fixtures in
``tests/test_validate.py`` (every rule has one), so a new rule with a fixture is benched with no edit here,
and the problems each edit must give come from the fixture. It then runs, as subprocesses on the same
files, ``python -m scripts.validate ROOT`` and the standard ``frictionless validate``, and reports wall
time, rows per second and peak memory of each, the ratio, and whether our check reports every intended
problem and every error that frictionless reports. The results are written to ``docs/benchmarks.md``.

Usage: python -m scripts.bench [--sizes 10000,100000,1000000] [--out docs/benchmarks.md] [--no-frictionless]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import descriptor, reading

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "tests" / "fixtures"  # the rule fixtures' package (its data/): the rows their cell edits name
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
SEED = 20200809
FIGURE_COPIES = 4  # each copy of the real package holds this many copies of its figures: about 2.6 rows per figure
BAD_SHARE = 0.01  # of the rows are broken by the fixtures' cell edits
LONG = 40  # free text this long in the real data is replaced by generated text
ID = re.compile(r"^(.*?)([0-9]+)$")
WORDS = ("задержаны протестующих милиция сообщили около тысяч человек Минске акции участники правозащитники Вясна "
         "задержания районе улице центре города вечером ночью пресс-служба МВД заявили журналистов пострадавших "
         "затрыманыя пратэстоўцы сведчанні гвалт ізалятар police said protesters detained according statement "
         "officials reported centre").split()


# --------------------------------------------------------------------------------------------------
# Generation: the real package, copied and renamed, vectorised with numpy and pandas.
# --------------------------------------------------------------------------------------------------

def _text(n: int, rng: np.random.Generator, limit: int) -> np.ndarray:
    """``n`` texts of 50 to 400 characters: a pool of sentences combined so that nearly all are distinct."""
    pool = []
    for _ in range(2000):
        words = rng.choice(WORDS, size=int(rng.integers(3, 17)))
        sentence = " ".join(words)
        if rng.random() < 0.4:
            sentence = sentence.replace(" ", ", ", 1)
        if rng.random() < 0.3:
            sentence = f'{sentence} "{words[0]}"'
        pool.append(sentence.capitalize() + ".")
    pool = np.array(pool, dtype=object)
    a, b = rng.integers(0, len(pool), n), rng.integers(0, len(pool), n)
    out = pd.Series(pool[a]) + " " + pd.Series(pool[b])
    return out.str.slice(0, min(400, limit)).str.strip().to_numpy()


def generate(n: int, seed: int = SEED) -> tuple[dict, dict, set]:
    """The tables of a valid package with about ``n`` figure rows; for each copied table the (copy,
    sub-copy) of each row with its row in the real table; and the (table, column) pairs holding ids."""
    rng = np.random.default_rng(seed)
    package, _ = descriptor.load(ROOT, standard=False)
    real = {r.name: reading.read(BASE, r).text.to_pandas() for r in package.resources}
    figures_per_copy = len(real["figures"]) * FIGURE_COPIES
    copies = max(1, -(-n // figures_per_copy))
    entity = {r.name for r in package.resources if not r.is_vocabulary}
    ids = {(r.name, r.primary_key[0]) for r in package.resources if r.name in entity and len(r.primary_key) == 1}
    id_columns = ids | {(r.name, fk.fields[0]) for r in package.resources for fk in r.foreign_keys
                        if len(fk.fields) == 1 and (fk.resource, fk.reference_fields[0]) in ids}
    tables, origin = {}, {}
    for res in package.resources:
        df = real[res.name]
        if res.name not in entity:
            tables[res.name] = df
            continue
        subs = FIGURE_COPIES if res.name == "figures" else 1
        k = np.repeat(np.arange(copies), subs * len(df))
        j = np.tile(np.repeat(np.arange(subs), len(df)), copies)
        at = np.tile(np.arange(len(df)), copies * subs)
        big = df.iloc[at].reset_index(drop=True)
        for name in big.columns:
            fd = res.field(name)
            if (res.name, name) in id_columns:
                big[name] = rename(big[name], k, j if (res.name, name) in ids else 0)
            elif fd.free_text and df[name].str.len().max() >= LONG:
                long = df[name].str.len().to_numpy()[at] >= LONG
                big.loc[long, name] = _text(int(long.sum()), rng, fd.constraints.get("maxLength", 400))
            elif fd.format == "uri":
                big[name] = big[name].where(big[name] == "", big[name] + "/" + pd.Series(k).astype(str))
        order = big.sort_values(res.primary_key, kind="stable").index
        tables[res.name] = big.loc[order].reset_index(drop=True)
        origin[res.name] = pd.DataFrame({"copy": k[order], "sub": j[order], "row": at[order] + 2})
    return tables, origin, id_columns


def rename(values: pd.Series, k: np.ndarray, j) -> pd.Series:
    """``evt-0003`` of copy 12 (sub-copy 0) becomes ``evt-000012000003``: the same prefix, still matching
    the schema's pattern, and sorted copy by copy in the order of the real table."""
    parts = values.str.extract(ID)
    copy = pd.Series(k).astype(str).str.zfill(6) + pd.Series(np.broadcast_to(j, len(k))).astype(str).str.zfill(2)
    out = parts[0] + copy + parts[1]
    return out.where(parts[1].notna(), values)


def fixtures() -> list:
    """(id, cell edits, expected problems) of every rule fixture made of cell edits only."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import CellEdit, CellEdits
    from tests.test_validate import CASES, CONTRIBUTOR_CASES
    out = []
    for case in CASES + CONTRIBUTOR_CASES:
        mutations, expected, _ = case.values
        edits = [e for m in mutations for e in (m if isinstance(m, CellEdits) else [m])]
        if edits and all(isinstance(e, CellEdit) for e in edits):
            out.append((case.id, edits, expected))
    return out


def corrupt(tables: dict, origin: dict, id_columns: set, seed: int = SEED) -> pd.DataFrame:
    """Apply the fixtures' cell edits to about ``BAD_SHARE`` of the rows, in place; return the problems they
    must give, at the rows of the copies. Only fixtures that edit
    and expect rows of the copied tables apply (a vocabulary is shared by every copy)."""
    rng = np.random.default_rng(seed)
    paths = {f"data/{name}.csv": name for name in origin}
    cases = [c for c in fixtures() if all(e.table in origin for e in c[1]) and all(f in paths and r for f, r, _, _ in c[2])]
    package, _ = descriptor.load(ROOT, standard=False)  # once, not once per table
    real = {name: reading.read(BASE, package.resource(name)).text.to_pandas() for name in origin}
    copies = int(origin["figures"]["copy"].max()) + 1
    # About BAD_SHARE of the rows are broken: fixtures are placed in turn, each in the next copy (from a
    # shuffled order) where no fixture placed before it edits or expects the same rows, so that a small
    # package packs several fixtures into one copy and a large one spreads them out.
    rows_total = sum(len(t) for t in tables.values())
    order = rng.permutation(copies)
    taken: dict = {}
    placed = []
    for i in range(max(len(cases), int(rows_total * BAD_SHARE / 2))):
        _, edits, want = cases[i % len(cases)]
        rows = {(e.table, e.key) for e in edits} | {(f, r) for f, r, _, _ in want}
        for step in range(copies):
            k = int(order[(i + step) % copies])
            if not rows & taken.get(k, set()):
                taken.setdefault(k, set()).update(rows)
                placed.append((k, edits, want))
                break
    def position(table, k, row):
        """Where row ``row`` of the fixture table lies in copy ``k`` (its first sub-copy): the copies are sorted
        copy by copy, each in the order of the fixture table (see ``rename``)."""
        n, subs = len(real[table]), FIGURE_COPIES if table == "figures" else 1
        return np.array([k * subs * n + row - 2])

    expected = []
    for k, edits, want in placed:
        for e in edits:
            key = real[e.table].columns[0]
            row = int(np.flatnonzero(real[e.table][key] == e.key)[0]) + 2
            at = position(e.table, k, row)
            value = [e.value] * len(at)
            if (e.table, e.column) in id_columns:  # an id of the real package means the same row of this copy
                value = list(rename(pd.Series(value, dtype="str"), np.full(len(at), k), 0))
            tables[e.table].iloc[at, tables[e.table].columns.get_loc(e.column)] = value
        for file, row, column, rule in want:
            expected += [(file, int(a) + 2, column, rule, k) for a in position(paths[file], k, row)]
    return pd.DataFrame(expected, columns=["file", "row", "column", "rule", "copy"]).astype({"row": "Int64"})


def build(root: Path, n: int, bad: bool) -> pd.DataFrame | None:
    """Write the generated package (and for ``bad``, its expected problems) under ``root``."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / descriptor.DESCRIPTOR, root / descriptor.DESCRIPTOR)
    shutil.copytree(ROOT / "schemas", root / "schemas")
    tables, origin, id_columns = generate(n)
    expected = corrupt(tables, origin, id_columns) if bad else None
    for name, df in tables.items():
        df.to_csv(root / "data" / f"{name}.csv", index=False, lineterminator="\n")
    if expected is not None:
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
    wall, peak, status = measure([*frictionless_cli(), "validate", *extra, str(root / descriptor.DESCRIPTOR)], out)
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
        rows.append((descriptor.DESCRIPTOR, err.get("rowNumber"), err.get("fieldName") or None, err.get("type")))
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
        "built with the project's own descriptor and schemas from the rule fixtures' package (copies with ids",
        "renamed, realistic free text): `clean` is valid by construction, `bad` has about 1% of its rows broken",
        "by the fixtures' cell edits. Each tool runs as a separate process on the same files; the time is",
        "wall-clock time of the whole process (start-up included) and the memory its peak resident set size.",
        "Rows are the data rows of all tables. How the check is built: [`architecture.md`](architecture.md).",
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
        line(fc.wall / c.wall >= 8, f"at {big:,} figure rows the full check is at least 8x faster than frictionless "
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
