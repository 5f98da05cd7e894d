"""The machine-readable data dictionary, docs/data_dictionary.csv: one row per table and field.

It is derived from the package model (datapackage.json and the Table Schemas) like docs/codebook.md, and
written by `make codebook`; a test checks it is current. The same rows are the `data_dictionary` table of
the SQLite export. Columns:

- ``table``, ``table_description``: the resource's name and its schema's description;
- ``position``: the field's place in the table (1 = first column; the CSV's column order);
- ``field``, ``type``, ``format``: as in the Table Schema (types: string, integer, number, boolean, date);
- ``required``, ``primary_key``: true or false; ``references``: ``table.field`` a foreign key points to;
- ``unique``, ``pattern``, ``min_length``, ``max_length``, ``minimum``, ``maximum``, ``enum``: the schema's
  constraints (empty when the schema sets none; ``enum`` as a JSON list);
- ``description``, ``example``: the field's description and example value.
"""
from __future__ import annotations

import csv
import io
import json

from .descriptor import Package

COLUMNS = ["table", "table_description", "position", "field", "type", "format", "required", "primary_key",
           "references", "unique", "pattern", "min_length", "max_length", "minimum", "maximum", "enum", "description",
           "example"]
CONSTRAINTS = {"unique": "unique", "pattern": "pattern", "min_length": "minLength", "max_length": "maxLength",
               "minimum": "minimum", "maximum": "maximum", "enum": "enum"}  # column -> Table Schema constraint


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def rows(package: Package) -> list[dict]:
    """One dict per table and field, in the descriptor's order of tables and the schema's order of fields."""
    out = []
    for res in package.resources:
        described = json.loads((package.root / res.schema_path).read_text(encoding="utf-8")).get("description", "")
        references = res.references()
        for position, f in enumerate(res.fields, start=1):
            ref = references.get(f.name)
            row = {"table": res.name, "table_description": described, "position": position, "field": f.name,
                   "type": f.type, "format": f.format, "required": f.required, "primary_key": f.name in res.primary_key,
                   "references": f"{ref[0]}.{ref[1]}" if ref else None, "description": f.description, "example": f.example}
            row.update({col: f.constraints.get(key) for col, key in CONSTRAINTS.items()})
            out.append({col: _text(row[col]) for col in COLUMNS})
    unknown = {k for res in package.resources for f in res.fields for k in f.constraints} - {"required", *CONSTRAINTS.values()}
    if unknown:  # a constraint the dictionary has no column for must not be left out silently
        raise ValueError(f"the data dictionary has no column for the constraints {sorted(unknown)}: add them to "
                         "scripts/dictionary.py (CONSTRAINTS)")
    return out


def text(package: Package) -> str:
    """The CSV: UTF-8, LF line ends, minimal quoting, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(package))
    return buffer.getvalue()
