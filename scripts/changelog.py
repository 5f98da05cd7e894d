"""A data change needs a changelog line: rows changed or withdrawn since the last release must be named.

CONTRIBUTING.md: "A correction is never a silent edit." ``problems(root)`` compares the data of the
working tree at ``root`` with the last released version (its tag, or the commit that released it:
scripts/versions.py), rows matched by primary key as in scripts/diff.py, and reports each changed or
withdrawn row whose id no entry under ``## [Unreleased]`` in CHANGELOG.md names (rule
``unrecorded-change``). Rows added need no line of their own. Entries already moved into the section of
a version above the last release (by ``make release-prepare``, before the release commit) count as
unreleased too. A row with a composite key (a link table) is named by one entry that names every part
of its key. Outside a git checkout, or before the first release, there is nothing to compare with.

Usage: python -m scripts.changelog [ROOT]   (prints the problems; exit status 1 when there are any)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from . import diff, versions
from . import report as P

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG = "CHANGELOG.md"
RULE = "unrecorded-change"
HINT = ("add a line under ## [Unreleased] in CHANGELOG.md that names the row's id, the field, the old and the new value "
        "and the source that shows the error (for a withdrawn row: its id and why); a correction is never a silent edit "
        "(CONTRIBUTING.md, Corrections and versions)")
SECTION = re.compile(r"^## \[([^\]]+)\].*$", re.M)


def unreleased_entries(text: str, released: str) -> list[str]:
    """The entries (a bullet and its continuation lines) under [Unreleased] and under any section of a
    version above ``released``."""
    heads = list(SECTION.finditer(text))
    bodies = []
    for i, m in enumerate(heads):
        name = m.group(1)
        newer = versions.version_key(name) and versions.version_key(name) > versions.version_key(released)
        if name == "Unreleased" or newer:
            bodies.append(text[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(text)])
    entries = []
    for body in bodies:
        for part in re.split(r"\n(?=\s{0,3}(?:[-*+] |[0-9]+[.)] |#))", body):
            if part.strip():
                entries.append(part)
    return entries


def _named(parts: list[str], entries: list[str]) -> bool:
    patterns = [re.compile(rf"(?<![\w-]){re.escape(p)}(?![\w-])") for p in parts]
    return any(all(p.search(e) for p in patterns) for e in entries)


def problems(root: Path) -> list[pd.DataFrame]:
    """Problems (P.make frames) for each changed or withdrawn row since the last release that no unreleased
    changelog entry names; [] when root is not a git checkout or nothing was released yet."""
    root = Path(root)
    last = versions.latest(root)
    if last is None:  # not a git checkout, or no release
        return []
    try:
        text = (root / CHANGELOG).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""  # make release names a missing changelog; every change is then unrecorded
    entries = unreleased_entries(text, last.version)
    try:
        old_dp, old_tables = diff.load_tables(diff.open_version(last.commit, root))  # the release, read once
        new_dp, new_tables = diff.load_tables(diff.open_version(str(root), root))
    except diff.DiffError:
        return []  # a version that cannot be read: make validate names what is wrong with it

    out = []
    for name, new in new_tables.items():
        if name not in old_tables:
            continue
        d = diff.diff_table(old_tables[name], new)
        if not d.key:
            continue
        key, column = d.key, "/".join(d.key)
        position = new.data[key].reset_index().rename(columns={"index": "_position"})
        changed = d.changed.groupby(key, sort=False)["field"].agg(", ".join).reset_index() if len(d.changed) else None
        for kind, frame in (("changed", changed), ("withdrawn", d.withdrawn)):
            if frame is None or not len(frame):
                continue
            ids = frame[key].astype(str).agg("/".join, axis=1).tolist()
            keep = [not _named(i.split("/") if len(key) > 1 else [i], entries) for i in ids]
            frame = frame.loc[keep].reset_index(drop=True)
            ids = [i for i, k in zip(ids, keep) if k]
            if not ids:
                continue
            if kind == "changed":
                rows = frame.merge(position, on=key, how="left")["_position"].astype(int) + 2
                messages = [f"{i} changed since release {last.version} ({fields}) but no line under [Unreleased] in "
                            f"{CHANGELOG} names it" for i, fields in zip(ids, frame["field"])]
                out.append(P.make(new.path, RULE, messages, HINT, row=rows.tolist(), column=column, value=ids))
            else:
                messages = [f"{i} withdrawn since release {last.version} but no line under [Unreleased] in {CHANGELOG} "
                            "names it" for i in ids]
                out.append(P.make(new.path, RULE, messages, HINT, row=[None] * len(ids), column=column, value=ids))
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else ROOT
    found = P.concat(problems(root))
    if not len(found):
        last = versions.latest(root)
        print(f"Every row changed or withdrawn since release {last.version} is named in {CHANGELOG}." if last
              else "No release to compare with (not a git checkout, or nothing released yet).")
        return 0
    P.render(found)
    return 1


if __name__ == "__main__":
    sys.exit(main())
