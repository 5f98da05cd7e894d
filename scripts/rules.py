"""Rules that Table Schema cannot express: cross-field and cross-table checks.

Each rule is a vectorised function of a table (and the other tables) that returns a boolean Series,
True where the row passes. They run as pandera dataframe checks beside the checks derived from the
Table Schema, so they are reported the same way, with row, column and hint. ``docs/codebook.md``
lists them from ``RULES`` below: this module is their one definition.
"""
from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .package import trim
from .tableschema import by_distinct, factorize

# Tables every row of which must be referenced by another row of the package.
VOCABULARIES = ["event_types", "measures", "qualifiers", "actor_types", "source_types", "roles",
                "date_precisions", "date_bases"]
MUST_BE_USED = ["actors", "sources"] + VOCABULARIES
BOUNDS = ("low", "best", "high")


@dataclass
class Context:
    tables: dict  # name -> typed DataFrame
    references: dict  # name -> set of key values referenced by foreign keys
    today: pd.Timestamp
    coverage: tuple  # (start, end) Timestamps, from datapackage.json "temporal"
    codes: dict = field(default_factory=dict)  # name -> Table.codes of the table as read (column -> (codes, n))


@dataclass
class Rule:
    rule: str
    table: str
    column: str
    message: str
    hint: str
    func: Callable  # (frame, Context) -> boolean Series, True = passes

    @property
    def check_name(self) -> str:
        return f"{self.rule}:{self.table}.{self.column}"


def _le(a, b):
    """a <= b where both are present; missing values pass."""
    return ((a <= b).fillna(True) | a.isna() | b.isna()).astype(bool)


_FRAME: dict = {}  # the frame the rules last looked at (weakly) and the codes of its columns, by name


def _seed(df: pd.DataFrame, codes: dict):
    """Start the codes of a new frame from those of its table as read: equal text is an equal typed value,
    so the reading's codes factorize the typed columns too (the rows are the same, in the same order)."""
    if _FRAME.get("frame", lambda: None)() is not df:
        _FRAME.clear()
        _FRAME["frame"] = weakref.ref(df)
        _FRAME.update({col: c for col, c in codes.items() if col in df.columns and len(c[0]) == len(df)})


def _codes(df: pd.DataFrame, col: str) -> tuple:
    """``pd.factorize`` of a column as (codes, number of distinct values), computed once per frame for
    all the rules that look up the same column."""
    _seed(df, {})
    if col not in _FRAME:
        codes, distinct = pd.factorize(df[col], use_na_sentinel=False)
        _FRAME[col] = (codes, len(distinct))
    return _FRAME[col]


def _lookup(ctx: Context, table: str, key: str, column: str, df: pd.DataFrame, col: str) -> pd.Series:
    """``column`` of the row of ``table`` whose ``key`` equals ``df[col]``, for each row of ``df``."""
    values = df[col]
    other = ctx.tables.get(table)
    if other is None or column not in other.columns:
        return pd.Series(pd.NA, index=values.index, dtype="object")
    mapping = other.drop_duplicates(key).set_index(key)[column]
    return by_distinct(values, lambda v: v.map(mapping), _codes(df, col))  # a few distinct ids or codes


def _qualifiers(df: pd.DataFrame, ctx: Context):
    """(codes of df's qualifier column, its distinct qualifiers, whether each is in data/qualifiers.csv,
    the qualifiers table with one row per code): the rules below work per distinct qualifier."""
    codes, n = _codes(df, "qualifier")
    _, first = factorize(df["qualifier"], (codes, n))
    distinct = df["qualifier"].iloc[first].reset_index(drop=True)
    table = ctx.tables.get("qualifiers", pd.DataFrame({"code": []}))
    known = distinct.isin(table["code"]).to_numpy(dtype=bool)
    return codes, distinct, known, table.drop_duplicates("code").set_index("code")


def _rule_of(table: pd.DataFrame, which: str, distinct: pd.Series) -> pd.Series:
    """The qualifier's ``{which}_rule`` for each distinct qualifier (missing where there is none)."""
    column = f"{which}_rule"
    if column not in table.columns:
        return pd.Series(pd.NA, index=distinct.index, dtype="object")
    return distinct.map(table[column])


