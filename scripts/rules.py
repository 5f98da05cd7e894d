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
from . import wording
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
                   f"{'' if pd.isna(stated) else f'{stated:g}'} → {said}".replace("  ", " "))
    return out


def _stated_matches_rules(df, ctx):
    table = ctx.frame("qualifiers").drop_duplicates("code").set_index("code")
    uses_n = pd.Series(False, index=table.index)  # per qualifier: does any of its rules use n?
    for w in BOUNDS:
        uses_n |= table[f"{w}_rule"].fillna("").str.startswith("n").astype(bool)
    known = df["qualifier"].isin(table.index)
    return (df["qualifier"].map(uses_n).fillna(False).astype(bool) == df["value_stated"].notna()) | ~known


def _wording(df):
    """The numbers written in each row's value_text (read once per distinct wording by ``wording.numbers``)."""
    texts = df["value_text"].fillna("")
    read = {t: {round(x, 6) for x in wording.numbers(t)} for t in texts.unique()}
    return texts.map(read)


def _in_wording(columns):
    """Where value_text writes numbers (and the source made no error), each of ``columns`` that is given is one of them."""
    def check(df, ctx):
        written = _wording(df)
        ok = pd.Series(True, index=df.index)
        for c in columns:
            value = df[c].astype("Float64").round(6)
            hit = pd.Series([v in w for v, w in zip(value.fillna(-1.0), written)], index=df.index)
            ok &= hit | value.isna() | (written.map(len) == 0)
        return ok | df["source_error"].fillna(False).astype(bool)
    return check


def _range_in_wording(df, ctx):
    return _in_wording(["value_low", "value_high"])(df, ctx) | (df["qualifier"] != "range")


def _qualifier_in_wording(df, ctx):
    """The qualifier is the one the wording's own words give: its order-of-magnitude word ("hundreds") for
    those qualifiers; for the others, its bound word when it has one ("no more than" is up_to). A range
    states its two ends instead (range-not-in-wording); a source's own error and an unknown code are exempt."""
    texts = df["value_text"].fillna("")
    distinct = texts.unique()
    magnitude = texts.map({t: wording.magnitude(t) for t in distinct})
    bound = texts.map({t: wording.bound(t) for t in distinct})
    qualifier = df["qualifier"]
    is_magnitude = qualifier.isin(set(wording.MAGNITUDE_WORDS))
    magnitude_ok = ~is_magnitude | (magnitude == qualifier).fillna(False)
    bound_ok = is_magnitude | (qualifier == "range").fillna(False) | bound.isna() | (bound == qualifier).fillna(False)
    unknown = ~qualifier.isin(ctx.frame("qualifiers")["code"])  # an unknown code is the foreign key's problem alone
    return (magnitude_ok & bound_ok) | unknown | df["source_error"].fillna(False).astype(bool)


def _claimant_is_publisher(df, ctx):
    """A claim in the source's own voice is its publisher's: of the original source when the row has one."""
    source = df["original_source_id"].fillna(df["source_id"])
    publisher = _lookup(ctx, "sources", "source_id", "publisher_actor_id", source)
    return (df["claimant_basis"] != "publisher").fillna(True) | publisher.isna() | (df["claimant_actor_id"] == publisher).fillna(False)


def _claimant_matches_basis(df, ctx):
    named = df["claimant_basis"].isin(["named", "inferred", "publisher"])
    unnamed = df["claimant_basis"] == "unnamed"
    return (~named | df["claimant_actor_id"].notna()) & (~unnamed | df["claimant_actor_id"].isna())


def _period_end(date, precision):
    """The last day of the period a date of ``precision`` (day, month, year) stands for."""
    end = date.copy()
    month, year = (precision == "month").fillna(False).astype(bool), (precision == "year").fillna(False).astype(bool)
    end[month] = date[month] + pd.offsets.MonthEnd(0)
    end[year] = date[year] + pd.offsets.YearEnd(0)
    return end


def _reference_not_after_claim(df, ctx):
    """A claim counts what has happened by the end of its date's period, unless its quantity is a plan."""
    planned = (_lookup(ctx, "quantities", "quantity_id", "count_type", df["quantity_id"]) == "planned").fillna(False).astype(bool)
    return planned | _le(df["reference_end_date"], _period_end(df["claim_date"], df["claim_date_precision"]))


