"""Validation, formatting and documentation tools of the belarus-crackdown-2020 data package.

The Table Schemas in ``schemas/`` are the single definition of every table; everything here is
derived from them (see ``tableschema.py``) plus the cross-field and cross-table rules of
``rules.py`` that Table Schema cannot express.
"""
