"""`make charts`: the committed charts agree with the data, a change of the data is noticed, drawing is
deterministic, and every headline quantity has its chart with exactly its figures."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from scripts import charts
from tests.conftest import ROOT, set_cell

FIGURES = ROOT / charts.OUT


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The charts drawn once from the current data into a scratch folder: (folder, paths written)."""
    out = tmp_path_factory.mktemp("figures")
    return out, charts.build(ROOT, out)


@pytest.fixture
def package(tmp_path):
    """A copy of the package with its committed charts, which a test may change."""
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    for d in ("schemas", "data", charts.OUT):
        shutil.copytree(ROOT / d, tmp_path / d)
    return tmp_path


def test_committed_charts_match_the_data():
    assert charts.stale(ROOT) == []


def test_drawing_again_gives_the_same_bytes(built):
    # `make charts` on unchanged data rewrites the committed files byte for byte (another process drew those),
    # and drawing a chart twice in one process gives the same bytes too.
    out, paths = built
    assert sorted(p.name for p in paths) == sorted(p.name for p in FIGURES.iterdir())
    for path in paths:
        assert path.read_bytes() == (FIGURES / path.name).read_bytes(), path.name
    again = out / "again"
    again.mkdir()
    for path in charts.write(charts.charts(ROOT)[1], again):
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name
    svg = (out / "timeline.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_a_changed_figure_makes_its_chart_stale(package):
    set_cell("figures", "fig-0047", "value_low", "3000")(package)  # a claim about qty-0012
    assert charts.stale(package) == ["docs/figures/qty-0012.csv is stale: run make charts"]


def test_missing_and_extra_chart_files_are_named(package):
    (package / charts.OUT / "qty-0051.png").unlink()
    (package / charts.OUT / "timeline.csv").unlink()
    shutil.copy(package / charts.OUT / "qty-0012.svg", package / charts.OUT / "qty-0030.svg")
    assert charts.stale(package) == [
        "docs/figures/timeline.csv is missing: run make charts",
        "docs/figures/qty-0051.png is missing: run make charts",
        "docs/figures/qty-0030.svg is for a quantity that is no longer headline: run make charts (it removes the file)",
    ]


def test_a_quantity_that_drops_out_of_the_headline_is_named(package):
    # qty-0076 has claims from BelaPAN, RFE/RL and unnamed claimants: two unnamed claims given to RFE/RL leave two.
    rferl = read("figures").set_index("figure_id").loc["fig-0126", "claimant_actor_id"]
    for fig in ("fig-0125", "fig-0127"):
        set_cell("figures", fig, "claimant_actor_id", rferl)(package)
        set_cell("figures", fig, "claimant_basis", "named")(package)
    assert charts.stale(package) == [f"docs/figures/qty-0076.{ext} is for a quantity that is no longer headline: run make "
                                     "charts (it removes the file)" for ext in ("csv", "png", "svg")]


def test_every_headline_quantity_has_a_chart_with_exactly_its_figures():
    figures, links = read("figures"), read("figure_links")
    repeats = set(zip(*links.loc[links["link_type"] == "repeats", ["figure_id", "other_figure_id"]].T.to_numpy()))
    copies = {f for f, o in repeats if (o, f) not in repeats or o < f}  # of two that repeat each other, the lower id stays
    distinct = figures[~figures["figure_id"].isin(copies)]
    claimants = distinct.groupby("quantity_id")["claimant_actor_id"].nunique()  # "" (unnamed) counts once
    headline = sorted(claimants[claimants >= 3].index)
    assert headline, "the rule gives no headline quantity"
    assert sorted(p.stem for p in FIGURES.glob("qty-*.csv")) == headline
    for qid in headline:
        data = pd.read_csv(FIGURES / f"{qid}.csv", dtype=str, keep_default_na=False)
        own = figures[figures["quantity_id"] == qid]
        assert sorted(data["figure_id"]) == sorted(own["figure_id"]), qid
        drawn = data[~data["drawn_as"].str.startswith("not drawn")]
        assert sorted(drawn["figure_id"]) == sorted(set(own["figure_id"]) - copies), qid
        assert all((FIGURES / f"{qid}.{ext}").is_file() for ext in ("png", "svg"))
    timeline = pd.read_csv(FIGURES / "timeline.csv", dtype=str, keep_default_na=False)
    assert sorted(timeline["event_id"]) == sorted(read("events")["event_id"])


def test_repeats_rule_keeps_one_of_two_figures_that_repeat_each_other():
    tables, _ = charts.read(ROOT)
    copy_of = charts.claims(tables).set_index("figure_id")["copy_of"]
    assert copy_of["fig-0142"] == "fig-0139" and copy_of["fig-0139"] == ""
    assert copy_of["fig-0033"] == "fig-0030"


def test_the_readme_shows_every_chart():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Pictures", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"!\[[^\]]*\]\((docs/figures/[^)]+)\)", section)
    assert sorted(shown) == sorted(f"{charts.OUT}/{p.stem}.svg" for p in FIGURES.glob("*.csv"))
    assert "make charts" in section


@pytest.mark.parametrize("damage, message", [
    (lambda root: (root / "data" / "figures.csv").write_bytes(b"figure_id\n\xff\xfe\n"), "data/figures.csv cannot be read"),
    (lambda root: (root / "data" / "events.csv").write_text("event_id\nevt-0001\n"), "data/events.csv has no column"),
    (set_cell("figures", "fig-0015", "claim_date", "10 August"), "data/figures.csv claim_date has '10 August'"),
    (set_cell("figures", "fig-0047", "value_low", "many"), "data/figures.csv value_low has 'many'"),
    (lambda root: (root / "datapackage.json").write_text("{"), "datapackage.json cannot be read"),
], ids=["encoding", "columns", "date", "number", "descriptor"])
def test_an_unreadable_package_is_one_line_and_exit_1(package, capsys, damage, message):
    damage(package)
    assert charts.main([str(package)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and err.startswith(f"charts: {message}"), err
    assert charts.stale(package)[0].startswith(message)


def test_a_claim_that_revises_two_earlier_claims_keeps_both_links():
    # One figure may revise more than one earlier claim; the chart data lists all of them, so all are drawn.
    tables = {name: read(name) for name in ("figures", "actors")}
    first, second, third = tables["figures"]["figure_id"].iloc[:3]
    tables["figure_links"] = pd.DataFrame({"figure_id": [third, third], "link_type": ["revises", "revises"],
                                           "other_figure_id": [second, first]})
    revises = charts.claims(tables).set_index("figure_id")["revises"]
    assert revises[third] == f"{first} | {second}"
    assert revises[first] == revises[second] == ""