def _precise_form(date, precision):
    """A date of month precision is the first of its month; of year precision, 1 January."""
    def check(df, ctx):
        d, p = df[date], df[precision]
        month_ok = (p != "month").fillna(True) | (d.dt.day == 1).fillna(True)
        year_ok = (p != "year").fillna(True) | ((d.dt.day == 1) & (d.dt.month == 1)).fillna(True)
        return (month_ok & year_ok).astype(bool)
    return check


def _not_to_itself(a, b):
    return lambda df, ctx: (df[a] != df[b]).fillna(True).astype(bool)


def _figure_values(ctx, ids, column):
    return _lookup(ctx, "figures", "figure_id", column, ids).astype("Float64")


def _repeat_equal(df, ctx):
    """A repeated claim has the bounds of the claim it repeats."""
    rep = df["link_type"] == "repeats"
    ok = pd.Series(True, index=df.index)
    for c in ("value_low", "value_best", "value_high"):
        a, b = _figure_values(ctx, df["figure_id"], c), _figure_values(ctx, df["other_figure_id"], c)
        ok &= ((a == b) | (a.isna() & b.isna())).fillna(False).astype(bool)
    return ~rep | ok


def _part_within_whole(df, ctx):
    """A part or subset cannot be larger than the whole: its low bound is not above the whole's high bound."""
    part = df["link_type"].isin(["part_of", "subset_of"])
    low = _figure_values(ctx, df["figure_id"], "value_low").fillna(_figure_values(ctx, df["figure_id"], "value_best"))
    high = _figure_values(ctx, df["other_figure_id"], "value_high").fillna(_figure_values(ctx, df["other_figure_id"], "value_best"))
    return ~part | _le(low, high)


def _sum_matches(df, ctx):
    """A sum's low bound (and best estimate) equals the sum of its parts' where every part gives one."""
    sums = df[df["link_type"] == "sum_of"]
    ok = pd.Series(True, index=df.index)
    for c in ("value_low", "value_best"):
        parts = _figure_values(ctx, sums["other_figure_id"], c)
        total = parts.groupby(sums["figure_id"]).sum(min_count=1)
        complete = parts.notna().groupby(sums["figure_id"]).all()
        whole = _figure_values(ctx, pd.Series(total.index, index=total.index), c)
        bad = set(total.index[(complete & whole.notna() & (whole.round(6) != total.round(6))).fillna(False).astype(bool)])
        ok &= ~(df["figure_id"].isin(bad) & (df["link_type"] == "sum_of"))
    return ok


def _event_placed(df, ctx):
    places = ctx.frame("event_places")
    return isin(df["event_id"], places["event_id"]) if places is not None else pd.Series(True, index=df.index)


def _bounds_ordered(df, ctx):
    low, best, high = df["value_low"], df["value_best"], df["value_high"]
    return _le(low, best) & _le(best, high) & _le(low, high)


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


