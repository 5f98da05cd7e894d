"""Validation, formatting and documentation tools of the belarus-crackdown-2020 data package.

The Table Schemas in ``schemas/`` are the single definition of every table; everything here is
derived from them (see ``tableschema.py``) plus the cross-field and cross-table rules of
``rules.py`` that Table Schema cannot express.
"""

import pandas as _pd

# pandas' text columns hold Python strings, so every ``.str`` method and pattern of the checks means what
# Python's ``re`` and ``str`` say, also where pyarrow is installed (pandas would otherwise back them with
# Arrow and run patterns with RE2). Arrow is used explicitly where it is faster: reading the CSV files
# and the searches over whole columns in ``package.py``.
_pd.set_option("mode.string_storage", "python")
