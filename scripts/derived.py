"""Derived files: generated from the package, never edited by hand.

- ``docs/codebook.md``, from the descriptor, schemas, vocabularies and rules (scripts/codebook.py);
- ``docs/data_dictionary.csv``, one row per table and field, from the schemas (scripts/dictionary.py);
- the README's generated blocks, between HTML comment markers:
  ``<!-- counts:start -->...<!-- counts:end -->`` (how many events, figures, actors and sources the data
  CSVs hold) and ``<!-- citation:start -->...<!-- citation:end -->`` (the citation of the current release,
  the same words as the release notes, from CITATION.cff and CHANGELOG.md).

`make codebook` and `make release-prepare` write them; `make release` refuses a stale one.

Usage: python -m scripts.derived [ROOT] [--check]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

import pandas as pd

from .descriptor import DESCRIPTOR

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = "docs/codebook.md"
DICTIONARY = "docs/data_dictionary.csv"
README = "README.md"
COUNTED = ["events", "figures", "actors", "sources"]  # the tables whose rows the README counts


class Stale(Exception):
    """A derived file cannot be made: one line naming it and what to do."""


def block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- {name}:start -->)(.*?)(<!-- {name}:end -->)", re.S)


def counts_text(root: Path) -> str:
    """'9 events, 8 figures, 12 actors and 4 sources', read from the data CSVs."""
    dp = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
    paths = {r["name"]: r["path"] for r in dp["resources"]}
    parts = []
    for name in COUNTED:
        n = len(pd.read_csv(root / paths[name], dtype=str, keep_default_na=False, usecols=[0]))
        parts.append(f"{n} {name if n != 1 else name[:-1]}")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def citation_text(root: Path) -> str:
    from . import release  # release imports this module
    meta, _ = release.read_metadata(root)
    if not {"version", "date"} <= meta.keys():
        raise Stale(f"{README}: the citation cannot be generated because the version or release date cannot be read "
                    f"from {DESCRIPTOR} and CHANGELOG.md: run make release to see why")
    lines = textwrap.wrap(release.citation(meta), width=100, break_on_hyphens=False)
    return "\n" + "\n".join(f"> {line}" for line in lines) + "\n"


def readme_text(root: Path, text: str) -> str:
    """The README with its generated blocks up to date."""
    for name, content in (("counts", lambda: counts_text(root)), ("citation", lambda: citation_text(root))):
        pattern = block(name)
        if not pattern.search(text):
            raise Stale(f"{README} has no <!-- {name}:start --> ... <!-- {name}:end --> block: restore the markers "
                        "(see git log -p README.md), then run make codebook")
        value = content()
        text = pattern.sub(lambda m: m.group(1) + value + m.group(3), text, count=1)
    return text


def expected(root: Path) -> dict[str, str]:
    """Each derived file's path and the text it should have now."""
    from . import codebook, descriptor, dictionary
    try:
        readme = (root / README).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Stale(f"{README} cannot be read ({e}): restore it (git checkout -- {README})") from None
    try:
        book = codebook.build(root)
        fields = dictionary.text(descriptor.load(root)[0])
    except Exception as e:  # a broken package: make validate says what is wrong
        raise Stale(f"{CODEBOOK} and {DICTIONARY} cannot be generated ({type(e).__name__}: {e}): fix what make validate "
                    "reports") from None
    return {CODEBOOK: book, DICTIONARY: fields, README: readme_text(root, readme)}


def stale(root: Path) -> list[str]:
    """One line per derived file that is out of date (empty when all are current)."""
    try:
        wanted = expected(root)
    except Stale as e:
        return [str(e)]
    out = []
    for path, text in wanted.items():
        target = root / path
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            what = "is missing" if current is None else "is out of date"
            out.append(f"{path} {what} (it is generated from the package): run `make codebook` (or "
                       "`make release-prepare VERSION=X.Y.Z` for a new release) and commit the result")
    return out


def write(root: Path) -> list[str]:
    """Write every derived file that changed; returns their paths."""
    written = []
    for path, text in expected(root).items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.derived", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT), help="the package folder (default: this repository)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each file that is out of date")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if args.check:
        lines = stale(root)
        for line in lines:
            print(line, file=sys.stderr)
        return 1 if lines else 0
    try:
        written = write(root)
    except Stale as e:
        print(e, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{CODEBOOK}, {DICTIONARY} and the generated blocks of {README} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
