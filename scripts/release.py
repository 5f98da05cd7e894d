"""`make release`: build the release of the version in datapackage.json, or refuse and say why.

It refuses (exit status 1, one line per reason, never a traceback) when the git working tree has
uncommitted changes; when the version or the release date disagree between datapackage.json, the top
released section of CHANGELOG.md, CITATION.cff and .zenodo.json; when CHANGELOG.md still has entries
under [Unreleased]; when the version is not above every earlier release (by tag, or found from the
version history in git, scripts/versions.py), or its tag vX.Y.Z already names another commit; when a
derived file (docs/codebook.md, docs/data_dictionary.csv, the README's generated blocks, the charts in
docs/figures/) is out of date; or when the package
does not validate.

Otherwise it writes into dist/:

- ``<name>-vX.Y.Z.zip``: datapackage.json, data/, schemas/, docs/codebook.md, docs/data_dictionary.csv,
  docs/figures/ (the charts the README shows), README.md, LICENSE, CHANGELOG.md and CITATION.cff, and the exports of scripts/exports.py:
  ``<name>.sqlite`` and ``parquet/<table>.parquet`` (built from the same files, reproducible too). Only the datapackage.json inside the zip records each resource's
  ``bytes`` and ``hash`` ("sha256:<hex>"); the committed descriptor is never rewritten. The zip is
  reproducible: files in sorted order, each dated with the commit's time, mode 0644, stored without
  compression (compressed bytes depend on the zlib library), so rebuilding the same commit on any
  machine gives the same bytes.
- ``<name>-vX.Y.Z-notes.md``: the release notes, from the changelog section, the record-level
  changes since the previous release (its tag, or the commit that released it; scripts/diff.py) and
  the checksums of the files.

Usage: python -m scripts.release [ROOT] [--dist DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from . import charts, derived, diff, exports, versions
from . import report as P
from .descriptor import DESCRIPTOR, load
from .validate import validate
from .versions import version_key

ROOT = Path(__file__).resolve().parent.parent
# Files shipped beside datapackage.json and every committed file under data/ and schemas/.
DOCUMENTS = ["README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/codebook.md", "docs/data_dictionary.csv"]
FOLDERS = ["data", "schemas", "docs/figures"]  # docs/figures: the charts the README shows
CHANGELOG, CFF, ZENODO = "CHANGELOG.md", "CITATION.cff", ".zenodo.json"
RELEASED = re.compile(r"^## \[([^\]]*)\] - ([0-9]{4}-[0-9]{2}-[0-9]{2})$")
EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)  # the earliest time a zip can record
FILE_MODE = 0o100644  # a regular file, rw-r--r--
ALL_VERSIONS = "datapackage.json, CHANGELOG.md, CITATION.cff and .zenodo.json"


class Refused(Exception):
    """A reason not to release: one line that says what is wrong and what to do."""


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run git in ``root`` (and only there: GIT_DIR and friends from the caller are ignored)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env)
    except OSError as e:
        raise Refused(f"cannot run git ({e}): install git, a release is built from a commit") from None
    if check and done.returncode != 0:
        raise Refused(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8", errors="replace")


# --- the checks ----------------------------------------------------------------------------------

def check_git(root: Path) -> str:
    """The commit to release; refuses when root is not a clean git working tree."""
    inside = git(root, "rev-parse", "--is-inside-work-tree", check=False).strip()
    if inside != "true":
        raise Refused(f"{root} is not a git working tree: a release is built from a commit, so clone the repository first")
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
    if not head:
        raise Refused("the git repository has no commit yet: commit the package, then run make release")
    status = [line[3:] for line in git(root, "status", "--porcelain", "--untracked-files=all", "--", ".").splitlines() if line]
    if status:
        shown = ", ".join(status[:5]) + (f" and {len(status) - 5} more" if len(status) > 5 else "")
        raise Refused(f"the git working tree has uncommitted changes ({len(status)} file(s): {shown}): "
                      "commit or stash them, then run make release again")
    return head


def changelog_release(text: str) -> tuple[str, str, str, bool]:
    """(version, date, body) of the top released section of CHANGELOG.md, and whether entries wait under
    [Unreleased]; refuses when the changelog is malformed."""
    lines = text.splitlines()
    unreleased = next((i for i, line in enumerate(lines) if line.strip() == "## [Unreleased]"), None)
    if unreleased is None:
        raise Refused(f"{CHANGELOG} has no '## [Unreleased]' section: keep it above the released versions")
    top = next((i for i in range(unreleased + 1, len(lines)) if lines[i].startswith("## ")), None)
    if top is None:
        raise Refused(f"{CHANGELOG} has no released section after [Unreleased]: add '## [X.Y.Z] - YYYY-MM-DD' with its changes")
    pending = any(line.strip() for line in lines[unreleased + 1:top])
    m = RELEASED.match(lines[top])
    if not m:
        raise Refused(f"{CHANGELOG}: the first section after [Unreleased] is {lines[top]!r}, not '## [X.Y.Z] - YYYY-MM-DD'")
    version, date = m.groups()
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise Refused(f"{CHANGELOG}: [{version}] is dated {date}, which is not a calendar date (YYYY-MM-DD)") from None
    end = next((i for i in range(top + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return version, date, "\n".join(lines[top + 1:end]).strip("\n"), pending


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def read_metadata(root: Path) -> tuple[dict, list[str]]:
    """Every place that states the version or the release date, and the reasons to refuse."""
    reasons, meta = [], {}
    try:
        descriptor = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
        meta["version"] = _text(descriptor.get("version")) if isinstance(descriptor, dict) else None
        meta["name"] = descriptor.get("name") if isinstance(descriptor, dict) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        descriptor = None  # the validation names the problem
    if not isinstance(descriptor, dict):
        return meta, reasons
    if not meta["version"] or not version_key(meta["version"]):
        reasons.append(f"{DESCRIPTOR} version is {meta['version']!r}, not X.Y.Z: set the version you release (see README, Versions)")
    if not isinstance(meta["name"], str) or not re.fullmatch(r"[a-z0-9._-]+", meta["name"]):
        reasons.append(f"{DESCRIPTOR} name is {meta['name']!r}: the release file is named after it, so give the package a name")
    texts = {}
    for name in (CHANGELOG, CFF, ZENODO):
        try:
            texts[name] = (root / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            reasons.append(f"{name} is missing: restore it (a release states its version there)")
        except (OSError, UnicodeDecodeError) as e:
            reasons.append(f"{name} cannot be read as UTF-8 text ({e}): restore it")
    if CHANGELOG in texts:
        try:
            meta["changelog"], meta["date"], meta["notes"], pending = changelog_release(texts[CHANGELOG])
            if pending:
                reasons.append(f"{CHANGELOG} has entries under [Unreleased]: move them into the section of the version you release")
        except Refused as e:
            reasons.append(str(e))
    if CFF in texts:
        try:
            cff = yaml.safe_load(texts[CFF])
            meta["cff"] = cff = cff if isinstance(cff, dict) else {}
            meta["cff version"], meta["cff date"] = _text(cff.get("version")), _text(cff.get("date-released"))
        except yaml.YAMLError as e:
            reasons.append(f"{CFF} is not valid YAML ({' '.join(str(e).split())}): correct its syntax")
    if ZENODO in texts:
        try:
            zenodo = json.loads(texts[ZENODO])
            zenodo = zenodo if isinstance(zenodo, dict) else {}
            meta["zenodo version"], meta["zenodo date"] = _text(zenodo.get("version")), _text(zenodo.get("publication_date"))
        except json.JSONDecodeError as e:
            reasons.append(f"{ZENODO} is not valid JSON ({e}): correct its syntax")

    version = meta.get("version")
    for key, where in (("changelog", f"{CHANGELOG} top release"), ("cff version", f"{CFF} version"),
                       ("zenodo version", f"{ZENODO} version")):
        if key in meta and meta[key] != version:
            reasons.append(f"{where} is {meta[key]} but {DESCRIPTOR} version is {version}: set the same version in {ALL_VERSIONS}")
    if "date" in meta:
        for key, where in (("cff date", f"{CFF} date-released"), ("zenodo date", f"{ZENODO} publication_date")):
            if key in meta and meta[key] != meta["date"]:
                reasons.append(f"{where} is {meta[key]} but {CHANGELOG} dates [{meta['changelog']}] {meta['date']}: "
                               f"give {CFF} date-released and {ZENODO} publication_date the changelog's release date")
    return meta, reasons


def check_versions(version: str, head: str, known: dict[str, versions.Release]) -> versions.Release | None:
    """The previous release (None for a first release); refuses a reused or a lower version.

    ``known`` holds the releases by version, from tags and, for untagged versions, from the history."""
    mine = known.get(version)
    if mine is not None and mine.tag and mine.commit != head:
        raise Refused(f"tag {mine.tag} already names commit {mine.commit[:12]}, not HEAD {head[:12]}: a released version is never "
                      f"rebuilt from other content, so bump the version (see README, Versions) or check out {mine.tag}")
    key = version_key(version)
    higher = [r for v, r in known.items() if version_key(v) > key]
    if higher:
        top = max(higher, key=lambda r: version_key(r.version))
        where = f"the release tag {top.tag}" if top.tag else f"release {top.version} (commit {top.commit[:12]})"
        raise Refused(f"version {version} is not above {where}: bump it above every earlier release")
    earlier = [r for v, r in known.items() if version_key(v) < key]
    return max(earlier, key=lambda r: version_key(r.version)) if earlier else None


# --- the build -----------------------------------------------------------------------------------

def release_files(root: Path, descriptor: dict) -> list[str]:
    """The package-relative paths shipped in the release, sorted; refuses a needed file that is not committed."""
    needed = {DESCRIPTOR, *DOCUMENTS}
    for res in descriptor["resources"]:
        needed |= {res["path"], res["schema"]} if isinstance(res.get("schema"), str) else {res["path"]}
    tracked = set(git(root, "ls-files", "-z", "--", *FOLDERS, *sorted(needed)).split("\0")) - {""}
    missing = sorted(needed - tracked)
    if missing:
        raise Refused(f"{', '.join(missing)} must be committed to be released: add and commit (or restore) them")
    return sorted(tracked)


def released_descriptor(descriptor: dict, files: dict[str, bytes]) -> bytes:
    """The descriptor of the release: the committed one plus each resource's bytes and sha256 hash."""
    out = json.loads(json.dumps(descriptor))  # a deep copy; the committed file is never rewritten
    for res in out["resources"]:
        raw = files[res["path"]]
        res["bytes"] = len(raw)
        res["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    return (json.dumps(out, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_zip(target: Path, files: dict[str, bytes], when: dt.datetime) -> bytes:
    """A zip of ``files`` (path -> bytes) that depends on nothing else: same input, same bytes."""
    stamp = max(when.astimezone(dt.timezone.utc), EPOCH).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # unix, so the mode below is read on every platform
            info.external_attr = FILE_MODE << 16
            zf.writestr(info, files[name])
    data = buffer.getvalue()
    _write(target, data)
    return data


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, target)


