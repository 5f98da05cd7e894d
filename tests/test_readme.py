"""The README's promises: its Python snippet runs, and its commands exist."""
from __future__ import annotations

import os
import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def run_snippet(heading: str, cwd=ROOT) -> dict:
    """Run the first Python snippet after ``heading`` in the README, in ``cwd``; returns the names it defined."""
    snippet = re.search(r"```python\n(.*?)```", README.split(heading, 1)[1], re.S).group(1)
    before = os.getcwd()
    os.chdir(cwd)
    try:
        names = {}
        exec(compile(snippet, "README.md", "exec"), names)
        return names
    finally:
        os.chdir(before)


def test_who_said_how_many_snippet_runs(capsys):
    # The researcher's question of the README: one row per distinct claim about people detained since 9 August.
    run_snippet("### Who said how many, and when")
    out = capsys.readouterr().out
    assert "claimant_wording" in out and "Up to 7,000" in out


def test_quick_start_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", README, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_qualifier_table_agrees_with_the_vocabulary():
    # The README shows the bound rules for readers; data/qualifiers.csv is their definition.
    import pandas as pd
    qualifiers = pd.read_csv(ROOT / "data" / "qualifiers.csv", dtype=str, keep_default_na=False).set_index("code")
    section = README.split("### How figures are recorded", 1)[1].split("`claimant_wording`", 1)[0]
    shown = [[c.strip().strip("`") for c in line.split("|")[1:5]] for line in section.splitlines() if line.startswith("| `")]
    assert sorted(code for code, *_ in shown) == sorted(qualifiers.index)
    for code, low, best, high in shown:
        assert [low, best, high] == qualifiers.loc[code, ["low_rule", "best_rule", "high_rule"]].tolist()


def test_the_preferred_citation_is_the_one_a_release_writes():
    # The release notes cite each version from CITATION.cff and CHANGELOG.md; the README shows the same words.
    from scripts import release
    meta, _ = release.read_metadata(ROOT)
    section = README.split("## How to cite", 1)[1]
    quoted = " ".join(line[2:] for line in section.splitlines() if line.startswith("> "))
    assert quoted == release.citation(meta)


def test_generated_blocks_are_current():
    # The counts line and the citation are generated (`make codebook`, `make release-prepare`), never hand-edited.
    from scripts import derived
    assert derived.stale(ROOT) == []
    counts = README.split("<!-- counts:start -->", 1)[1].split("<!-- counts:end -->", 1)[0]
    import pandas as pd
    rows = {name: len(pd.read_csv(ROOT / "data" / f"{name}.csv", dtype=str)) for name in ("events", "figures", "actors", "sources")}
    assert counts == f"{rows['events']} events, {rows['figures']} figures, {rows['actors']} actors and {rows['sources']} sources"


def test_a_stale_generated_block_is_reported(tmp_path):
    import shutil
    from scripts import derived
    for d in ("data", "schemas", "docs"):
        shutil.copytree(ROOT / d, tmp_path / d)
    for f in ("datapackage.json", "README.md", "CHANGELOG.md", "CITATION.cff", ".zenodo.json"):
        shutil.copy(ROOT / f, tmp_path / f)
    assert derived.stale(tmp_path) == []
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    (tmp_path / "README.md").write_text(text.replace("<!-- counts:start -->", "<!-- counts:start -->1", 1), encoding="utf-8")
    assert derived.stale(tmp_path) == ["README.md is out of date (it is generated from the package): run `make codebook` (or "
                                       "`make release-prepare VERSION=X.Y.Z` for a new release) and commit the result"]
    assert derived.main([str(tmp_path)]) == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == text
