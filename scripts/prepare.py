"""`make release-prepare VERSION=X.Y.Z [DATE=YYYY-MM-DD]`: prepare the release commit.

It moves the entries under ``## [Unreleased]`` in CHANGELOG.md into a new section
``## [X.Y.Z] - YYYY-MM-DD`` (today's date unless DATE is given), writes the version and the date into
datapackage.json (``version``, and ``created`` when the descriptor has one), CITATION.cff (``version``,
``date-released``) and .zenodo.json (``version``, ``publication_date``), and regenerates the derived
files (docs/codebook.md and the README's generated counts and citation, scripts/derived.py). Review the
changes (``git diff``), commit them: that commit is the release commit, then run ``make release``.

It refuses, one line per reason and exit status 1, writing nothing: a version that is not X.Y.Z, a
version not above the last release (by tag, by the version history in git, or by a section of
CHANGELOG.md), a date that is not a calendar date or is before the last release's, and an empty
[Unreleased] section.

Usage: python -m scripts.prepare X.Y.Z [--date YYYY-MM-DD] [--root DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from . import derived, versions
from .descriptor import DESCRIPTOR

ROOT = Path(__file__).resolve().parent.parent
CHANGELOG, CFF, ZENODO = "CHANGELOG.md", "CITATION.cff", ".zenodo.json"
DATED = re.compile(r"^## \[([^\]]+)\] - ([0-9]{4}-[0-9]{2}-[0-9]{2})\s*$", re.M)


class Refused(Exception):
    """Reasons not to prepare the release, one per line."""


def split_changelog(text: str) -> tuple[list[str], int, int]:
    """The changelog's lines, the index of '## [Unreleased]' and of the next section (or the end)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## [Unreleased]"), None)
    if start is None:
        raise Refused(f"{CHANGELOG} has no '## [Unreleased]' section: add it above the released versions, with the changes")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines, start, end


def last_release(root: Path, changelog: str) -> tuple[str, str, str | None] | None:
    """(version, where it was found, its date) of the highest release: tags, the git history and the
    changelog's dated sections."""
    candidates = {}
    for version, release in versions.releases(root).items():
        candidates[version] = (f"tag {release.tag}" if release.tag else f"commit {release.commit[:12]}", None)
    for version, date in DATED.findall(changelog):
        if versions.version_key(version):
            where = candidates.get(version, (f"{CHANGELOG} section [{version}]", None))[0]
            candidates[version] = (where, date)
    if not candidates:
        return None
    top = max(candidates, key=versions.version_key)
    return top, candidates[top][0], candidates[top][1]


