"""Rules that Table Schema cannot express, each written once and run by pandera beside the constraints.

A rule is a vectorised function that returns a boolean Series, True where the row passes: a *column*
rule sees one column (the free-text rules), a *frame* rule sees the table and, through the context,
the other tables (cross-field and cross-table rules, foreign keys, unused entries). ``rules_for``
builds every rule of a package from its schemas and the list below; ``docs/codebook.md`` lists them.
Patterns are RE2, run by Arrow, like the schemas' ``pattern`` constraints.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from . import report as R
from .descriptor import Package
from .schema import isin, re2

BOUNDS = ("low", "best", "high")


@dataclass
class Context:
    package: Package
    tables: dict  # name -> reading.Table, typed
    today: dt.date

    def frame(self, name: str) -> pd.DataFrame | None:
        t = self.tables.get(name)
        return None if t is None else t.typed


@dataclass
class Rule:
    rule: str
    table: str
    column: str
    message: str
    hint: str
    func: Callable  # column rule: (Series) -> bool Series; frame rule: (DataFrame, Context) -> bool Series
    kind: str = "frame"
    explain: Callable | None = None  # (DataFrame, Context, rows) -> one message per failing row

    @property
    def check_name(self) -> str:
        return f"{self.rule}:{self.table}.{self.column}"

    def column_check(self) -> pa.Check:
        return pa.Check(self.func, name=self.check_name)

    def frame_check(self, ctx: Context) -> pa.Check:
        def run(df):
            try:
                return self.func(df, ctx).reindex(df.index, fill_value=True).astype(bool)
            except KeyError:  # a column is missing: the header problem is already reported
                return pd.Series(True, index=df.index)
        return pa.Check(run, name=self.check_name, ignore_na=False)

    def problems(self, table, ctx: Context, rows) -> pd.DataFrame:
        message = self.explain(table.typed, ctx, rows) if self.explain else self.message
        value = table.text_of(self.column, rows) if self.column in table.text.column_names else None
        return R.make(table.file, self.rule, message, self.hint, row=rows, column=self.column, value=value)


# --- free text -----------------------------------------------------------------------------------------
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE = (r"(?:^|[^\w-])(?:\+|00)[1-9](?:[\s().-]?[0-9]){7,14}(?:[^0-9]|$)"
         r"|(?:^|[^\w-])\(?0?[0-9]{2,3}\)?[\s-][0-9]{3}[\s-][0-9]{2}[\s-][0-9]{2}(?:[^0-9]|$)")
TEXT_RULES = [  # (rule, pattern, message, hint): checked in every free-text field
    ("formula-injection", r"^[=+\-@]", "the text starts with =, +, - or @, which a spreadsheet runs as a formula",
     "reword the text so that it does not begin with =, +, - or @"),
    ("markup", r"<\s*/?\s*[A-Za-z!?][^>]*>|javascript:", "the text contains HTML or script markup", "write plain text without tags or scripts"),
    ("personal-data", f"{EMAIL}|{PHONE}", "the text contains what looks like an e-mail address or a phone number",
     "remove personal contact data: private persons are never recorded, and sources are cited by URL"),
]


def _personal(column):
    def explain(df, ctx, rows):
        email = re2(df.loc[rows, column], EMAIL)
        return ["the text contains what looks like an e-mail address" if e else "the text contains what looks like a phone number"
                for e in email]
    return explain


# --- helpers ---------------------------------------------------------------------------------------------
def _le(a, b):
    """a <= b where both are present; missing values pass."""
    return ((a <= b).fillna(True) | a.isna() | b.isna()).astype(bool)


def _lookup(ctx: Context, table: str, key: str, column: str, values: pd.Series) -> pd.Series:
    """``column`` of the row of ``table`` whose ``key`` equals each of ``values``."""
    other = ctx.frame(table)
    if other is None or column not in other.columns:
        return pd.Series(pd.NA, index=values.index, dtype="object")
    return values.map(other.drop_duplicates(key).set_index(key)[column])


# --- figures: the bounds follow from the qualifier -------------------------------------------------------
def _expected(df, ctx, which):
    """(the qualifier's rule for bound ``which`` per row, the value it asks for, whether the qualifier is known)."""
    table = ctx.frame("qualifiers")
    rule = _lookup(ctx, "qualifiers", "code", f"{which}_rule", df["qualifier"]).astype(object)
    stated = df["value_stated"].astype("Float64")
    expected = pd.Series(pd.NA, index=df.index, dtype="Float64")
    for r in rule.dropna().unique():  # a handful of distinct rules
        at = (rule == r).to_numpy(dtype=bool)
        if r == "n" or r[:2] in ("n+", "n-"):
            expected[at] = stated[at] + (int(r[1:]) if len(r) > 1 else 0)
        elif r.isdigit():
            expected[at] = float(r)
    known = df["qualifier"].isin(table["code"]) if table is not None else pd.Series(False, index=df.index)
    return rule, expected, known


def _bound_follows(which):
    def check(df, ctx):
        rule, expected, known = _expected(df, ctx, which)
        value = df[f"value_{which}"].astype("Float64")
        empty, given = rule.isna(), (rule == "given").fillna(False).astype(bool)
        ok = (empty & value.isna()) | (given & value.notna()) | (value == expected).fillna(False).astype(bool)
        return ok | ~known
    return check


def _bounds_explain(df, ctx, rows):
    sub = df.loc[rows]
    parts = {w: _expected(sub, ctx, w)[:2] for w in BOUNDS}
    out = []
    for i, row in enumerate(rows):
        want, empty = [], []
        for w in BOUNDS:
            rule, expected = parts[w][0].iloc[i], parts[w][1].iloc[i]
            if pd.isna(rule):
                empty.append(f"value_{w}")
            else:
                want.append(f"value_{w} " + ("any number" if rule == "given" else f"{expected:g}" if pd.notna(expected) else "?"))
        stated = sub["value_stated"].iloc[i]
        said = ", ".join(want) + (f", {' and '.join(empty)} empty" if empty else "")
        out.append(f"the bounds do not follow the qualifier: {sub['qualifier'].iloc[i]} "
                   f"{'' if pd.isna(stated) else stated} → {said}".replace("  ", " "))
    return out


def _stated_matches_rules(df, ctx):
    table = ctx.frame("qualifiers").drop_duplicates("code").set_index("code")
    uses_n = pd.Series(False, index=table.index)  # per qualifier: does any of its rules use n?
    for w in BOUNDS:
        uses_n |= table[f"{w}_rule"].fillna("").str.startswith("n").astype(bool)
    known = df["qualifier"].isin(table.index)
    return (df["qualifier"].map(uses_n).fillna(False).astype(bool) == df["value_stated"].notna()) | ~known


def _stated_in_wording(df, ctx):
    """Where value_text writes the number in digits, value_stated is one of its numbers."""
    text = pyarrow.array(df["value_text"].fillna(""), type=pyarrow.string())
    joined = text
    for _ in range(2):  # "1,000,000": thousands separators between digits go, in two passes (matches do not overlap)
        joined = pc.replace_substring_regex(joined, r"([0-9])[, \x{a0}\x{202f}]([0-9]{3})([^0-9]|$)", r"\1\2\3")
    numbers = pc.split_pattern_regex(joined, r"[^0-9]+")
    flat = pc.list_flatten(numbers)
    owner = pc.list_parent_indices(numbers).to_numpy()
    written = pd.Series(flat.to_numpy(zero_copy_only=False), index=owner)
    written = written[written.str.len().between(1, 18)].astype("int64")
    has_digits = np.zeros(len(df), bool)
    has_digits[written.index.to_numpy()] = True
    stated = df["value_stated"]
    pairs = pd.MultiIndex.from_arrays([np.arange(len(df)), stated.fillna(-1).astype("int64").to_numpy()])
    hit = pairs.isin(pd.MultiIndex.from_arrays([written.index.to_numpy(), written.to_numpy()]))
    return pd.Series(hit | ~has_digits | stated.isna().to_numpy(), index=df.index)


def _bounds_ordered(df, ctx):
    low, best, high = df["value_low"], df["value_best"], df["value_high"]
    return _le(low, best) & _le(best, high) & _le(low, high)


def _claimant_is_publisher(df, ctx):
    publisher = _lookup(ctx, "sources", "source_id", "publisher_actor_id", df["source_id"])
    return (df["attributed"].fillna(True) | publisher.isna() | (df["claimant_actor_id"] == publisher).fillna(True)).astype(bool)


def _source_consulted(df, ctx):
    return _lookup(ctx, "sources", "source_id", "consulted", df["source_id"]).fillna(True).astype(bool)


def _event_has_consulted_source(df, ctx):
    links, sources = ctx.frame("event_sources"), ctx.frame("sources")
    consulted = sources.loc[sources["consulted"].fillna(True).astype(bool), "source_id"]
    return isin(df["event_id"], links.loc[isin(links["source_id"], consulted), "event_id"])


def _note_if_inferred(basis_columns, note):
    def check(df, ctx):
        needs = pd.Series(False, index=df.index)
        for c in basis_columns:
            needs |= (df[c] == "inferred").fillna(False).astype(bool)
        return ~needs | df[note].notna()
    return check


def _not_after(a, b):
    return lambda df, ctx: _le(df[a], df[b])


def _required_if(column, condition):
    return lambda df, ctx: ~condition(df).fillna(False).astype(bool) | df[column].notna()


def _in_coverage(column, upper=True):
    def check(df, ctx):
        start, end = (pd.Series(pd.Timestamp(d), index=df.index) for d in ctx.package.coverage)
        return _le(start, df[column]) & (_le(df[column], end) if upper else True)
    return check


HINT_BOUNDS = "derive value_low, value_best and value_high from value_stated by the qualifier's rules in data/qualifiers.csv (see docs/codebook.md)"
COVERAGE = "dates must lie in the period the dataset covers (datapackage.json 'temporal'); check the year"

RULES = [
    Rule("bounds-order", "figures", "value_low", "value_low <= value_best <= value_high does not hold",
         "check the bounds: the low bound cannot exceed the best estimate or the high bound", _bounds_ordered),
    *[Rule("bounds-qualifier", "figures", f"value_{w}", f"value_{w} does not follow the qualifier's {w}_rule",
           HINT_BOUNDS, _bound_follows(w), explain=_bounds_explain) for w in BOUNDS],
    Rule("stated-value", "figures", "value_stated", "value_stated must be given exactly when the qualifier's rules use the stated number n",
         "write the number from value_text in value_stated, or leave it empty for wording without a number ('hundreds')", _stated_matches_rules),
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
         "add the URL, or set consulted to false if the document was not read", _required_if("url", lambda df: df["consulted"])),
    Rule("consulted-needs-access-date", "sources", "accessed_date", "a consulted source needs the date it was read",
         "add accessed_date", _required_if("accessed_date", lambda df: df["consulted"])),
    Rule("cited-by-required", "sources", "cited_by_source_id", "a source that was not read needs the source that cites it",
         "fill cited_by_source_id with the consulted source that cites this document", _required_if("cited_by_source_id", lambda df: ~df["consulted"])),
    Rule("person-without-public-role", "actors", "public_role", "a person is recorded without a public role",
         "record persons only in their public role (an official or public figure); private persons appear only as counts",
         _required_if("public_role", lambda df: df["actor_type"] == "person")),
]
MUST_BE_REFERENCED = ["actors", "sources"]  # and every vocabulary: entries exist only when used


