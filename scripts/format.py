"""`make format`: rewrite data/*.csv in canonical form without changing any value.

Canonical form: UTF-8 without BOM, LF line endings and a final line break, the schema's columns in
order, rows sorted by primary key (compared as text), no blank rows, no leading or trailing
whitespace in cells, and minimal quoting (pandas' CSV writer). A file whose content cannot be read
safely (bad encoding, ragged rows, a wrong header) is left untouched and named, so nothing is lost.

Usage: python -m scripts.format [ROOT]
"""
from __future__ import annotations

import sys
from pathlib import Path

from . import package
from .validate import ROOT

# Problems that make a file unsafe to rewrite automatically: a person must look at them.
UNSAFE = {"encoding", "ragged-row", "header", "unreadable", "empty-file"}


def canonical(table: package.Table) -> str:
    pk = package.primary_key(table.resource.schema)
    data = table.data.apply(lambda s: s.str.strip())
    if pk:
        data = data.sort_values(pk, kind="stable")
    return data.to_csv(index=False, lineterminator="\n")


def format_package(root: Path, out=None) -> int:
    out = out or sys.stdout
    descriptor, resources, problems = package.load_descriptor(root)
    if descriptor is None or not resources:
        print("datapackage.json cannot be read; run `make validate` to see why.", file=out)
        return 1
    refused = 0
    for res in resources:
        table = package.read_table(root, res)
        unsafe = sorted({r for p in table.problems for r in p["rule"]} & UNSAFE)
        if unsafe:
            refused += 1
            print(f"{res.path}: not rewritten, fix by hand first: {', '.join(unsafe)} (run `make validate` for rows)", file=out)
            continue
        text = canonical(table)
        path = root / res.path
        if path.read_bytes() != text.encode("utf-8"):
            path.write_bytes(text.encode("utf-8"))
            print(f"{res.path}: rewritten in canonical form", file=out)
    return 1 if refused else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return format_package(Path(argv[0]) if argv else ROOT)


if __name__ == "__main__":
    sys.exit(main())
