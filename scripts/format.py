"""`make format`: rewrite data/*.csv in canonical form without changing any value.

Canonical form (checked by ``form.py``): UTF-8 without BOM, LF line endings and a final line break, the
schema's columns in order, no blank rows, no whitespace around values, booleans written as the schema's
first true or false value, rows sorted by primary key (compared as text), and minimal quoting (Python's
csv writer, as pandas calls it). A file whose content cannot be read safely (bad encoding, ragged rows,
a wrong header) is left untouched and named, so nothing is lost.

Usage: python -m scripts.format [ROOT]
"""
from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.compute as pc

from . import descriptor, reading
from .validate import ROOT

UNSAFE = {"encoding", "ragged-row", "header", "unreadable"}  # a person must look at these first


def canonical(table: reading.Table) -> bytes:
    res = table.resource
    data = table.text.to_pandas()
    for name in data.columns:
        data[name] = pc.utf8_trim_whitespace(table.text[name]).to_pandas()
        fd = res.field(name)
        if fd.type == "boolean":
            data[name] = data[name].replace({v: fd.true_values[0] for v in fd.true_values} | {v: fd.false_values[0] for v in fd.false_values})
    if res.primary_key:
        data = data.sort_values(res.primary_key, kind="stable")
    return data.to_csv(index=False, lineterminator="\n").encode("utf-8")


def format_package(root: Path, out=None) -> int:
    out = out or sys.stdout
    package, _ = descriptor.load(root, standard=False)  # the problems are make validate's to report
    if package is None or not package.resources:
        print("datapackage.json cannot be read; run `make validate` to see why.", file=out)
        return 1
    refused = 0
    for res in package.resources:
        table = reading.read(root, res)
        unsafe = sorted({p["rule"].iloc[0] for p in table.problems} & UNSAFE)
        if unsafe:
            refused += 1
            print(f"{res.path}: not rewritten, fix by hand first: {', '.join(unsafe)} (run `make validate` for rows)", file=out)
            continue
        text = canonical(table)
        if table.path.read_bytes() != text:
            table.path.write_bytes(text)
            print(f"{res.path}: rewritten in canonical form", file=out)
    return 1 if refused else 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return format_package(Path(argv[0]) if argv else ROOT)


if __name__ == "__main__":
    sys.exit(main())
