"""Charts drawn from the data: `make charts` writes them into docs/figures/ as PNG and SVG, each with the
data behind it as a small CSV beside it (made by the same code that draws the chart).

- ``timeline``: the events of the first month (from the package's ``temporal`` start, 9 August 2020, to the
  end of that calendar month), by day and event type. Events dated to a day are counted, as stacked bars,
  on the day they start; events that the sources date only to a range of days or a week are drawn as
  spans across that range in a panel below; events starting outside the window are not drawn and the
  chart's footnote names them. ``timeline.csv`` has one row per event and how it is shown.
- ``qty-NNNN``: for each *headline quantity*, the competing claims about it over time: x is the date of
  the claim (``claim_date``), y the value. A dot is ``value_best``, a bar the range from ``value_low`` to
  ``value_high``, an arrow up a lower bound only ("at least 250", "more than 600"), an arrow down an upper
  bound only ("up to 7,000", "nearly 7,000"); colours are claimants (``claimant_actor_id`` by its
  ``actors.name_en``; claims without an actor share one grey, "unnamed claimant"); a dashed line joins a
  claim to the earlier claim it ``revises``. Republished copies (``repeats``) are left out, and the footnote
  says which; where two figures are linked as repeating each other, the lower id is drawn. The y axis
  is logarithmic, and says so, when the largest value is more than 50 times the smallest.
  ``qty-NNNN.csv`` has one row per figure of the quantity, copies included, and how it is drawn.

**Headline rule**: a quantity is a headline quantity when its distinct claims (figures that are not
republished copies) come from at least 3 distinct claimants, counting all claims without an actor as one
claimant.

The files are deterministic: SVG with a fixed ``svg.hashsalt`` and no date, PNG with no time stamp, so
rerunning on unchanged data gives the same bytes. ``stale()`` names every chart whose CSV differs from what
the data gives now, whose PNG or SVG is missing, or that belongs to a quantity no longer headline.

Usage: python -m scripts.charts [ROOT]
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = "docs/figures"
DESCRIPTOR = "datapackage.json"
MIN_CLAIMANTS = 3  # the headline rule: distinct claimants of a quantity's distinct claims
LOG_RATIO = 50  # a log y axis when the largest value is more than this many times the smallest
UNNAMED = "unnamed claimant"
UNNAMED_COLOUR = "#8c8c8c"
FORMATS = ("png", "svg")
SAVE = {"png": {"dpi": 110, "metadata": {"Software": None}},
        "svg": {"metadata": {"Date": None}}}
STYLE = {"svg.hashsalt": "belarus-crackdown-2020", "svg.fonttype": "path", "font.family": "DejaVu Sans",
         "font.size": 10, "axes.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False}
# Colours of named claimants, in the order they first claim (tab10 without its grey, then tab20's light shades)
PALETTE = [c for i, c in enumerate(plt.get_cmap("tab10").colors) if i != 7] + \
          [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i % 2 and i not in (14, 15)]
TABLES = {  # the tables read, and the columns the charts use
    "events": ["event_id", "event_type", "start_date", "end_date", "date_precision"],
    "event_types": ["code", "label"],
    "figures": ["figure_id", "quantity_id", "value_text", "qualifier", "value_low", "value_best", "value_high",
                "source_error", "claimant_actor_id", "claim_date"],
    "figure_links": ["figure_id", "link_type", "other_figure_id"],
    "quantities": ["quantity_id", "measure", "description"],
    "measures": ["code", "label", "unit"],
    "actors": ["actor_id", "name_en"],
}


class ChartError(Exception):
    """The charts cannot be made: one line saying what and what to do."""


@dataclass
class Chart:
    name: str  # the file stem in docs/figures/: "timeline" or a quantity id
    data: pd.DataFrame  # the data behind the chart, written as <name>.csv
    draw: Callable[[], plt.Figure]

    def csv(self) -> str:
        return self.data.to_csv(index=False, lineterminator="\n")


# Reading ---------------------------------------------------------------------------------------------

def read(root: Path) -> tuple[dict[str, pd.DataFrame], str]:
    """The tables the charts use (text, as in the files) and the package's temporal start."""
    try:
        dp = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
        paths = {r["name"]: r["path"] for r in dp["resources"]}
        start = dp["temporal"]["start"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ChartError(f"{DESCRIPTOR} cannot be read ({type(e).__name__}: {e}): run make validate") from None
    tables = {}
    for name, columns in TABLES.items():
        path = paths.get(name, f"data/{name}.csv")
        try:
            df = pd.read_csv(root / path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (OSError, ValueError, pd.errors.ParserError) as e:
            raise ChartError(f"{path} cannot be read ({type(e).__name__}: {e}): run make validate") from None
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise ChartError(f"{path} has no column {', '.join(missing)}: run make validate")
        tables[name] = df
    return tables, start


def dates(values: pd.Series, where: str) -> pd.Series:
    """ISO dates as Timestamps ("" becomes NaT); a value that is not a date is a ChartError naming ``where``."""
    out = pd.to_datetime(values.replace("", None), format="%Y-%m-%d", errors="coerce")
    bad = values[(values != "") & out.isna()]
    if len(bad):
        raise ChartError(f"{where} has {bad.iloc[0]!r}, not a date (YYYY-MM-DD): run make validate")
    return out


def numbers(values: pd.Series, where: str) -> pd.Series:
    out = pd.to_numeric(values.replace("", None), errors="coerce")
    bad = values[(values != "") & out.isna()]
    if len(bad):
        raise ChartError(f"{where} has {bad.iloc[0]!r}, not a number: run make validate")
    return out.astype(float)


def day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%B %Y}"


DAY = matplotlib.ticker.FuncFormatter(lambda v, _: f"{mdates.num2date(v).day} {mdates.num2date(v):%b}")  # "9 Aug"


def save(fig: plt.Figure, stem: Path) -> list[Path]:
    paths = []
    for fmt in FORMATS:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, format=fmt, bbox_inches="tight", pad_inches=0.15, **SAVE[fmt])
        paths.append(path)
    plt.close(fig)
    return paths