def _in_coverage(column):
    def check(df, ctx):
        start, end = (pd.Series(pd.Timestamp(d), index=df.index) for d in ctx.package.coverage)
        return _le(start, df[column]) & _le(df[column], end)
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
    Rule("stated-not-in-wording", "figures", "value_stated", "value_stated is not a number that value_text writes",
         "write the number of value_text in value_stated as a plain number (7000 for 'Up to 7,000', 6800 for '6,8 тыс.'); if the source "
         "misprinted it, set source_error to true and say so in the note", _in_wording(["value_stated"])),
    Rule("range-not-in-wording", "figures", "value_low", "a range's value_low and value_high are not both numbers that value_text writes",
         "write the two ends of the range in value_low and value_high ('65-70 тысяч': 65000 and 70000)", _range_in_wording),
    Rule("qualifier-not-in-wording", "figures", "qualifier", "the qualifier is not the one the words of value_text give",
         "use the qualifier of the wording's own word: 'up to', 'no more than', 'не более' up_to; 'more than', 'over', 'более', "
         "'свыше' more_than; 'at least', 'не менее' at_least; 'nearly', 'почти' nearly; 'about', 'около' approximately; "
         "'dozens', 'hundreds', 'thousands' ... their own codes (scripts/wording.py lists every word); if the source "
         "misworded it, set source_error to true and say so in the note", _qualifier_in_wording),
    Rule("reference-order", "figures", "reference_end_date", "reference_end_date is before reference_start_date",
         "swap or correct the dates of the reference period", _not_after("reference_start_date", "reference_end_date")),
    Rule("reference-after-claim", "figures", "reference_end_date", "the number refers to a date after the claim was made",
         "a claim cannot count what has not happened yet (unless its quantity's count type is planned): check reference_end_date and claim_date",
         _reference_not_after_claim),
    Rule("claimant-publisher", "figures", "claimant_actor_id", "claimant_basis is publisher but the claimant is not the source's publisher",
         "when the source states the number in its own voice, the claimant is its publisher (of original_source_id when there is one); "
         "otherwise use named, inferred or unnamed", _claimant_is_publisher),
    Rule("claimant-basis", "figures", "claimant_actor_id", "claimant_actor_id does not fit claimant_basis (named, inferred and publisher need an actor; unnamed has none)",
         "fill claimant_actor_id with the actor the claimant resolves to, or leave it empty for an unnamed claimant", _claimant_matches_basis),
    Rule("source-not-consulted", "figures", "source_id", "the figure's source was not read by the curators (consulted is false)",
         "cite the source you read that reports the number; a source known only from it goes in original_source_id", _source_consulted),
    Rule("note-required", "figures", "note", "a date or the claimant is inferred, or the source erred, but the note does not say how",
         "explain in the note how the inferred date or claimant was worked out, or what the source's error is",
         lambda df, ctx: _note_if_inferred(["claim_date_basis", "reference_date_basis", "claimant_basis"], "note")(df, ctx)
         & (~df["source_error"].fillna(False).astype(bool) | df["note"].notna())),
    Rule("precision-date", "figures", "claim_date", "a claim date of month or year precision is not the first day of its month or year",
         "write the first day of the month (2022-08-01) or of the year (2022-01-01) with that precision", _precise_form("claim_date", "claim_date_precision")),
    Rule("precision-date", "sources", "published_date", "a publication date of month or year precision is not the first day of its month or year",
         "write the first day of the month (2022-08-01) or of the year (2022-01-01) with that precision",
         _precise_form("published_date", "published_date_precision")),
    Rule("link-to-itself", "figure_links", "other_figure_id", "a claim is linked to itself", "link two different claims",
         _not_to_itself("figure_id", "other_figure_id")),
    Rule("repeat-differs", "figure_links", "figure_id", "the claim repeats the linked claim but its bounds differ",
         "a republished claim has the same bounds as the claim it repeats: check both rows, or use another link type", _repeat_equal),
    Rule("part-exceeds-whole", "figure_links", "figure_id", "the part or subset is larger than the whole it is linked to",
         "check the link's direction (figure_id is the part) and both claims' bounds", _part_within_whole),
    Rule("sum-mismatch", "figure_links", "figure_id", "the claim is not the sum of the claims it is linked to as their sum",
         "link every part of the sum, or check the bounds of the sum and its parts", _sum_matches),
    Rule("link-to-itself", "event_links", "other_event_id", "an event is linked to itself", "link two different events",
         _not_to_itself("event_id", "other_event_id")),
    Rule("unplaced", "events", "event_id", "the event has no place", "add a row to data/event_places.csv with the place the sources give (at least the country)",
         _event_placed),
    Rule("end-before-start", "event_date_claims", "end_date", "end_date is before start_date", "swap or correct the dates",
         _not_after("start_date", "end_date")),
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
MUST_BE_REFERENCED = ["actors", "sources", "places", "quantities"]  # entities exist only when used; vocabularies may hold codes not yet used


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
        if res.name in MUST_BE_REFERENCED:
            key = res.primary_key[0]
            out.append(Rule("unused", res.name, key, "no row of the package references this entry",
                            "delete the entry, or reference it where it is used (actors, sources, places and quantities exist only when used)",
                            _referenced(res.name, key)))
    return out
