"""A data change needs a changelog line: scripts.changelog.problems(root) reports each row changed or
withdrawn since the last release that no [Unreleased] entry in CHANGELOG.md names.

Each test works in a throwaway git repository holding a copy of the package (its metadata as it stands, the
frozen fixture data), released (untagged) at its first commit with the package's current version
(tests/test_release.py's `repo` fixture).
"""
from __future__ import annotations

import shutil
import time

import pandas as pd

from scripts import changelog as C
from scripts import report as P
from tests.conftest import ROOT, append_row, copy_row, delete_row, set_cell
from tests.test_release import NEXT, NEXT_DATE, VERSION, commit, edit_text, git, released_package, repo  # noqa: F401

HINT = C.HINT


def found(root) -> list[tuple]:
    frame = P.concat(C.problems(root))
    return [(r.file, None if pd.isna(r.row) else int(r.row), r.column, r.rule, r.value, r.message)
            for r in frame.itertuples(index=False)]


def note(root, line: str) -> None:
    edit_text("CHANGELOG.md", "## [Unreleased]\n\n", f"## [Unreleased]\n\n### Fixed\n{line}\n\n")(root)


def test_an_unchanged_package_has_no_problem(repo):
    assert found(repo) == []


def test_a_changed_value_needs_a_line_naming_its_id(repo):
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    set_cell("figures", "fig-0002", "note", "Corrected.")(repo)
    assert found(repo) == [("data/figures.csv", 3, "figure_id", "unrecorded-change", "fig-0002",
                            f"fig-0002 changed since release {VERSION} (value_high, note) but no line under [Unreleased] "
                            "in CHANGELOG.md names it")]
    assert P.concat(C.problems(repo))["hint"].tolist() == [HINT]
    note(repo, "- fig-0002: `value_high` 7000 to 7001, as the source states (src-0001).")
    assert found(repo) == []


def test_a_line_must_name_the_id_itself(repo):
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    note(repo, "- fig-00021 and figure 2 corrected.")  # neither is fig-0002
    assert [p[4] for p in found(repo)] == ["fig-0002"]


def test_an_added_row_needs_no_line_of_its_own(repo):
    copy_row("figures", "fig-0008", figure_id="fig-0009")(repo)
    append_row("roles", ["witness", "Witness", "Sees the event."])(repo)
    assert found(repo) == []


def test_a_withdrawn_row_needs_a_line_naming_its_id(repo):
    delete_row("figures", "fig-0008")(repo)
    assert found(repo) == [("data/figures.csv", None, "figure_id", "unrecorded-change", "fig-0008",
                            f"fig-0008 withdrawn since release {VERSION} but no line under [Unreleased] in CHANGELOG.md names it")]
    note(repo, "- fig-0008 withdrawn: the article does not state it.")
    assert found(repo) == []


def test_a_row_of_a_link_table_is_named_by_every_part_of_its_key(repo):
    delete_row("event_sources", "evt-0009", "src-0003")(repo)
    assert [(p[2], p[4]) for p in found(repo)] == [("event_id/source_id", "evt-0009/src-0003")]
    note(repo, "- evt-0009 is not reported by src-0004.")
    assert len(found(repo)) == 1
    note(repo, "- evt-0009 no longer cites src-0003, which does not report it.")
    assert found(repo) == []


def test_a_committed_change_is_still_compared_with_the_release(repo):
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    commit(repo, "a silent edit")
    assert [p[4] for p in found(repo)] == ["fig-0002"]


def test_entries_moved_into_the_next_version_by_release_prepare_still_count(repo):
    from scripts import prepare
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    note(repo, "- fig-0002: `value_high` 7000 to 7001.")
    prepare.prepare(repo, NEXT, NEXT_DATE)
    assert found(repo) == []
    commit(repo, f"Release {NEXT}")  # now released: compared with itself
    assert found(repo) == []


def test_the_tagged_release_is_the_one_compared(repo):
    first = git(repo, "rev-parse", "HEAD")
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    commit(repo, "a silent edit")
    assert len(found(repo)) == 1
    git(repo, "tag", "-a", f"v{VERSION}", "HEAD", "-m", "the release, tagged after the edit")
    assert found(repo) == []
    git(repo, "tag", "-d", f"v{VERSION}")
    git(repo, "tag", "-a", f"v{VERSION}", first, "-m", "the release")
    assert len(found(repo)) == 1


def test_no_release_or_no_git_means_nothing_to_compare(repo, tmp_path, monkeypatch):
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    set_cell("figures", "fig-0002", "value_high", "7001")(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert C.problems(plain) == []
    # A repository whose changelog never dated the version: nothing released yet.
    edit_text("CHANGELOG.md", f"## [{VERSION}]", "## [Unreleased-draft]")(plain)
    git(plain, "init", "-q")
    commit(plain, "unreleased")
    assert C.problems(plain) == []


def test_the_check_reads_the_release_once_and_is_fast(repo, monkeypatch):
    from scripts import diff
    calls = []
    real = diff.open_version
    monkeypatch.setattr(diff, "open_version", lambda spec, r=ROOT: calls.append(spec) or real(spec, r))
    set_cell("figures", "fig-0002", "value_high", "7001")(repo)
    start = time.perf_counter()
    assert len(found(repo)) == 1
    assert time.perf_counter() - start < 5
    assert len(calls) == 2  # the release and the working tree, each read once


def test_the_command_prints_the_problems(repo, capsys):
    assert C.main([str(repo)]) == 0
    assert capsys.readouterr().out == f"Every row changed or withdrawn since release {VERSION} is named in CHANGELOG.md.\n"
    delete_row("figures", "fig-0008")(repo)
    assert C.main([str(repo)]) == 1
    out = capsys.readouterr().out
    assert "data/figures.csv: unrecorded-change: 1 problem(s)." in out
    assert f"  data/figures.csv, row None" not in out and "fig-0008 withdrawn since release" in out