def citation(meta: dict) -> str:
    cff = meta.get("cff", {})
    authors = ", ".join(a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
                        for a in cff.get("authors", []) if isinstance(a, dict))
    doi = f"https://doi.org/{cff['doi']}" if cff.get("doi") else "DOI: to be assigned on archiving"
    return f"{authors} ({meta['date'][:4]}). *{cff.get('title', '')}* (Version {meta['version']}) [Data set]. {doi}."


def notes(meta: dict, head: str, previous: versions.Release | None, changes: str, zip_name: str, zip_data: bytes,
          descriptor: dict, files: dict[str, bytes]) -> str:
    version = meta["version"]
    lines = [f"# {meta['name']} {version}", "",
             f"Released {meta['date']}. Tag `v{version}`, commit `{head}`.", "",
             "## Changes", "", meta["notes"] or "(no entries)", ""]
    if previous:
        lines += [changes.rstrip("\n"), ""]
    else:
        rows = {r["name"]: len(pd.read_csv(io.BytesIO(files[r["path"]]), dtype=str, keep_default_na=False))
                for r in descriptor["resources"]}
        counts = ", ".join(f"`{name}` {n}" for name, n in rows.items())
        lines += ["## Record-level changes", "", f"First release: there is no earlier release (no tag, and no earlier "
                  "version in the git history), so every row is new. "
                  f"Rows per table: {counts}.", ""]
    lines += ["## Files", "",
              f"`{zip_name}`: {len(zip_data)} bytes, sha256 `{hashlib.sha256(zip_data).hexdigest()}`. Rebuilding tag "
              f"`v{version}` with `make release` gives the same bytes; `frictionless validate {zip_name}` checks every "
              "table against the size and hash below.", "",
              "| file | bytes | sha256 |", "| --- | ---: | --- |"]
    lines += [f"| `{r['path']}` | {len(files[r['path']])} | `{hashlib.sha256(files[r['path']]).hexdigest()}` |"
              for r in descriptor["resources"]]
    lines += ["", "## How to cite", "", f"> {citation(meta)}", "",
              "Cite this version. Citation metadata: `CITATION.cff`.", ""]
    return "\n".join(lines)