def _bound_follows_rule(which: str):
    def check(df, ctx):
        codes, distinct, known, table = _qualifiers(df, ctx)
        rule = _rule_of(table, which, distinct)
        # What each distinct rule asks: nothing (empty), a value (given), n + offset, or a fixed number.
        empty = rule.isna().to_numpy(dtype=bool)
        given = (rule == "given").fillna(False).to_numpy(dtype=bool)
        uses_n = np.zeros(len(rule), bool)
        offset = np.zeros(len(rule), np.int64)
        fixed = np.zeros(len(rule), bool)
        number = np.zeros(len(rule), np.int64)
        for r in rule.dropna().unique():  # a handful of distinct rules
            at = (rule == r).fillna(False).to_numpy(dtype=bool)
            if r == "n":
                uses_n[at] = True
            elif r.startswith("n+") or r.startswith("n-"):
                uses_n[at], offset[at] = True, int(r[1:])
            elif r.isdigit():
                fixed[at], number[at] = True, int(r)
        stated, value = df["value_stated"], df[f"value_{which}"]
        expected = (stated + offset[codes]).where(uses_n[codes]).mask(fixed[codes], pd.Series(number[codes], index=df.index))
        v_na, e_na = value.isna().to_numpy(), expected.isna().to_numpy()
        equal = (value == expected).to_numpy(dtype=bool, na_value=False) | (v_na & e_na)
        empty, given = empty[codes], given[codes]
        ok = (empty & v_na) | (given & ~v_na) | (~empty & ~given & equal)
        return pd.Series(ok | ~known[codes], index=df.index)
    return check


def _stated_matches_rules(df, ctx):
    codes, distinct, known, table = _qualifiers(df, ctx)
    uses_n = np.zeros(len(distinct), bool)
    for which in BOUNDS:
        rule = _rule_of(table, which, distinct).astype(object)
        uses_n |= rule.where(rule.notna(), "").astype(str).str.startswith("n").to_numpy(dtype=bool)
    return pd.Series((uses_n[codes] == df["value_stated"].notna().to_numpy()) | ~known[codes], index=df.index)


def _stated_in_wording(df, ctx):
    """Where value_text writes the number in digits, value_stated is one of its numbers."""
    codes, distinct = pd.factorize(df["value_text"].fillna(""))  # each distinct wording is read once
    digits = pd.Series(distinct, dtype=object).str.replace(r"(?<=[0-9])[, \u00a0\u202f](?=[0-9]{3}\b)", "", regex=True)
    found = digits.str.findall(r"[0-9]+").explode().dropna()  # index: the wording's code
    has_digits = np.zeros(len(distinct), bool)
    has_digits[found.index.to_numpy(dtype=np.intp)] = True
    numbers = found.map(int)  # exact; a number beyond 64 bits equals no value_stated
    numbers = numbers[numbers <= np.iinfo(np.int64).max]
    written = pd.MultiIndex.from_arrays([numbers.index.to_numpy(dtype=np.int64), numbers.to_numpy(dtype=np.int64)])
    stated = df["value_stated"]
    given = stated.notna().to_numpy()
    hit = np.zeros(len(df), bool)
    pairs = pd.MultiIndex.from_arrays([codes[given].astype(np.int64), stated[given].to_numpy(dtype=np.int64)])
    hit[given] = pairs.isin(written)
    return pd.Series(hit | ~has_digits[codes] | ~given, index=df.index)


def _bounds_ordered(df, ctx):
    low, best, high = df["value_low"], df["value_best"], df["value_high"]
    return _le(low, best) & _le(best, high) & _le(low, high)


def _claimant_is_publisher(df, ctx):
    publisher = _lookup(ctx, "sources", "source_id", "publisher_actor_id", df, "source_id")
    return (df["attributed"].fillna(True) | (df["claimant_actor_id"] == publisher).fillna(True)).astype(bool)


def _source_consulted(df, ctx):
    return _lookup(ctx, "sources", "source_id", "consulted", df, "source_id").fillna(True).astype(bool)


def _event_has_consulted_source(df, ctx):
    links, sources = ctx.tables.get("event_sources"), ctx.tables.get("sources")
    if links is None or sources is None:
        return pd.Series(True, index=df.index)
    consulted = set(sources.loc[sources["consulted"].fillna(True).astype(bool), "source_id"])  # a bad boolean is reported as such
    backed = set(links.loc[links["source_id"].isin(consulted), "event_id"])
    return df["event_id"].isin(backed)


def _note_if_inferred(basis_columns, note):
    def check(df, ctx):
        needs = pd.Series(False, index=df.index)
        for c in basis_columns:
            needs |= (df[c] == "inferred").fillna(False).astype(bool)
        return (~needs | df[note].notna()).astype(bool)
    return check


