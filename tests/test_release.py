"""`make release` and `make diff`: a release is reproducible, refuses what it must, and the change log
finds every added, withdrawn and changed row.

Each test works in its own git repository in tmp_path, holding the package's metadata, schemas and docs as
they stand with the small frozen fixture data (tests/fixtures/data), so nothing depends on the state of this
repository's data and nothing is written into it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from scripts import charts, derived
from scripts import diff as D
from scripts import report as P
from scripts import release as R
from scripts import validate as V
from tests.conftest import (FIXTURE_DATA, ROOT, append_row, delete_row, edit_bytes, edit_json, read_rows, record_checksums,
                            set_cell, write_rows)

NAME = "belarus-crackdown-2020"
COMMIT_TIME = "2026-11-25T12:00:00+00:00"  # when the fixture's commits are made (not a release date)
SHIPPED = ["datapackage.json", "README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/codebook.md",
           "docs/data_dictionary.csv"]
VERSIONS_HINT = "set the same version in datapackage.json, CHANGELOG.md, CITATION.cff and .zenodo.json"
DATES_HINT = "give CITATION.cff date-released and .zenodo.json publication_date the changelog's release date"
# The version and release date of the package as it stands, never written out here: a release changes them.
# The fixture repositories start from them; NEXT is a later release cut in a fixture.
# Two problems: the broken value, and its row changed since the release with no changelog line naming it.
INVALID = ("release refused: the package does not validate (2 problem(s), listed above): fix them (make validate), "
           "commit, and run make release again")
TABLES = [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]]


# the next unused figure id of the fixture data (ids are never reused)
NEW_FIG = f"fig-{max(int(r[0].split('-')[1]) for r in read_rows(FIXTURE_DATA.parent, 'figures')[1:]) + 1:04d}"


def unchanged(*changed: str) -> str:
    return ", ".join(f"`{t}`" for t in TABLES if t not in changed)


def _current() -> tuple[str, str]:
    meta, _ = R.read_metadata(ROOT)
    return meta["version"], meta["date"]


def bump(version: str, part: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[part]


def shift(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


VERSION, DATE = _current()
NEXT, NEXT_DATE = bump(VERSION, "minor"), shift(DATE, 6)
PATCH = bump(VERSION, "patch")


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.org", GIT_COMMITTER_NAME="Test",
               GIT_COMMITTER_EMAIL="test@example.org", GIT_AUTHOR_DATE=COMMIT_TIME, GIT_COMMITTER_DATE=COMMIT_TIME,
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env, check=True)
    return done.stdout.decode().strip()


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def without_unreleased(text: str) -> str:
    """The real changelog, as it would stand at a release: nothing left under [Unreleased]."""
    return re.sub(r"(## \[Unreleased\]\n).*?(?=## \[)", r"\1\n", text, count=1, flags=re.S)


@pytest.fixture(scope="session")
def released_package(tmp_path_factory) -> Path:
    """A git repository holding the package at its current version, committed and clean: the metadata,
    schemas, docs and README as they stand, with the frozen fixture data instead of the real data (the tests
    are about the mechanism, and the fixture data keeps them small), so its derived files are regenerated
    for that data. Built once; each test works in its own copy (``repo``)."""
    root = tmp_path_factory.mktemp("released") / "repo"
    shutil.copytree(FIXTURE_DATA, root / "data")
    for d in ("schemas", "docs"):
        shutil.copytree(ROOT / d, root / d)
    for f in ("datapackage.json", "README.md", "LICENSE", "CITATION.cff", ".zenodo.json", ".gitignore"):
        shutil.copy(ROOT / f, root / f)
    (root / "CHANGELOG.md").write_text(without_unreleased((ROOT / "CHANGELOG.md").read_text(encoding="utf-8")), encoding="utf-8")
    derived.write(root)  # the README's counts, the codebook and the data dictionary, of the fixture data
    charts.build(root, root / charts.OUT)  # and the charts
    git(root, "init", "-q")
    commit(root, VERSION)
    return root


@pytest.fixture
def repo(released_package, tmp_path) -> Path:
    """A copy of ``released_package`` (its git history too) for one test to change."""
    root = tmp_path / "repo"
    shutil.copytree(released_package, root, symlinks=True)
    return root


def release(repo: Path, dist: Path, capsys):
    code = R.main([str(repo), "--dist", str(dist)])
    out, err = capsys.readouterr()
    return code, out, err


def edit_text(path: str, old: str, new: str):
    def apply(root: Path):
        p = root / path
        text = p.read_text(encoding="utf-8")
        assert old in text, (path, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return apply


def bump_to_next(root: Path):
    """The metadata of release NEXT of NEXT_DATE, in all four places, written by hand as before release-prepare."""
    edit_text("datapackage.json", f'"version": "{VERSION}"', f'"version": "{NEXT}"')(root)
    edit_text("CHANGELOG.md", "## [Unreleased]\n\n", f"## [Unreleased]\n\n## [{NEXT}] - {NEXT_DATE}\n\n### Changed\n"
                                                     f"- fig-0008 withdrawn and recorded again as {NEW_FIG}.\n\n")(root)
    edit_text("CITATION.cff", f"version: {VERSION}", f"version: {NEXT}")(root)
    edit_text("CITATION.cff", f'"{DATE}"', f'"{NEXT_DATE}"')(root)
    edit_text(".zenodo.json", f'"version": "{VERSION}"', f'"version": "{NEXT}"')(root)
    edit_text(".zenodo.json", f'"{DATE}"', f'"{NEXT_DATE}"')(root)


def renumber_figure(root: Path):
    """A valid change of the data: fig-0008 withdrawn and recorded again as the next unused id, evt-0001 reworded."""
    rows = read_rows(root, "figures")
    last = next(r for r in rows if r[0] == "fig-0008")
    write_rows(root, "figures", [r for r in rows if r[0] != "fig-0008"] + [[NEW_FIG] + last[1:]])
    set_cell("events", "evt-0001", "summary", "Belarus held a presidential election; its official results set off protests.")(root)


# --- a release ------------------------------------------------------------------------------------

def test_a_release_is_the_package_with_checksums_and_rebuilds_byte_identical(repo, tmp_path, capsys):
    committed = (repo / "datapackage.json").read_bytes()
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (0, "")
    zip_path = tmp_path / "dist" / f"{NAME}-v{VERSION}.zip"
    notes_path = tmp_path / "dist" / f"{NAME}-v{VERSION}-notes.md"
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert out.splitlines() == [
        f"wrote {zip_path} (sha256 {digest})",
        f"wrote {notes_path}",
        f"next: git tag -a v{VERSION} -m 'Release {VERSION}' && git push origin v{VERSION}, then publish both files"]

    # Rebuilt from the same commit: the same bytes, zip and notes.
    assert release(repo, tmp_path / "again", capsys)[0] == 0
    assert (tmp_path / "again" / zip_path.name).read_bytes() == zip_path.read_bytes()
    assert (tmp_path / "again" / notes_path.name).read_bytes() == notes_path.read_bytes()

    # The committed descriptor is never rewritten and the tree stays clean.
    assert (repo / "datapackage.json").read_bytes() == committed
    assert git(repo, "status", "--porcelain") == ""

    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        tables = [p.stem for p in (repo / "data").iterdir()]
        exported = [f"{NAME}.sqlite"] + [f"parquet/{t}.parquet" for t in tables]  # scripts/exports.py, built in the release
        expected = sorted(SHIPPED + exported + [p.relative_to(repo).as_posix() for d in ("data", "schemas", "docs/figures")
                                                for p in (repo / d).iterdir()])
        assert names == expected
        assert {(i.date_time, i.external_attr >> 16, i.compress_type, i.create_system) for i in infos} == {
            ((2026, 11, 25, 12, 0, 0), 0o100644, zipfile.ZIP_STORED, 3)}
        for name in names:
            if name != "datapackage.json" and name not in exported:
                assert zf.read(name) == (repo / name).read_bytes(), name
        # The exports are those of the committed files: building them again gives the same bytes.
        from scripts import exports
        rebuilt = exports.release_files(repo, exports.load_valid(repo))
        assert {name: zf.read(name) for name in exported} == rebuilt
        shipped = json.loads(zf.read("datapackage.json"))
    # The descriptor inside the zip is the committed one plus each resource's bytes and sha256 hash.
    original = json.loads(committed)
    for res, before in zip(shipped["resources"], original["resources"]):
        raw = (repo / res["path"]).read_bytes()
        assert (res.pop("bytes"), res.pop("hash")) == (len(raw), "sha256:" + hashlib.sha256(raw).hexdigest())
    assert shipped == original

    notes = notes_path.read_text(encoding="utf-8")
    assert notes.startswith(f"# {NAME} {VERSION}\n\nReleased {DATE}. Tag `v{VERSION}`, commit `{git(repo, 'rev-parse', 'HEAD')}`.\n")
    counts = ", ".join(f"`{n}` {len(read_rows(repo, n)) - 1}" for n in ("events", "figures"))
    assert ("First release: there is no earlier release (no tag, and no earlier version in the git history), so every "
            f"row is new. Rows per table: {counts},") in notes
    assert f"`{zip_path.name}`: {zip_path.stat().st_size} bytes, sha256 `{digest}`." in notes
    assert (f"> Belarus Crackdown 2020 data team ({DATE[:4]}). *Belarus 2020 post-election crackdown: events, figures, actors "
            f"and sources* (Version {VERSION}) [Data set]. DOI: to be assigned on archiving.") in notes


def test_a_release_validates_and_its_checksums_catch_a_changed_file(repo, tmp_path, capsys):
    assert release(repo, tmp_path / "dist", capsys)[0] == 0
    zip_path = tmp_path / "dist" / f"{NAME}-v{VERSION}.zip"
    assert frictionless.validate(str(zip_path)).valid  # the standard validator reads the zip and checks the hashes
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(unpacked)
    assert V.validate(unpacked).empty
    # The README's check for a researcher: frictionless validate on the extracted release's descriptor.
    assert frictionless.validate(str(unpacked / "datapackage.json")).valid
    edit_bytes("data/figures.csv", lambda b: b.replace(b"It counts detentions", b"It counts Detentions"))(unpacked)
    problems = V.validate(unpacked)
    assert [(p.file, p.rule) for p in problems.itertuples()] == [("data/figures.csv", "hash")]
    report = frictionless.validate(str(unpacked / "datapackage.json"))
    assert not report.valid
    assert {error[-1] for error in report.flatten(["type"])} == {"hash-count"}


def test_notes_hold_the_changelog_section_and_the_record_changes_since_the_previous_tag(repo, tmp_path, capsys):
    git(repo, "tag", "-a", f"v{VERSION}", "-m", f"Release {VERSION}")
    renumber_figure(repo)
    bump_to_next(repo)
    R.derived.write(repo)  # the codebook states the version
    head = commit(repo, NEXT)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (0, ""), out
    notes = (tmp_path / "dist" / f"{NAME}-v{NEXT}-notes.md").read_text(encoding="utf-8")
    assert notes.split("## Files")[0] == f"""# {NAME} {NEXT}

