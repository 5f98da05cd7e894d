"""`make diff OLD=... NEW=...`: the record-level change log between two versions of the package.

OLD and NEW are each a released version (``0.1.0`` or ``v0.1.0``: its tag when there is one, else the
commit that released it, found from the version history in git; see scripts/versions.py), a git tag
or commit of this repository (files read with `git show REV:path`), a release zip (`dist/belarus-crackdown-2020-vX.Y.Z.zip`) or a folder holding a datapackage.json (`.` is
the working tree). Tables are matched by resource name; rows by the primary key in NEW's schema (OLD's
when NEW's key fields are not in both versions). For each table it lists the rows added, the rows
withdrawn, and for each changed row the fields that changed with their old and new values; fields and
tables added, removed or retyped are listed too. Values are compared as written in the CSV files.

Usage: python -m scripts.diff OLD NEW [--repo DIR] [--csv FILE]

Prints markdown; --csv also writes one line per change. Exit status 0 (whether or not anything
changed), 2 when a version cannot be read or on bad usage.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import pandas as pd

from . import versions
from .descriptor import DESCRIPTOR, primary_key

ROOT = Path(__file__).resolve().parent.parent
CSV_COLUMNS = ["table", "change", "key", "field", "old", "new"]


class DiffError(Exception):
    """A version cannot be read: the message is one line naming the version, the file and what to do."""


@dataclass
class Version:
    label: str  # as the user gave it: a tag, a commit, a zip or a folder
    read: Callable[[str], bytes]  # package-relative path -> the file's bytes; raises DiffError


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True)
    except OSError as e:
        raise DiffError(f"cannot run git ({e}); install git or give release zips instead of tags") from None


def open_version(spec: str, repo: Path = ROOT) -> Version:
    """A release zip, a package folder, a released version (0.1.0 or v0.1.0), or a git tag or commit of ``repo``, in
    that order of preference."""
    path = Path(spec)
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise DiffError(f"{spec} is a file but not a zip archive: give a release zip, a package folder, or a git tag or commit")
        return _zip_version(spec, path)
    if path.is_dir() and (path / DESCRIPTOR).is_file():
        def read_folder(rel: str) -> bytes:
            try:
                return (path / rel).read_bytes()
            except OSError:
                raise DiffError(f"{spec}: {rel} does not exist; run `make validate` on that folder") from None
        return Version(spec, read_folder)
    named = versions.SPEC.fullmatch(spec)
    if named:  # a released version: its tag, else the commit that released it
        release = versions.resolve(repo, spec)
        if release is None:
            raise DiffError(f"no release {named.group(1)} in the git repository {repo}: no tag v{named.group(1)}, and no commit "
                            f"where {DESCRIPTOR} says version {named.group(1)} and CHANGELOG.md has its section "
                            "(`git tag --list` shows the release tags, `git log -p -- datapackage.json` the versions)")
        return _git_version(release.label, release.commit, repo)
    found = _git(repo, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if found.returncode != 0:
        raise DiffError(f"{spec!r} is not a release zip, a folder holding {DESCRIPTOR}, a released version, or a tag or commit "
                        f"of the git repository {repo}: check the name (`git tag --list` shows the release tags)")
    return _git_version(spec, found.stdout.decode().strip(), repo)


def _git_version(label: str, commit: str, repo: Path) -> Version:
    def read_git(rel: str) -> bytes:
        shown = _git(repo, "show", f"{commit}:./{rel}")
        if shown.returncode != 0:
            raise DiffError(f"{label}: {rel} is not in commit {commit[:12]}")
        return shown.stdout
    return Version(label, read_git)


def _zip_version(spec: str, path: Path) -> Version:
    try:
        with zipfile.ZipFile(path) as zf:
            files = {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, RuntimeError) as e:
        raise DiffError(f"{spec}: the zip cannot be read ({e}); download the release again") from None
    # The descriptor at the root (as `make release` builds it) or in one top-level folder.
    tops = sorted(n[: -len(DESCRIPTOR)] for n in files if n == DESCRIPTOR or re.fullmatch(rf"[^/]+/{re.escape(DESCRIPTOR)}", n))
    if not tops:
        raise DiffError(f"{spec}: the zip holds no {DESCRIPTOR}, so it is not a release of the package")
    prefix = tops[0]

    def read_zip(rel: str) -> bytes:
        if prefix + rel not in files:
            raise DiffError(f"{spec}: {rel} is not in the zip")
        return files[prefix + rel]
    return Version(spec, read_zip)


@dataclass
class Table:
    name: str
    path: str
    schema: dict
    data: pd.DataFrame  # every value as the text written in the file


def _relative(label: str, rel) -> str:
    p = PurePosixPath(rel) if isinstance(rel, str) else None
    if p is None or p.is_absolute() or ".." in p.parts or re.match(r"^[a-z][a-z0-9+.-]*:", rel, re.I):
        raise DiffError(f"{label}: {rel!r} in {DESCRIPTOR} is not a relative path inside the package; run `make validate` on that version")
    return rel


def _json(version: Version, rel: str):
    try:
        return json.loads(version.read(rel).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DiffError(f"{version.label}: {rel} is not valid UTF-8 JSON ({e}); run `make validate` on that version") from None


def load_tables(version: Version) -> tuple[dict, dict[str, Table]]:
    """The descriptor and every table of a version, read as text."""
    descriptor = _json(version, DESCRIPTOR)
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise DiffError(f"{version.label}: {DESCRIPTOR} lists no resources; run `make validate` on that version")
    tables = {}
    for res in resources:
        if not isinstance(res, dict) or not isinstance(res.get("name"), str):
            raise DiffError(f"{version.label}: a resource in {DESCRIPTOR} has no name; run `make validate` on that version")
        path = _relative(version.label, res.get("path"))
        schema = res.get("schema")
        schema = _json(version, _relative(version.label, schema)) if not isinstance(schema, dict) else schema
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            raise DiffError(f"{version.label}: the schema of '{res['name']}' has no fields; run `make validate` on that version")
        try:
            data = pd.read_csv(io.BytesIO(version.read(path)), dtype=str, keep_default_na=False, encoding="utf-8")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise DiffError(f"{version.label}: {path} cannot be read as CSV ({str(e).strip()}); run `make validate` on that version") from None
        tables[res["name"]] = Table(res["name"], path, schema, data)
    return descriptor, tables


@dataclass
class TableDiff:
    name: str
    key: list[str]
    added: pd.DataFrame  # the key columns of rows only in NEW
    withdrawn: pd.DataFrame  # the key columns of rows only in OLD
    changed: pd.DataFrame  # key columns, field, old, new: one line per changed value
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[tuple[str, str, str]] = field(default_factory=list)
    note: str | None = None  # why rows could not be compared

    @property
    def rows_changed(self) -> int:
        return len(self.changed[self.key].drop_duplicates()) if self.key and len(self.changed) else 0

    @property
    def empty(self) -> bool:
        return not (len(self.added) or len(self.withdrawn) or len(self.changed) or self.fields_added
                    or self.fields_removed or self.fields_retyped or self.note)


@dataclass
class PackageDiff:
    old: str
    new: str
    old_version: str
    new_version: str
    tables_added: dict[str, int]  # name -> rows
    tables_removed: dict[str, int]
    tables: list[TableDiff]


def diff_table(old: Table, new: Table) -> TableDiff:
    """Rows added, withdrawn and changed between two versions of one table, by merges on the key."""
    types_old = {f["name"]: f.get("type", "string") for f in old.schema["fields"] if isinstance(f, dict)}
    types_new = {f["name"]: f.get("type", "string") for f in new.schema["fields"] if isinstance(f, dict)}
    in_both = [c for c in new.data.columns if c in old.data.columns]
    d = TableDiff(new.name, [], pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                  fields_added=[c for c in types_new if c not in types_old],
                  fields_removed=[c for c in types_old if c not in types_new],
                  fields_retyped=[(c, types_old[c], types_new[c]) for c in types_new if c in types_old and types_old[c] != types_new[c]])
    key = next((k for k in (primary_key(new.schema), primary_key(old.schema)) if k and set(k) <= set(in_both)), None)
    if key is None:
        d.note = "no primary key with its fields in both versions, so rows are not compared"
        return d
    for which, t in (("old", old), ("new", new)):
        if t.data.duplicated(key).any():
            d.note = f"the {which} version has duplicate keys ({', '.join(key)}), so rows are not compared; run `make validate` on it"
            return d
    d.key = key
    rows = old.data[key].merge(new.data[key], on=key, how="outer", indicator=True, sort=True)
    d.added = rows.loc[rows["_merge"] == "right_only", key].reset_index(drop=True)
    d.withdrawn = rows.loc[rows["_merge"] == "left_only", key].reset_index(drop=True)
    fields = [c for c in in_both if c not in key]
    if fields:
        before = old.data.melt(id_vars=key, value_vars=fields, var_name="field", value_name="old")
        after = new.data.melt(id_vars=key, value_vars=fields, var_name="field", value_name="new")
        both = before.merge(after, on=key + ["field"], how="inner", validate="one_to_one")
        changed = both[both["old"] != both["new"]].copy()
        changed["field"] = pd.Categorical(changed["field"], categories=fields, ordered=True)  # schema order
        d.changed = changed.sort_values(key + ["field"]).astype({"field": "str"}).reset_index(drop=True)
    else:
        d.changed = pd.DataFrame(columns=key + ["field", "old", "new"])
    return d


def diff_versions(old: Version, new: Version) -> PackageDiff:
    old_dp, old_tables = load_tables(old)
    new_dp, new_tables = load_tables(new)
    return PackageDiff(
        old=old.label, new=new.label, old_version=str(old_dp.get("version", "?")), new_version=str(new_dp.get("version", "?")),
        tables_added={n: len(t.data) for n, t in new_tables.items() if n not in old_tables},
        tables_removed={n: len(t.data) for n, t in old_tables.items() if n not in new_tables},
        tables=[diff_table(old_tables[n], t) for n, t in new_tables.items() if n in old_tables])


def _cell(value) -> str:
    text = str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|") if text != "" else "*(empty)*"


def _md_table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + " --- |" * len(frame.columns)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]


def to_markdown(d: PackageDiff, level: int = 1) -> str:
    """The change log as markdown; ``level`` is the heading level of its title."""
    h = "#" * level
    lines = [f"{h} Record-level changes from {d.old} (version {d.old_version}) to {d.new} (version {d.new_version})", ""]
    changed = [t for t in d.tables if not t.empty]
    if not (changed or d.tables_added or d.tables_removed):
        return "\n".join(lines + ["No table, field or row changed.", ""])
    for name, n in d.tables_added.items():
        lines.append(f"- Table `{name}` added, with {n} row(s).")
    for name, n in d.tables_removed.items():
        lines.append(f"- **Table `{name}` removed**; it had {n} row(s).")
    if d.tables_added or d.tables_removed:
        lines.append("")
    if changed:
        lines += ["| table | rows added | rows withdrawn | rows changed | values changed |", "| --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| `{t.name}` | {len(t.added)} | {len(t.withdrawn)} | {t.rows_changed} | {len(t.changed)} |" for t in changed]
    same = [t.name for t in d.tables if t.empty]
    if same:
        lines += [""] * bool(changed) + ["Unchanged: " + ", ".join(f"`{n}`" for n in same) + "."]
    for t in changed:
        lines += ["", f"{h}# `{t.name}`", ""]
        if t.fields_added:
            lines.append("- Fields added: " + ", ".join(f"`{c}`" for c in t.fields_added) + ".")
        if t.fields_removed:
            lines.append("- **Fields removed: " + ", ".join(f"`{c}`" for c in t.fields_removed) + ".**")
        if t.fields_retyped:
            lines.append("- **Fields retyped: " + ", ".join(f"`{c}` from {a} to {b}" for c, a, b in t.fields_retyped) + ".**")
        if t.note:
            lines.append(f"- Rows not compared: {t.note}.")
        if t.fields_added or t.fields_removed or t.fields_retyped or t.note:
            lines.append("")
        for title, frame in (("Rows added", t.added), ("Rows withdrawn", t.withdrawn)):
            if len(frame):
                lines += [f"{title} ({len(frame)}):", "", *_md_table(frame), ""]
        if len(t.changed):
            lines += [f"Rows changed ({t.rows_changed}, {len(t.changed)} value(s)):", "", *_md_table(t.changed), ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n"


def to_frame(d: PackageDiff) -> pd.DataFrame:
    """Every change as one row: table, change, key (key values joined by '/'), field, old, new."""
    frames = [pd.DataFrame({"table": list(d.tables_added), "change": "table added"}),
              pd.DataFrame({"table": list(d.tables_removed), "change": "table removed"})]
    for t in d.tables:
        frames.append(pd.DataFrame({"table": t.name, "change": "field added", "field": t.fields_added}))
        frames.append(pd.DataFrame({"table": t.name, "change": "field removed", "field": t.fields_removed}))
        frames.append(pd.DataFrame({"table": t.name, "change": "field retyped", "field": [c for c, _, _ in t.fields_retyped],
                                    "old": [a for _, a, _ in t.fields_retyped], "new": [b for _, _, b in t.fields_retyped]}))
        if not t.key:
            continue
        for change, frame in (("added", t.added), ("withdrawn", t.withdrawn), ("changed", t.changed)):
            if len(frame):
                part = frame.drop(columns=t.key).assign(table=t.name, change=change, key=frame[t.key].agg("/".join, axis=1))
                frames.append(part)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=CSV_COLUMNS, dtype=object)
    out = pd.concat(frames, ignore_index=True).reindex(columns=CSV_COLUMNS).astype(object)
    return out.where(out.notna(), "")  # no field, old or new value: empty, as in the CSV written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.diff", description=__doc__.splitlines()[0])
    parser.add_argument("old", metavar="OLD", help="the earlier version: a released version (0.1.0 or v0.1.0), a git tag or "
                                                   "commit, a release zip or a package folder")
    parser.add_argument("new", metavar="NEW", help="the later version, likewise (e.g. HEAD, or . for the working tree)")
    parser.add_argument("--repo", default=str(ROOT), help="the git repository that tags and commits belong to (default: this one)")
    parser.add_argument("--csv", metavar="FILE", help="also write every change to FILE as CSV (table, change, key, field, old, new)")
    args = parser.parse_args(argv)
    try:
        d = diff_versions(open_version(args.old, Path(args.repo)), open_version(args.new, Path(args.repo)))
    except DiffError as e:
        print(f"diff: {e}", file=sys.stderr)
        return 2
    if args.csv:
        to_frame(d).to_csv(args.csv, index=False)
    sys.stdout.write(to_markdown(d))
    return 0


if __name__ == "__main__":
    sys.exit(main())
