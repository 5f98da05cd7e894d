"""The package's metadata: datapackage.json and its Table Schemas, read once.

(Being rebuilt: this module becomes the one place that knows primary keys, foreign keys, vocabularies,
free-text fields, types and constraints.)
"""
from __future__ import annotations

from .package import DESCRIPTOR, primary_key  # noqa: F401