Released {NEXT_DATE}. Tag `v{NEXT}`, commit `{head}`.

## Changes

### Changed
- fig-0008 withdrawn and recorded again as {NEW_FIG}.

## Record-level changes from v{VERSION} (version {VERSION}) to v{NEXT} (version {NEXT})

| table | rows added | rows withdrawn | rows changed | values changed |
| --- | ---: | ---: | ---: | ---: |
| `events` | 0 | 0 | 1 | 1 |
| `figures` | 1 | 1 | 0 | 0 |

Unchanged: {unchanged("events", "figures")}.

### `events`

Rows changed (1, 1 value(s)):

| event_id | field | old | new |
| --- | --- | --- | --- |
| evt-0001 | summary | Belarus held a presidential election whose official results gave the incumbent, Alexander Lukashenko, a very large margin of victory; the results set off protests. | Belarus held a presidential election; its official results set off protests. |

### `figures`

Rows added (1):

| figure_id |
| --- |
| {NEW_FIG} |

Rows withdrawn (1):

| figure_id |
| --- |
| fig-0008 |

"""


# --- refusals: one line each, exit status 1, nothing written ------------------------------------------
# The package itself is valid in these fixtures; tests of metadata and git skip its validation (0.8 s each),
# which the tests of a release above and of an invalid package below run in full.

def skip_validation(root):
    return P.concat([])


@pytest.mark.parametrize("mutate, lines", [
    pytest.param(edit_text("datapackage.json", f'"version": "{VERSION}"', f'"version": "{NEXT}"'),
                 [f"CHANGELOG.md top release is {VERSION} but datapackage.json version is {NEXT}: {VERSIONS_HINT}",
                  f"CITATION.cff version is {VERSION} but datapackage.json version is {NEXT}: {VERSIONS_HINT}",
                  f".zenodo.json version is {VERSION} but datapackage.json version is {NEXT}: {VERSIONS_HINT}"], id="descriptor-version"),
    pytest.param(edit_text("CHANGELOG.md", f"## [{VERSION}] - {DATE}", f"## [{PATCH}] - {DATE}"),
                 [f"CHANGELOG.md top release is {PATCH} but datapackage.json version is {VERSION}: {VERSIONS_HINT}"], id="changelog-version"),
    pytest.param(edit_text("CITATION.cff", f"version: {VERSION}", f"version: {PATCH}"),
                 [f"CITATION.cff version is {PATCH} but datapackage.json version is {VERSION}: {VERSIONS_HINT}"], id="cff-version"),
    pytest.param(edit_text("CITATION.cff", f'"{DATE}"', f'"{shift(DATE, -1)}"'),
                 [f"CITATION.cff date-released is {shift(DATE, -1)} but CHANGELOG.md dates [{VERSION}] {DATE}: {DATES_HINT}"], id="cff-date"),
    pytest.param(edit_text(".zenodo.json", f'"version": "{VERSION}"', f'"version": "{PATCH}"'),
                 [f".zenodo.json version is {PATCH} but datapackage.json version is {VERSION}: {VERSIONS_HINT}"], id="zenodo-version"),
    pytest.param(edit_text(".zenodo.json", f'"{DATE}"', f'"{shift(DATE, 1)}"'),
                 [f".zenodo.json publication_date is {shift(DATE, 1)} but CHANGELOG.md dates [{VERSION}] {DATE}: {DATES_HINT}"], id="zenodo-date"),
    pytest.param(edit_text("CHANGELOG.md", "## [Unreleased]\n\n", "## [Unreleased]\n\n### Added\n- A table.\n\n"),
                 ["CHANGELOG.md has entries under [Unreleased]: move them into the section of the version you release"],
                 id="unreleased-entries"),
    pytest.param(edit_text("CHANGELOG.md", f"## [{VERSION}] - {DATE}", f"## {VERSION} ({DATE})"),
                 [f"CHANGELOG.md: the first section after [Unreleased] is '## {VERSION} ({DATE})', not '## [X.Y.Z] - YYYY-MM-DD'"],
                 id="changelog-heading"),
])
def test_release_refuses_metadata_that_disagrees(repo, tmp_path, capsys, monkeypatch, mutate, lines):
    monkeypatch.setattr(R, "validate", skip_validation)
    monkeypatch.setattr(R.derived, "stale", lambda root: [])  # the codebook and README state the version too: tested below
    mutate(repo)
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert code == 1
    assert err.splitlines() == [f"release refused: {line}" for line in lines]
    assert not (tmp_path / "dist").exists()


STALE = ("{} is out of date (it is generated from the package): run `make codebook` (or `make release-prepare "
         "VERSION=X.Y.Z` for a new release) and commit the result")


@pytest.mark.parametrize("mutate, files", [
    pytest.param(edit_text("docs/codebook.md", f"Version {VERSION}.", f"Version {NEXT}."), ["docs/codebook.md"], id="codebook"),
    pytest.param(edit_text("README.md", "<!-- counts:start -->", "<!-- counts:start -->about "), ["README.md"], id="readme-counts"),
    pytest.param(edit_text("README.md", f"(Version {VERSION})", f"(Version {PATCH})"), ["README.md"], id="readme-citation"),
    pytest.param(delete_row("figures", "fig-0008"), ["docs/codebook.md", "README.md"], id="data-changed-counts-not"),
])
def test_release_refuses_a_derived_file_that_is_out_of_date(repo, tmp_path, capsys, monkeypatch, mutate, files):
    monkeypatch.setattr(R, "validate", skip_validation)
    mutate(repo)
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert code == 1
    assert err.splitlines() == [f"release refused: {STALE.format(f)}" for f in files]
    assert not (tmp_path / "dist").exists()


def test_release_refuses_charts_that_do_not_match_the_data(repo, tmp_path, capsys, monkeypatch):
    # The charts in docs/figures/ are drawn from the data (make charts); a release refuses them stale or missing.
    monkeypatch.setattr(R, "validate", skip_validation)
    (repo / "docs" / "figures" / "timeline.png").unlink()
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, "release refused: docs/figures/timeline.png is missing: run make charts\n")
    assert not (tmp_path / "dist").exists()


def test_release_refuses_a_readme_without_its_generated_block(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(R, "validate", skip_validation)
    edit_text("README.md", "<!-- counts:end -->", "")(repo)
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, "release refused: README.md has no <!-- counts:start --> ... <!-- counts:end --> block: restore the "
                              "markers (see git log -p README.md), then run make codebook\n")


def test_release_refuses_a_dirty_working_tree(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(R, "validate", skip_validation)
    (repo / "README.md").write_text("edited\n", encoding="utf-8")
    (repo / "scratch.txt").write_text("note\n", encoding="utf-8")
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert code == 1
    assert err == ("release refused: the git working tree has uncommitted changes (2 file(s): README.md, scratch.txt): "
                   "commit or stash them, then run make release again\n")
    assert not (tmp_path / "dist").exists()


def test_release_refuses_a_package_that_does_not_validate(repo, tmp_path, capsys):
    set_cell("figures", "fig-0002", "value_stated", "7,000")(repo)
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, INVALID + "\n")
    assert "data/figures.csv, row 3, column value_stated: not a valid number (value: '7,000')" in out
    assert not (tmp_path / "dist").exists()


def test_release_refuses_a_file_changed_after_its_checksum_was_recorded(repo, tmp_path, capsys):
    record_checksums("figures")(repo)
    before = hashlib.sha256((repo / "data/figures.csv").read_bytes()).hexdigest()
    edit_bytes("data/figures.csv", lambda b: b.replace(b"It counts detentions", b"It counts Detentions"))(repo)
    after = hashlib.sha256((repo / "data/figures.csv").read_bytes()).hexdigest()
    commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, INVALID + "\n")
    assert f"  data/figures.csv, file: sha256 is {after}, the descriptor says {before}" in out
    assert not (tmp_path / "dist").exists()


def test_release_refuses_a_version_already_released_from_another_commit(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(R, "validate", skip_validation)
    tagged = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "-a", f"v{VERSION}", "-m", f"Release {VERSION}")
    edit_text("README.md", "# Belarus", "# The Belarus")(repo)
    head = commit(repo)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert code == 1
    assert err == (f"release refused: tag v{VERSION} already names commit {tagged[:12]}, not HEAD {head[:12]}: a released version "
                   f"is never rebuilt from other content, so bump the version (see README, Versions) or check out v{VERSION}\n")


def test_release_refuses_a_version_below_an_earlier_release(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(R, "validate", skip_validation)
    git(repo, "tag", f"v{NEXT}")
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, f"release refused: version {VERSION} is not above the release tag v{NEXT}: bump it above every earlier release\n")


def test_release_refuses_a_folder_that_is_not_a_git_working_tree(tmp_path, capsys, monkeypatch):
    root = tmp_path / "plain"
    shutil.copytree(FIXTURE_DATA, root / "data")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    for f in ("datapackage.json", "CITATION.cff", ".zenodo.json"):
        shutil.copy(ROOT / f, root / f)
    (root / "CHANGELOG.md").write_text(without_unreleased((ROOT / "CHANGELOG.md").read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git must not find a repository above tmp_path
    code, out, err = release(root, tmp_path / "dist", capsys)
    assert (code, out) == (1, "")
    assert err == (f"release refused: {root.resolve()} is not a git working tree: a release is built from a commit, "
                   "so clone the repository first\n")


# --- the record-level change log ----------------------------------------------------------------------

def make_second_version(root: Path):
    """The next version of the fixture: one row added, values changed, rows withdrawn (one by a composite key)."""
    append_row("roles", ["witness", "Witness", "Sees the event."])(root)
    set_cell("figures", "fig-0002", "value_text", "Up to 7,500")(root)
    set_cell("figures", "fig-0002", "value_stated", "7500")(root)
    set_cell("figures", "fig-0002", "value_high", "7500")(root)
    set_cell("figures", "fig-0004", "note", "")(root)
    delete_row("event_sources", "evt-0009", "src-0003")(root)
    delete_row("roles", "target")(root)


@pytest.fixture
def two_tags(repo) -> Path:
    git(repo, "tag", f"v{VERSION}")
    make_second_version(repo)
    commit(repo, NEXT)
    git(repo, "tag", f"v{NEXT}")
    return repo


EXPECTED_CHANGES = [
    # table, change, key, field, old, new
    ("figures", "changed", "fig-0002", "value_text", "Up to 7,000", "Up to 7,500"),
    ("figures", "changed", "fig-0002", "value_stated", "7000", "7500"),
    ("figures", "changed", "fig-0002", "value_high", "7000", "7500"),
    ("event_sources", "withdrawn", "evt-0009/src-0003", "", "", ""),
    ("roles", "added", "witness", "", "", ""),
    ("roles", "withdrawn", "target", "", "", ""),
]


def test_diff_between_two_tags_finds_added_changed_and_withdrawn_rows(two_tags, tmp_path, capsys):
    note = read_rows(FIXTURE_DATA.parent, "figures")[4][-1]  # fig-0004's note, emptied in the new version
    assert D.main([f"v{VERSION}", f"v{NEXT}", "--repo", str(two_tags), "--csv", str(tmp_path / "changes.csv")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == f"""# Record-level changes from v{VERSION} (version {VERSION}) to v{NEXT} (version {VERSION})