def plan(root: Path, version: str, date: str) -> dict[str, str]:
    """The new text of each file to write; raises Refused with every reason."""
    reasons = []
    if not versions.STRICT.fullmatch(version):
        hint = f" (write {version[1:]}, without the v)" if version[:1] == "v" and versions.STRICT.fullmatch(version[1:]) else ""
        reasons.append(f"version {version!r} is not X.Y.Z (three numbers without leading zeros, e.g. 0.2.0){hint}: "
                       "see README, Versions")
    try:
        day = dt.date.fromisoformat(date)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
            raise ValueError
    except ValueError:
        day = None
        reasons.append(f"date {date!r} is not a calendar date YYYY-MM-DD: give DATE=YYYY-MM-DD or leave it out for today")
    try:
        changelog = (root / CHANGELOG).read_text(encoding="utf-8")
        lines, start, end = split_changelog(changelog)
    except Refused as e:
        raise Refused("\n".join(reasons + [str(e)])) from None
    except (OSError, UnicodeDecodeError) as e:
        raise Refused("\n".join(reasons + [f"{CHANGELOG} cannot be read ({e}): restore it"])) from None
    entries = lines[start + 1:end]
    while entries and not entries[0].strip():
        entries.pop(0)
    while entries and not entries[-1].strip():
        entries.pop()
    if not entries:
        reasons.append(f"{CHANGELOG} has no entries under [Unreleased]: write there what changed since the last release "
                       "(see CONTRIBUTING.md), then prepare the release")
    last = last_release(root, changelog)
    if last and versions.STRICT.fullmatch(version):
        top, where, last_date = last
        if versions.version_key(version) <= versions.version_key(top):
            reasons.append(f"version {version} is not above the last release {top} ({where}): choose a higher version "
                           "(see README, Versions)")
        elif day and last_date and date < last_date:
            reasons.append(f"date {date} is before the last release {top} of {last_date}: give a later DATE")
    texts = {}
    for name in (DESCRIPTOR, CFF, ZENODO):
        try:
            texts[name] = (root / name).read_text(encoding="utf-8")
            if name != CFF and not isinstance(json.loads(texts[name]), dict):
                raise ValueError("not a JSON object")
        except (OSError, UnicodeDecodeError, ValueError) as e:
            reasons.append(f"{name} cannot be read ({' '.join(str(e).split())}): restore or correct it, then prepare the release")
    if reasons:
        raise Refused("\n".join(reasons))

    out = {CHANGELOG: "\n".join(lines[:start + 1] + ["", f"## [{version}] - {date}", ""] + entries + [""] + lines[end:])
           + ("\n" if changelog.endswith("\n") else "")}
    fields = {"version": version}
    if "created" in json.loads(texts[DESCRIPTOR]):
        fields["created"] = f"{date}T00:00:00Z"
    out[DESCRIPTOR] = set_json(texts[DESCRIPTOR], fields)
    out[CFF] = set_yaml(texts[CFF], {"version": version, "date-released": f'"{date}"'})
    out[ZENODO] = set_json(texts[ZENODO], {"version": version, "publication_date": date})
    return out


def set_json(text: str, fields: dict[str, str]) -> str:
    """Set top-level string fields of a JSON object, keeping the file's layout; added at the top when missing."""
    data = json.loads(text)
    for key, value in fields.items():
        pattern = re.compile(rf'^(\s*"{re.escape(key)}"\s*:\s*)"[^"\n]*"', re.M)
        if key in data and len(pattern.findall(text)) == 1:
            text = pattern.sub(lambda m: m.group(1) + json.dumps(value), text, count=1)
        else:  # missing or ambiguous: rewrite the whole object
            data[key] = value
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        data = json.loads(text)
    assert all(data[k] == v for k, v in fields.items())
    return text


def set_yaml(text: str, fields: dict[str, str]) -> str:
    """Set top-level scalar keys of a YAML mapping line by line, keeping comments and order; appended when missing."""
    for key, value in fields.items():
        pattern = re.compile(rf"^{re.escape(key)}:.*$", re.M)
        if pattern.search(text):
            text = pattern.sub(lambda m: f"{key}: {value}", text, count=1)
        else:
            text = text.rstrip("\n") + f"\n{key}: {value}\n"
    return text


def prepare(root: Path, version: str, date: str) -> list[str]:
    """Write the release's metadata and derived files; returns the paths written."""
    files = plan(root, version, date)
    for path, text in files.items():
        (root / path).write_text(text, encoding="utf-8")
    try:
        written = derived.write(root)
    except derived.Stale as e:
        raise Refused(f"the metadata is written, but {e}") from None
    return list(files) + written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("version", metavar="X.Y.Z", help="the version to release")
    parser.add_argument("--date", default=None, help="the release date, YYYY-MM-DD (default: today)")
    parser.add_argument("--root", default=str(ROOT), help="the package folder (default: this repository)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    date = args.date or dt.date.today().isoformat()
    try:
        written = prepare(root, args.version.strip(), date.strip())
    except Refused as e:
        for line in str(e).splitlines():
            print(f"release-prepare refused: {line}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print(f"next: review the changes (git diff), commit them (git commit -am 'Release {args.version}'), then run make release")
    return 0


if __name__ == "__main__":
    sys.exit(main())