def _not_after(a, b):
    return lambda df, ctx: _le(df[a], df[b])


def _required_if(column, condition):
    return lambda df, ctx: (~condition(df).fillna(False).astype(bool) | df[column].notna()).astype(bool)


def _in_coverage(column, upper=True):
    def check(df, ctx):
        start, end = ctx.coverage
        ok = _le(pd.Series(start, index=df.index), df[column])
        if upper:
            ok &= _le(df[column], pd.Series(end, index=df.index))
        return ok
    return check


def _not_future(column):
    return lambda df, ctx: _le(df[column], pd.Series(ctx.today, index=df.index))


def _used(table, key):
    return lambda df, ctx: df[key].isin(ctx.references.get(table, set()))


HINT_BOUNDS = "derive value_low, value_best and value_high from value_stated by the qualifier's rules in data/qualifiers.csv (see docs/codebook.md)"
COVERAGE = "dates must lie in the period the dataset covers (datapackage.json 'temporal'); check the year"

RULES = [
    Rule("bounds-order", "figures", "value_low", "value_low <= value_best <= value_high does not hold",
         "check the bounds: the low bound cannot exceed the best estimate or the high bound", _bounds_ordered),
    *[Rule("bounds-qualifier", "figures", f"value_{w}", f"value_{w} does not follow the qualifier's {w}_rule",
           HINT_BOUNDS, _bound_follows_rule(w)) for w in BOUNDS],
    Rule("stated-value", "figures", "value_stated",
         "value_stated must be given exactly when the qualifier's rules use the stated number n",
         "write the number from value_text in value_stated, or leave it empty for wording without a number ('hundreds')",
         _stated_matches_rules),
    Rule("stated-not-in-wording", "figures", "value_stated", "value_stated is not the number written in value_text",
         "copy the number from value_text into value_stated as plain digits (7000 for 'Up to 7,000')", _stated_in_wording),
    Rule("reference-order", "figures", "reference_end_date", "reference_end_date is before reference_start_date",
         "swap or correct the dates of the reference period", _not_after("reference_start_date", "reference_end_date")),
    Rule("reference-after-claim", "figures", "reference_end_date", "the number refers to a date after the claim was made",
         "a claim cannot count what has not happened yet: check reference_end_date and claim_date", _not_after("reference_end_date", "claim_date")),
    Rule("claimant-publisher", "figures", "claimant_actor_id", "attributed is false but the claimant is not the source's publisher",
         "when the source states the number in its own voice, the claimant is its publisher (sources.publisher_actor_id); otherwise set attributed to true",
         _claimant_is_publisher),
    Rule("source-not-consulted", "figures", "source_id", "the figure's source was not read by the curators (consulted is false)",
         "cite the source you read that reports the number", _source_consulted),
    Rule("note-required", "figures", "note", "a date is inferred but the note does not say how",
         "explain in the note how the inferred date was worked out", _note_if_inferred(["claim_date_basis", "reference_date_basis"], "note")),
    *[Rule("outside-coverage", "figures", c, f"{c} is outside the period the dataset covers", COVERAGE, _in_coverage(c))
      for c in ("reference_start_date", "reference_end_date")],
    Rule("outside-coverage", "figures", "claim_date", "claim_date is before the period the dataset covers", COVERAGE,
         _in_coverage("claim_date", upper=False)),
    Rule("end-before-start", "events", "end_date", "end_date is before start_date", "swap or correct the dates",
         _not_after("start_date", "end_date")),
    *[Rule("outside-coverage", "events", c, f"{c} is outside the period the dataset covers", COVERAGE, _in_coverage(c))
      for c in ("start_date", "end_date")],
    Rule("note-required", "events", "date_note", "the dates are not stated by the source but date_note does not say how they were established",
         "explain in date_note how the dates were worked out", _note_if_inferred(["date_basis"], "date_note")),
    Rule("unsourced", "events", "event_id", "no source that the curators read reports this event",
         "add a row to data/event_sources.csv linking the event to a consulted source", _event_has_consulted_source),
    Rule("accessed-before-published", "sources", "accessed_date", "accessed_date is before published_date",
         "a document cannot be read before it is published: check both dates", _not_after("published_date", "accessed_date")),
    Rule("consulted-needs-url", "sources", "url", "a consulted source needs the URL where it was read",
         "add the URL, or set consulted to false if the document was not read",
         _required_if("url", lambda df: df["consulted"])),
    Rule("consulted-needs-access-date", "sources", "accessed_date", "a consulted source needs the date it was read",
         "add accessed_date", _required_if("accessed_date", lambda df: df["consulted"])),
    Rule("cited-by-required", "sources", "cited_by_source_id", "a source that was not read needs the source that cites it",
         "fill cited_by_source_id with the consulted source that cites this document",
         _required_if("cited_by_source_id", lambda df: ~df["consulted"].astype("boolean"))),
    Rule("person-without-public-role", "actors", "public_role", "a person is recorded without a public role",
         "record persons only in their public role (an official or public figure); private persons appear only as counts",
         _required_if("public_role", lambda df: df["actor_type"] == "person")),
    *[Rule("unused", t, "code" if t in VOCABULARIES else t[:-1] + "_id",
           "no row of the package references this entry",
           "delete the entry, or reference it where it is used (vocabulary entries and actors and sources exist only when used)",
           _used(t, "code" if t in VOCABULARIES else t[:-1] + "_id")) for t in MUST_BE_USED],
]


