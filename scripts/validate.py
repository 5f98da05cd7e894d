"""`make validate`: check the whole package and report every problem at once.

The flow, one way: the descriptor and its schemas (``descriptor``) -> each file read once as text, with
the problems of the file and its records (``reading``) -> the form of its cells (``form``) -> typed
values (``schema.parse``) -> one lazy pandera schema per table: constraints and rules (``schema``,
``rules``) -> the report (``report``). See docs/architecture.md.

Usage: python -m scripts.validate [ROOT] [--max-examples N] [--csv FILE]
Exit status 0 when the package is valid, 1 when any problem is found, 2 on bad usage or a bug of ours.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from . import changelog, descriptor, form, reading, rules, schema
from . import report as R

ROOT = Path(__file__).resolve().parent.parent
FORM_ONLY = {"byte-order-mark", "line-endings", "final-newline", "blank-row", "whitespace", "sort-order", "not-canonical"}


# The stages of the check, each the rules of one module: a problem of an earlier stage is shown first.
STAGES = [set(descriptor.RULES), set(reading.RULES), set(form.RULES), {"type"}, set(schema.CONSTRAINTS), {"foreign-key"}]


def known_rules(package: descriptor.Package) -> set:
    """Every rule the validator can report for ``package``: each must have a broken fixture in the tests."""
    return (set(descriptor.RULES) | set(reading.RULES) | set(form.RULES) | {"type"} | set(schema.CONSTRAINTS)
            | {r.rule for r in rules.rules_for(package)} | {changelog.RULE})


def load(root: Path) -> tuple[descriptor.Package | None, dict, list]:
    """The package, its tables read and typed (name -> reading.Table), and the problems found so far."""
    package, found = descriptor.load(root)
    if package is None:
        return None, {}, found
    listed = {r.get("path") for r in package.descriptor["resources"] if isinstance(r, dict)}
    for extra in sorted(p.relative_to(root).as_posix() for p in (root / "data").glob("*.csv")):
        if extra not in listed:
            found.append(R.make(extra, "unlisted-file", "the data file is not a resource of datapackage.json",
                                "add it as a resource with its schema, or delete it"))
    tables = {}
    for res in package.resources:
        table = reading.read(root, res)
        found += table.problems + form.check(table) + schema.parse(table)
        tables[res.name] = table
    return package, tables, found


def validate(root: Path, today: dt.date | None = None) -> pd.DataFrame:
    """All problems of the package at ``root`` as one frame, root causes first (empty when valid)."""
    package, tables, found = load(Path(root))
    if package is not None:
        ctx = rules.Context(package, tables, today or dt.date.today())
        every = rules.rules_for(package)
        for name, table in tables.items():
            found += schema.validate(table, [r for r in every if r.table == name], ctx)
        found += changelog.problems(Path(root))  # a changed or withdrawn row of a release needs a changelog line
    return R.concat(found, STAGES)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.validate", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT), help="folder holding datapackage.json (default: this repository)")
    parser.add_argument("--max-examples", type=int, default=20, help="rows shown per file and rule (default 20)")
    parser.add_argument("--csv", metavar="FILE", help="also write every problem to FILE as CSV")
    args = parser.parse_args(argv)
    try:
        problems = validate(Path(args.root))
    except Exception as e:  # a bug of ours must not look like a problem of the data
        print(f"The validator itself failed ({type(e).__name__}: {e}). This is a bug in scripts/, not a problem "
              "in your data: please report it with this message.", file=sys.stderr)
        return 2
    if args.csv:
        problems.to_csv(args.csv, index=False)
    R.render(problems, max_examples=args.max_examples)
    if len(problems) and set(problems["rule"]) <= FORM_ONLY:
        print("Only the form of the files is wrong: run `make format`, then `make validate` again.")
    return 1 if len(problems) else 0


if __name__ == "__main__":
    sys.exit(main())