# The timeline ----------------------------------------------------------------------------------------

def timeline(tables: dict, start: str) -> Chart:
    events = tables["events"][TABLES["events"]].copy()
    first = dates(pd.Series([start]), f"{DESCRIPTOR} temporal.start").iloc[0]
    if pd.isna(first):
        raise ChartError(f"{DESCRIPTOR} has no temporal.start: run make validate")
    last = first + pd.offsets.MonthEnd(0)  # the first month: to the end of the start's calendar month
    begin = dates(events["start_date"], "data/events.csv start_date")
    end = dates(events["end_date"], "data/events.csv end_date").fillna(begin)
    inside = (begin >= first) & (begin <= last)
    events["shown_as"] = np.select(
        [begin.isna(), begin < first, begin > last, events["date_precision"] == "day"],
        ["not shown: no start date", f"not shown: starts before {first:%Y-%m-%d}",
         f"not shown: starts after {last:%Y-%m-%d}", "bar on its start day"], "span")
    events = events.assign(_b=begin, _e=end).sort_values(["_b", "_e", "event_id"], kind="stable")
    data = events[TABLES["events"] + ["shown_as"]].reset_index(drop=True)
    labels = dict(zip(tables["event_types"]["code"], tables["event_types"]["label"]))
    order = list(tables["event_types"]["code"]) + sorted(set(events["event_type"]) - set(labels))
    cmap = plt.get_cmap("tab20").colors
    colour = {code: cmap[i % len(cmap)] for i, code in enumerate(order)}

    def draw() -> plt.Figure:
        bars = events[events["shown_as"] == "bar on its start day"]
        spans = events[events["shown_as"] == "span"]
        days = pd.date_range(first, last, freq="D")
        fig, (top, low) = plt.subplots(
            2, 1, sharex=True, figsize=(11, 4.2 + 0.19 * max(len(spans), 3)),
            gridspec_kw={"height_ratios": [3.6, 0.19 * max(len(spans), 3) + 0.4], "hspace": 0.08})
        counts = pd.crosstab(bars["_b"], bars["event_type"]).reindex(days, fill_value=0) if len(bars) else {}
        bottom = np.zeros(len(days))
        shown_types = [t for t in order if t in set(bars["event_type"]) | set(spans["event_type"])]
        for t in shown_types:
            if t in counts:
                top.bar(days, counts[t].to_numpy(), bottom=bottom, width=0.8, color=colour[t], edgecolor="white",
                        linewidth=0.5)
                bottom += counts[t].to_numpy()
        top.set_ylabel("events starting that day")
        top.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        top.set_ylim(0, max(bottom.max(), 1) * 1.12)
        top.set_title(f"Events of the first month, {first.day}-{day(last)}: events dated to a day, by the day they "
                      "start (bars),\nand events the sources date only to a range of days or a week (spans, below), "
                      "coloured by event type", loc="left")
        for i, (_, ev) in enumerate(spans.iterrows()):
            right = min(ev["_e"], last)
            low.barh(i, (right - ev["_b"]).days + 0.8, left=ev["_b"] - pd.Timedelta(hours=9.6), height=0.62,
                     color=colour[ev["event_type"]])
        low.set_yticks(range(len(spans)), spans["event_id"], fontsize=7)
        low.set_ylim(len(spans) - 0.4, -0.6)
        low.set_ylabel("dated to a range", fontsize=9)
        low.set_xticks(days[::2])
        low.xaxis.set_major_formatter(DAY)
        low.set_xlim(first - pd.Timedelta(hours=18), last + pd.Timedelta(hours=18))
        low.set_xlabel("day (2020)")
        for ax in (top, low):
            ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
            ax.set_axisbelow(True)
        handles = [plt.Rectangle((0, 0), 1, 1, color=colour[t]) for t in shown_types]
        top.legend(handles, [labels.get(t, t) for t in shown_types], title="event type", loc="upper left",
                   bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        hidden = events[~events["shown_as"].isin(["bar on its start day", "span"])]
        cut = spans[spans["_e"] > last]
        notes = [f"Bars: {len(bars)} events dated to a day (date_precision day), counted on their start day. "
                 f"Spans: {len(spans)} events dated only to a range or a week, drawn across it."]
        if len(cut):
            notes.append(f"{len(cut)} span{'s' if len(cut) != 1 else ''} running past {day(last)} "
                         f"({', '.join(cut['event_id'])}) cut at the edge.")
        if len(hidden):
            why = ", ".join(f"{e} ({how[11:]})" for e, how in zip(hidden["event_id"], hidden["shown_as"]))
            notes.append(f"Not shown: {len(hidden)} event{'s' if len(hidden) != 1 else ''}, {why}.")
        notes.append(f"Of {len(events)} events in data/events.csv. Data: docs/figures/timeline.csv.")
        low.annotate(textwrap.fill(" ".join(notes), 150), xy=(0, 0), xycoords="axes fraction", xytext=(0, -38),
                     textcoords="offset points", va="top", fontsize=8, color="#444444")
        return fig

    return Chart("timeline", data, draw)


# Claims about a quantity -----------------------------------------------------------------------------

def claims(tables: dict) -> pd.DataFrame:
    """Every figure, with its claimant's name, the figure it is a copy of ("" when it is drawn) and the
    figures it revises (" | " between several, in id order)."""
    figures = tables["figures"][TABLES["figures"]].copy()
    names = dict(zip(tables["actors"]["actor_id"], tables["actors"]["name_en"]))
    figures["claimant"] = [names.get(a, a) if a else UNNAMED for a in figures["claimant_actor_id"]]
    links = tables["figure_links"]
    repeats = links[links["link_type"] == "repeats"]
    pairs = set(zip(repeats["figure_id"], repeats["other_figure_id"]))
    # A copy repeats another figure; of two figures that repeat each other, the lower id is drawn.
    copy_of = {}
    for fig, other in sorted(pairs):
        if (other, fig) not in pairs or other < fig:
            copy_of.setdefault(fig, other)
    figures["copy_of"] = [copy_of.get(f, "") for f in figures["figure_id"]]
    revises = links[links["link_type"] == "revises"]
    revised = revises.groupby("figure_id")["other_figure_id"].agg(lambda ids: " | ".join(sorted(set(ids))))
    figures["revises"] = [revised.get(f, "") for f in figures["figure_id"]]
    return figures


def headline(figures: pd.DataFrame) -> list[str]:
    """The headline quantities: distinct claims from at least MIN_CLAIMANTS claimants (unnamed ones count as one)."""
    distinct = figures[figures["copy_of"] == ""]
    n = distinct.groupby("quantity_id")["claimant_actor_id"].nunique()
    return sorted(n[n >= MIN_CLAIMANTS].index)


def drawn_as(row) -> str:
    if row["copy_of"]:
        return f"not drawn: repeats {row['copy_of']}"
    low, best, high = (row[c] != "" for c in ("value_low", "value_best", "value_high"))
    if low and high:
        return "range and best" if best and not row["value_low"] == row["value_best"] == row["value_high"] else \
            ("best" if best else "range")
    if best:
        return "best"
    if low:
        return "lower bound only"
    if high:
        return "upper bound only"
    return "not drawn: no value"


def quantity(tables: dict, figures: pd.DataFrame, qid: str) -> Chart:
    q = tables["quantities"].set_index("quantity_id").loc[qid]
    measures = tables["measures"].set_index("code")
    label, unit = (measures.loc[q["measure"], ["label", "unit"]] if q["measure"] in measures.index
                   else (q["measure"], ""))
    rows = figures[figures["quantity_id"] == qid].copy()
    rows["_date"] = dates(rows["claim_date"], "data/figures.csv claim_date")
    rows = rows.sort_values(["_date", "figure_id"], kind="stable")
    for c in ("value_low", "value_best", "value_high"):
        rows[f"_{c}"] = numbers(rows[c], f"data/figures.csv {c}")
    rows["drawn_as"] = [drawn_as(r) if not pd.isna(r["_date"]) else "not drawn: no claim date" for _, r in rows.iterrows()]
    columns = ["figure_id", "claim_date", "claimant", "claimant_actor_id", "value_text", "qualifier", "value_low",
               "value_best", "value_high", "source_error", "revises", "drawn_as"]
    data = rows[columns].reset_index(drop=True)

    def draw() -> plt.Figure:
        shown = rows[~rows["drawn_as"].str.startswith("not drawn")].copy()
        for c in ("value_low", "value_best", "value_high"):
            shown[c] = shown[f"_{c}"]
        # Claims made on the same day stand side by side within the day.
        shown["_n"] = shown.groupby("_date").cumcount()
        size = shown.groupby("_date")["figure_id"].transform("size")
        width = np.minimum(0.7, 0.16 * (size - 1))
        shown["_x"] = shown["_date"] + pd.to_timedelta(np.where(size > 1, -width / 2 + width * shown["_n"] /
                                                                (size - 1).clip(lower=1), 0), unit="D")
        named = [c for c in dict.fromkeys(shown["claimant"]) if c != UNNAMED]
        colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(named)} | {UNNAMED: UNNAMED_COLOUR}
        values = shown[["value_low", "value_best", "value_high"]].stack().dropna()
        log = bool(len(values)) and values.min() > 0 and values.max() > LOG_RATIO * values.min()
        fig, ax = plt.subplots(figsize=(10, 5.2))
        arrow = 22  # points
        for _, r in shown.iterrows():
            c, x, how = colour[r["claimant"]], r["_x"], r["drawn_as"]
            face = "white" if r["source_error"] == "true" else c
            if how in ("range", "range and best"):
                ax.vlines(x, r["value_low"], r["value_high"], color=c, linewidth=2.4, alpha=0.75)
                ax.plot([x, x], [r["value_low"], r["value_high"]], "_", color=c, markersize=9, markeredgewidth=2)
            if how in ("best", "range and best"):
                ax.plot(x, r["value_best"], "o", color=c, markerfacecolor=face, markersize=8, markeredgewidth=1.6,
                        zorder=3)
            if how in ("lower bound only", "upper bound only"):
                y, up = (r["value_low"], True) if how == "lower bound only" else (r["value_high"], False)
                ax.plot(x, y, "_", color=c, markersize=12, markeredgewidth=2.4, zorder=3)
                ax.annotate("", xy=(x, y), xycoords="data", xytext=(0, arrow if up else -arrow),
                            textcoords="offset points",
                            arrowprops={"arrowstyle": "<|-", "edgecolor": c, "lw": 2, "shrinkA": 0, "shrinkB": 0,
                                        "mutation_scale": 14, "facecolor": face})
        anchor = shown.set_index("figure_id")
        anchor = anchor[["_x"]].assign(y=anchor["value_best"].fillna(
            anchor[["value_low", "value_high"]].mean(axis=1, skipna=True)))
        revisions = 0
        for _, r in shown[shown["revises"] != ""].iterrows():
            for earlier in r["revises"].split(" | "):
                if earlier in anchor.index:
                    old = anchor.loc[earlier]
                    ax.plot([old["_x"], anchor.loc[r["figure_id"], "_x"]], [old["y"], anchor.loc[r["figure_id"], "y"]],
                            "--", color=colour[r["claimant"]], linewidth=1.3, zorder=2)
                    revisions += 1
        lo, hi = (values.min(), values.max()) if len(values) else (0, 1)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(lo / 2.5, hi * 3)
        else:
            ax.set_ylim(0, hi * 1.18 if hi > 0 else 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.10g}"))
        first, last = shown["_date"].min(), shown["_date"].max()
        ax.set_xlim(first - pd.Timedelta(hours=16), last + pd.Timedelta(hours=16))
        span = (last - first).days
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=1 if span <= 12 else 2))
        ax.xaxis.set_major_formatter(DAY)
        ax.set_xlabel("date of the claim (claim_date), 2020")
        what = unit if unit in ("", "percent") else f"number of {unit}s"
        ax.set_ylabel(f"{label} ({what}{', log scale' if log else ''})".replace(" ()", ""))
        ax.grid(axis="y", color="#e6e6e6", linewidth=0.6, which="major")
        ax.set_axisbelow(True)
        ax.set_title(textwrap.fill(f"{qid}: {q['description']}", 90), loc="left")
        handles = [Line2D([], [], marker="o", linestyle="", color=colour[c], markersize=8) for c in named + [UNNAMED]
                   if c in set(shown["claimant"])]
        names = [textwrap.fill(c, 55) for c in named + [UNNAMED] if c in set(shown["claimant"])]
        legend = ax.legend(handles, names, title="claimant", loc="upper left", bbox_to_anchor=(0, -0.13), ncols=2,
                           frameon=False, fontsize=9, alignment="left")
        copies = rows[rows["drawn_as"].str.startswith("not drawn")]
        notes = ["Dot: best value; bar: range from low to high; arrow up: lower bound only (at least, more than); "
                 "arrow down: upper bound only (up to, nearly)."]
        if revisions:
            notes.append("Dashed line: a claim revising an earlier one (revises).")
        if (shown["source_error"] == "true").any():
            notes.append("Hollow: the source's wording holds an evident error (source_error).")
        if (size > 1).any():
            notes.append("Claims of the same day stand side by side within the day.")
        if len(copies):
            notes.append(f"Not drawn: {', '.join(f'{f} ({how[11:]})' for f, how in zip(copies['figure_id'], copies['drawn_as']))}"
                         " (a figure that repeats another is the same claim republished).")
        notes.append(f"{len(shown)} of {len(rows)} figures drawn. Data: docs/figures/{qid}.csv.")
        box = legend.get_window_extent(fig.canvas.get_renderer()).transformed(ax.transAxes.inverted())
        ax.annotate(textwrap.fill(" ".join(notes), 140), xy=(0, box.y0), xycoords="axes fraction", xytext=(0, -6),
                    textcoords="offset points", va="top", fontsize=8, color="#444444")
        return fig

    return Chart(qid, data, draw)