@dataclass
class Release:
    zip_path: Path
    notes_path: Path
    tagged: bool


def build(root: Path, dist: Path, out=None) -> Release:
    """Check everything, then build. Raises Refused with every reason, one per line."""
    out = out or sys.stdout
    root = Path(root).resolve()
    reasons, head, previous = [], None, None
    try:
        head = check_git(root)
    except Refused as e:
        reasons.append(str(e))
    meta, meta_reasons = read_metadata(root)
    reasons += meta_reasons
    if head and meta.get("version") and version_key(meta["version"]):
        try:
            previous = check_versions(meta["version"], head, versions.releases(root))
        except Refused as e:
            reasons.append(str(e))
    if head:  # the derived files of a commit: a tree that is not clean is refused above
        reasons += derived.stale(root) + charts.stale(root)
    problems = validate(root)
    if len(problems):
        P.render(problems, out=out)
        reasons.append(f"the package does not validate ({len(problems)} problem(s), listed above): "
                       "fix them (make validate), commit, and run make release again")
    if reasons:
        raise Refused("\n".join(reasons))

    descriptor = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
    paths = release_files(root, descriptor)
    files = {p: (root / p).read_bytes() for p in paths}
    files[DESCRIPTOR] = released_descriptor(descriptor, files)
    files.update(exports.release_files(root, load(root)[0]))  # the package validated above
    when = dt.datetime.fromtimestamp(int(git(root, "log", "-1", "--format=%ct", head).strip()), dt.timezone.utc)
    stem = f"{meta['name']}-v{meta['version']}"
    zip_path, notes_path = dist / f"{stem}.zip", dist / f"{stem}-notes.md"
    zip_data = write_zip(zip_path, files, when)

    changes = ""
    if previous:
        try:
            now = diff.open_version(head, root)
            now.label = f"v{meta['version']}"
            before = diff.open_version(previous.commit, root)
            before.label = previous.label
            changes = diff.to_markdown(diff.diff_versions(before, now), level=2)
        except diff.DiffError as e:
            raise Refused(f"the change log against {previous.label} cannot be made: {e}") from None
    _write(notes_path, notes(meta, head, previous, changes, zip_path.name, zip_data, descriptor, files).encode("utf-8"))
    mine = versions.tags(root).get(meta["version"])
    tagged = mine is not None and mine.commit == head
    return Release(zip_path, notes_path, tagged)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.release", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT), help="the package's git working tree (default: this repository)")
    parser.add_argument("--dist", metavar="DIR", help="where to write the release (default: ROOT/dist)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    dist = Path(args.dist) if args.dist else root / "dist"
    try:
        done = build(root, dist)
    except Refused as e:
        for line in str(e).splitlines():
            print(f"release refused: {line}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"release failed: {e}: check that {dist} can be written", file=sys.stderr)
        return 1
    version = done.zip_path.stem.rsplit("-v", 1)[1]
    print(f"wrote {done.zip_path} (sha256 {hashlib.sha256(done.zip_path.read_bytes()).hexdigest()})")
    print(f"wrote {done.notes_path}")
    if not done.tagged:
        print(f"next: git tag -a v{version} -m 'Release {version}' && git push origin v{version}, then publish both files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
