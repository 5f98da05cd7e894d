"""`make validate`: check the whole package and report every problem at once.

Usage: python -m scripts.validate [ROOT] [--max-examples N] [--csv FILE]

Exit status 0 when the package is valid, 1 when any problem is found, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from . import package, rules, tableschema
from . import problems as P

ROOT = Path(__file__).resolve().parent.parent
# Problems that `make format` repairs without changing a value.
FORM_ONLY = {"byte-order-mark", "line-endings", "final-newline", "blank-row", "whitespace", "sort-order", "not-canonical"}


def validate(root: Path, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """All problems of the package at ``root`` as one DataFrame (empty when valid)."""
    root = Path(root)
    found = []
    descriptor, resources, probs = package.load_descriptor(root)
    found += probs
    if descriptor is None:
        return P.concat(found)
    span = rules.coverage(descriptor)
    if span is None:
        found.append(P.make(package.DESCRIPTOR, "descriptor", "the descriptor has no valid 'temporal' {start, end} period",
                            "declare the period the dataset covers, e.g. \"temporal\": {\"start\": \"2020-08-09\", \"end\": \"2020-12-31\"}"))
        span = (pd.Timestamp.min, pd.Timestamp.max)
    listed = {r.path for r in resources}
    for extra in sorted(p.relative_to(root).as_posix() for p in (root / "data").glob("*.csv")):
        if extra not in listed and not any(p.get("path") == extra for p in descriptor.get("resources", []) if isinstance(p, dict)):
            found.append(P.make(extra, "unlisted-file", "the data file is not a resource of datapackage.json",
                                "add it as a resource with its schema, or delete it"))

    by_name = {r.name: r for r in resources}
    raw, typed, failed, codes = {}, {}, {}, {}
    for res in resources:
        table = package.read_table(root, res)
        found += table.problems
        t, bad, probs = tableschema.parse_types(res.path, table.data, res.schema, table.codes)
        found += probs
        raw[res.name] = tableschema.slim_raw(table.data, res.schema, table.codes)  # what problems show of the text
        typed[res.name], failed[res.name], codes[res.name] = t, bad, table.codes
        del table, t

    found += tableschema.check_foreign_keys(typed, by_name, codes)
    ctx = rules.Context(tables=typed, references=rules.references(typed, by_name, tableschema.foreign_keys, codes),
                        today=today if today is not None else rules.today(), coverage=span, codes=codes)
    all_rules = rules.RULES + rules.future_rules(by_name)
    for res in resources:
        mine = [r for r in all_rules if r.table == res.name]
        found += tableschema.run_pandera(res.path, res.schema, typed[res.name], failed[res.name], raw[res.name],
                                         checks=rules.as_checks(mine, ctx), rule_info={r.check_name: r for r in mine},
                                         codes=codes[res.name])
    return P.concat(found)


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
    P.render(problems, max_examples=args.max_examples)
    if len(problems) and set(problems["rule"]) <= FORM_ONLY:
        print("Only the form of the files is wrong: run `make format`, then `make validate` again.")
    return 1 if len(problems) else 0


if __name__ == "__main__":
    sys.exit(main())
