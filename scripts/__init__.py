"""Validation, formatting and documentation tools of the belarus-crackdown-2020 data package.

The Table Schemas in ``schemas/`` are the single definition of every table; ``descriptor.py`` reads them
into one model that everything else uses. See docs/architecture.md for the flow of ``make validate``.
"""