| table | rows added | rows withdrawn | rows changed | values changed |
| --- | ---: | ---: | ---: | ---: |
| `figures` | 0 | 0 | 2 | 4 |
| `event_sources` | 0 | 1 | 0 | 0 |
| `roles` | 1 | 1 | 0 | 0 |

Unchanged: {unchanged("figures", "event_sources", "roles")}.

## `figures`

Rows changed (2, 4 value(s)):

| figure_id | field | old | new |
| --- | --- | --- | --- |
| fig-0002 | value_text | Up to 7,000 | Up to 7,500 |
| fig-0002 | value_stated | 7000 | 7500 |
| fig-0002 | value_high | 7000 | 7500 |
| fig-0004 | note | {note} | *(empty)* |

## `event_sources`

Rows withdrawn (1):

| event_id | source_id |
| --- | --- |
| evt-0009 | src-0003 |

## `roles`

Rows added (1):

| code |
| --- |
| witness |

Rows withdrawn (1):

| code |
| --- |
| target |
"""
    changes = pd.read_csv(tmp_path / "changes.csv", dtype=str, keep_default_na=False)
    expected = EXPECTED_CHANGES[:3] + [("figures", "changed", "fig-0004", "note", note, "")] + EXPECTED_CHANGES[3:]
    assert [tuple(r) for r in changes.itertuples(index=False)] == expected


def test_diff_reads_release_zips_and_folders_like_tags(two_tags, tmp_path):
    for tag in (f"v{VERSION}", f"v{NEXT}"):
        version = D.open_version(tag, two_tags)
        files = {p: version.read(p) for p in ["datapackage.json"] + [f"{d}/{n}" for d in ("data", "schemas")
                                                                       for n in git(two_tags, "ls-tree", "--name-only", f"{tag}:{d}").split()]}
        R.write_zip(tmp_path / f"{tag}.zip", files, R.EPOCH)
    old, new = tmp_path / f"v{VERSION}.zip", tmp_path / f"v{NEXT}.zip"
    from_tags = D.to_frame(D.diff_versions(D.open_version(f"v{VERSION}", two_tags), D.open_version(f"v{NEXT}", two_tags)))
    from_zips = D.to_frame(D.diff_versions(D.open_version(str(old)), D.open_version(str(new))))
    from_folder = D.to_frame(D.diff_versions(D.open_version(str(old)), D.open_version(str(two_tags))))
    assert len(from_tags) == 7
    pd.testing.assert_frame_equal(from_zips, from_tags)
    pd.testing.assert_frame_equal(from_folder, from_tags)


def test_diff_lists_fields_added_removed_and_retyped(repo):
    git(repo, "tag", f"v{VERSION}")
    edit_bytes("data/roles.csv", lambda b: b.replace(b"code,label,definition", b"code,label,meaning"))(repo)
    edit_json("schemas/roles.schema.json", lambda d: d["fields"][2].update(name="meaning"))(repo)
    edit_json("schemas/figures.schema.json", lambda d: next(f for f in d["fields"] if f["name"] == "value_high").update(type="integer"))(repo)
    commit(repo)
    d = D.diff_versions(D.open_version(f"v{VERSION}", repo), D.open_version("HEAD", repo))
    assert [tuple(r) for r in D.to_frame(d).itertuples(index=False)] == [
        ("figures", "field retyped", "", "value_high", "number", "integer"),
        ("roles", "field added", "", "meaning", "", ""),
        ("roles", "field removed", "", "definition", "", "")]
    text = D.to_markdown(d)
    assert "- **Fields retyped: `value_high` from number to integer.**" in text
    assert "- Fields added: `meaning`.\n- **Fields removed: `definition`.**" in text


def test_diff_of_a_version_with_itself_reports_no_change(repo, capsys):
    assert D.main(["HEAD", str(repo), "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.endswith(f"(version {VERSION})\n\nNo table, field or row changed.\n")


@pytest.mark.parametrize("spec, message", [
    ("v9.9.9", "diff: no release 9.9.9 in the git repository {repo}: no tag v9.9.9, and no commit where datapackage.json says "
               "version 9.9.9 and CHANGELOG.md has its section (`git tag --list` shows the release tags, `git log -p -- "
               "datapackage.json` the versions)"),
    ("no-such-rev", "diff: 'no-such-rev' is not a release zip, a folder holding datapackage.json, a released version, or a tag "
                    "or commit of the git repository {repo}: check the name (`git tag --list` shows the release tags)"),
    ("README.md", "diff: {repo}/README.md is a file but not a zip archive: give a release zip, a package folder, or a git tag or commit"),
    ("empty.zip", "diff: {repo}/empty.zip: the zip holds no datapackage.json, so it is not a release of the package"),
])
def test_diff_names_a_version_it_cannot_read(repo, capsys, spec, message):
    with zipfile.ZipFile(repo / "empty.zip", "w") as zf:
        zf.writestr("notes.txt", "no package here")
    arg = str(repo / spec) if spec.endswith((".md", ".zip")) else spec
    assert D.main(["HEAD", arg, "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", message.format(repo=repo) + "\n")


# --- released versions without tags ------------------------------------------------------------------

def test_a_released_version_is_found_by_the_commit_that_released_it_when_untagged(repo):
    from scripts import versions
    first = git(repo, "rev-parse", "HEAD")
    edit_text("README.md", "## Licence", "## Licence and reuse")(repo)
    commit(repo, "after the release, same version")
    edit_text("datapackage.json", f'"version": "{VERSION}"', f'"version": "{NEXT}"')(repo)
    version_only = commit(repo, "version set, no changelog section yet")
    bump_to_next_changelog_only(repo)
    released = commit(repo, f"release {NEXT}")
    found = versions.releases(repo)
    assert [(r.version, r.commit, r.tag) for r in found.values()] == [(VERSION, first, None), (NEXT, released, None)]
    assert version_only not in {r.commit for r in found.values()}
    assert versions.resolve(repo, VERSION) == versions.resolve(repo, f"v{VERSION}") == found[VERSION]
    assert versions.resolve(repo, "9.9.9") is None
    # A tag wins over the history.
    git(repo, "tag", "-a", f"v{NEXT}", version_only, "-m", "tagged elsewhere")
    assert versions.resolve(repo, NEXT) == versions.Release(NEXT, version_only, f"v{NEXT}")


def bump_to_next_changelog_only(root: Path):
    edit_text("CHANGELOG.md", "## [Unreleased]\n\n", f"## [Unreleased]\n\n## [{NEXT}] - {NEXT_DATE}\n\n- A change.\n\n")(root)


@pytest.mark.parametrize("spec", [VERSION, f"v{VERSION}"])
def test_diff_takes_a_bare_version_and_finds_it_without_a_tag(repo, capsys, spec):
    first = git(repo, "rev-parse", "HEAD")
    make_second_version(repo)
    commit(repo)
    assert D.main([spec, "HEAD", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# Record-level changes from {VERSION} (commit {first[:12]}, untagged) (version {VERSION}) to HEAD")
    assert "| `roles` | 1 | 1 | 0 | 0 |" in out
    git(repo, "tag", "-a", f"v{VERSION}", first, "-m", f"Release {VERSION}")
    assert D.main([spec, "HEAD", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.startswith(f"# Record-level changes from v{VERSION} (version {VERSION}) to HEAD")


def test_release_notes_find_the_previous_release_without_its_tag(repo, tmp_path, capsys):
    first = git(repo, "rev-parse", "HEAD")
    renumber_figure(repo)
    bump_to_next(repo)
    R.derived.write(repo)
    commit(repo, NEXT)
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (0, ""), out
    notes = (tmp_path / "dist" / f"{NAME}-v{NEXT}-notes.md").read_text(encoding="utf-8")
    assert (f"## Record-level changes from {VERSION} (commit {first[:12]}, untagged) (version {VERSION}) "
            f"to v{NEXT} (version {NEXT})") in notes
    assert "| `figures` | 1 | 1 | 0 | 0 |" in notes


def test_release_refuses_a_version_below_an_untagged_release_in_the_history(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(R, "validate", skip_validation)
    monkeypatch.setattr(R.derived, "stale", lambda root: [])
    bump_to_next(repo)
    released = commit(repo, NEXT)
    git(repo, "revert", "--no-edit", "HEAD")  # back to the metadata of VERSION, above which NEXT was released
    code, out, err = release(repo, tmp_path / "dist", capsys)
    assert (code, err) == (1, f"release refused: version {VERSION} is not above release {NEXT} (commit {released[:12]}): "
                              "bump it above every earlier release\n")