# The charts, building and checking -------------------------------------------------------------------

def charts(root: Path) -> list[Chart]:
    """Every chart the data gives now: the timeline, then one per headline quantity."""
    tables, start = read(root)
    figures = claims(tables)
    known = set(tables["quantities"]["quantity_id"])
    missing = sorted(set(figures["quantity_id"]) - known)
    if missing:
        raise ChartError(f"data/figures.csv refers to quantity {missing[0]}, not in data/quantities.csv: run make validate")
    return [timeline(tables, start)] + [quantity(tables, figures, q) for q in headline(figures)]


def extra(out: Path, names: set[str]) -> list[Path]:
    """Chart files in ``out`` for a quantity that has no chart now."""
    return sorted(p for p in out.glob("qty-*") if p.suffix[1:] in FORMATS + ("csv",) and p.stem not in names)


def build(root: Path, out: Path, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write every chart (PNG, SVG and its CSV) into ``out``, remove the files of quantities no longer
    headline, and return the paths written."""
    made = charts(root)
    out.mkdir(parents=True, exist_ok=True)
    for path in extra(out, {c.name for c in made}):
        path.unlink()
    written = []
    for chart in made:
        paths = write(chart, out)
        written += paths
        if progress:
            progress(f"wrote {', '.join(p.name for p in paths)} ({len(chart.data)} rows of data)")
    return written


def write(chart: Chart, out: Path) -> list[Path]:
    """Write one chart's CSV, PNG and SVG into ``out``."""
    csv = out / f"{chart.name}.csv"
    csv.write_text(chart.csv(), encoding="utf-8")
    with plt.rc_context(STYLE):
        return [csv] + save(chart.draw(), out / chart.name)


def stale(root: Path) -> list[str]:
    """One line per chart in docs/figures/ that is out of date with the data (empty when all are current)."""
    try:
        made = charts(root)
    except ChartError as e:
        return [str(e)]
    out, lines = root / OUT, []
    for chart in made:
        csv = out / f"{chart.name}.csv"
        if not csv.is_file():
            lines.append(f"{OUT}/{csv.name} is missing: run make charts")
        elif csv.read_text(encoding="utf-8") != chart.csv():
            lines.append(f"{OUT}/{csv.name} is stale: run make charts")
        lines += [f"{OUT}/{chart.name}.{fmt} is missing: run make charts" for fmt in FORMATS
                  if not (out / f"{chart.name}.{fmt}").is_file()]
    lines += [f"{OUT}/{p.name} is for a quantity that is no longer headline: run make charts (it removes the file)"
              for p in extra(out, {c.name for c in made})]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.charts", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT), help="the package folder (default: this repository)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        build(root, root / OUT, progress=print)
    except ChartError as e:
        print(f"charts: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"charts: cannot write {OUT} ({e}): check that the folder can be written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