# --- rules derived from the schemas ----------------------------------------------------------------------
def _foreign_key(fk):
    def check(df, ctx):
        target = ctx.frame(fk.resource)
        if target is None or not set(fk.reference_fields) <= set(target.columns):
            return pd.Series(True, index=df.index)
        src = df[fk.fields]
        present = src.notna().all(axis=1)
        unread = ctx.tables[fk.resource].ragged  # a row the reader could not split is not checked, but its id is known
        if len(fk.fields) == 1:
            known = pd.concat([target[fk.reference_fields[0]].dropna().astype(object), unread[fk.reference_fields[0]].str.strip()])
            found = isin(src[fk.fields[0]], known)
        else:
            keys = pd.MultiIndex.from_frame(pd.concat([target[fk.reference_fields].dropna().astype(object), unread[fk.reference_fields]]))
            found = pd.Series(pd.MultiIndex.from_frame(src.astype(object)).isin(keys), index=df.index)
        return ~present | found
    return check


def _foreign_key_explain(fk, path):
    def explain(df, ctx, rows):
        target = ctx.frame(fk.resource)
        vocabulary = ctx.package.resource(fk.resource).is_vocabulary
        out = []
        for value in df.loc[rows, fk.fields].astype(str).agg("/".join, axis=1):
            said = f"no row in {path} has {'/'.join(fk.reference_fields)} equal to this value"
            if vocabulary:
                label = target.loc[target["label"].str.casefold() == value.casefold(), "code"]
                said += f"; '{value}' is the label of `{label.iloc[0]}`" if len(label) else f"; allowed: {', '.join(target['code'].dropna())}"
            out.append(said)
        return out
    return explain