def future_rules(resources: dict) -> list[Rule]:
    """No date of any table may lie in the future: derived from the schemas' date fields."""
    out = []
    for name, res in resources.items():
        for f in res.schema["fields"]:
            if f.get("type") == "date":
                out.append(Rule("future-date", name, f["name"], f"{f['name']} is in the future",
                                "check the year; a date after today cannot be right", _not_future(f["name"])))
    return out


def as_checks(rules: list[Rule], ctx: Context) -> list[pa.Check]:
    """Wrap rules as pandera dataframe checks; a rule whose columns are missing is skipped.

    A row whose every value is missing passes, as pandera's ``ignore_na`` would have it; the mask is
    computed once per frame here instead of by pandera for every check (``isna`` of the whole frame).
    """
    def wrap(rule):
        def fn(df):
            trim()  # what the rule before freed goes back to the system before this one allocates
            _seed(df, ctx.codes.get(rule.table, {}))
            try:
                out = rule.func(df, ctx)
                if not out.index.equals(df.index):
                    out = out.reindex(df.index, fill_value=True)
                out = out.astype(bool)
            except KeyError:  # a column is missing: the header problem is already reported
                return pd.Series(True, index=df.index)
            return out | all_missing(df)
        return pa.Check(fn, name=rule.check_name, ignore_na=False)

    seen = {}  # the last frame (weakly: pandera's registry keeps what the checks reference) and its mask

    def all_missing(df):
        if seen.get("frame", lambda: None)() is not df:
            seen["frame"], seen["mask"] = weakref.ref(df), _all_missing(df)
        return seen["mask"]
    return [wrap(r) for r in rules]


def _all_missing(df: pd.DataFrame) -> pd.Series:
    """Rows whose every value is missing, looking at each column only for the rows still in question."""
    rows = np.arange(len(df))
    for col in sorted(df.columns, key=lambda c: df[c].dtype == object):  # typed columns first: cheap isna
        if not len(rows):
            break
        rows = rows[df[col].iloc[rows].isna().to_numpy()]
    mask = np.zeros(len(df), bool)
    mask[rows] = True
    return pd.Series(mask, index=df.index)


def references(tables: dict, resources: dict, foreign_keys, codes: dict | None = None) -> dict:
    """For every table, the set of its key values referenced by any foreign key in the package.

    ``codes`` (table -> ``Table.codes``) gives one row per distinct value of a column to look at."""
    refs: dict = {}
    for name, res in resources.items():
        if name not in tables:
            continue
        for fields, ref_name, ref_fields in foreign_keys(res.schema, name):
            if len(fields) == 1 and fields[0] in tables[name].columns:
                col = tables[name][fields[0]]
                known = (codes or {}).get(name, {}).get(fields[0])
                if known is not None:
                    col = col.iloc[factorize(col, known)[1]]
                refs.setdefault(ref_name, set()).update(col.dropna().unique())
    return refs


def coverage(descriptor: dict) -> tuple:
    """The (start, end) period the dataset covers, or None when the descriptor does not declare it."""
    temporal = descriptor.get("temporal")
    try:
        return pd.Timestamp(dt.date.fromisoformat(temporal["start"])), pd.Timestamp(dt.date.fromisoformat(temporal["end"]))
    except (KeyError, TypeError, ValueError):
        return None


def today() -> pd.Timestamp:
    return pd.Timestamp(dt.date.today())