def _referenced(name, key):
    def check(df, ctx):
        used = []  # the distinct values of every single-field foreign key into this table, ragged rows' too
        for res in ctx.package.resources:
            frame = ctx.frame(res.name)
            for fk in res.foreign_keys:
                if fk.resource == name and len(fk.fields) == 1 and frame is not None and fk.fields[0] in frame.columns:
                    used += [frame[fk.fields[0]].dropna().unique(), ctx.tables[res.name].ragged[fk.fields[0]].dropna().str.strip().unique()]
        return isin(df[key], np.concatenate([np.asarray(u, dtype=object) for u in used]) if used else [])
    return check


def _not_future(column):
    return lambda df, ctx: _le(df[column], pd.Series(pd.Timestamp(ctx.today), index=df.index))


def rules_for(package: Package) -> list:
    """Every rule of the package: the list above, and those its schemas imply."""
    out = [r for r in RULES if package.resource(r.table) is not None]
    for res in package.resources:
        for fd in res.fields:
            if fd.free_text:
                for rule, pattern, message, hint in TEXT_RULES:
                    out.append(Rule(rule, res.name, fd.name, message, hint, lambda s, p=pattern: ~re2(s, p), kind="column",
                                    explain=_personal(fd.name) if rule == "personal-data" else None))
            if fd.type == "date":
                out.append(Rule("future-date", res.name, fd.name, f"{fd.name} is in the future",
                                "check the year; a date after today cannot be right", _not_future(fd.name)))
        for fk in res.foreign_keys:
            target = package.resource(fk.resource)
            path = target.path if target else fk.resource
            out.append(Rule("foreign-key", res.name, fk.fields[0], f"no row in {path} has this value",
                            f"correct the id, or add the referenced row to {path} first (ids are never reused, so a withdrawn id cannot be referenced)",
                            _foreign_key(fk), explain=_foreign_key_explain(fk, path)))
        if res.name in MUST_BE_REFERENCED or res.is_vocabulary:
            key = res.primary_key[0]
            out.append(Rule("unused", res.name, key, "no row of the package references this entry",
                            "delete the entry, or reference it where it is used (vocabulary entries and actors and sources exist only when used)",
                            _referenced(res.name, key)))
    return out
