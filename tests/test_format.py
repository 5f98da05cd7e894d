"""`make format` rewrites the form of the CSVs and never changes a value."""
from __future__ import annotations

from scripts import format as fmt
from scripts import validate as V
from tests.conftest import ROOT, read_rows, write_rows


def test_format_leaves_a_canonical_package_unchanged(pkg):
    before = {p.name: p.read_bytes() for p in (pkg / "data").glob("*.csv")}
    assert fmt.format_package(pkg) == 0
    assert {p.name: p.read_bytes() for p in (pkg / "data").glob("*.csv")} == before


def test_format_round_trip_restores_form_without_changing_values(pkg):
    original = (pkg / "data" / "figures.csv").read_bytes()
    rows = read_rows(pkg, "figures")
    shuffled = [rows[0]] + rows[:0:-1]  # reversed order
    shuffled[3] = [f"  {c}  " if c else c for c in shuffled[3]]  # padded cells
    write_rows(pkg, "figures", shuffled)
    messy = b"\xef\xbb\xbf" + (pkg / "data" / "figures.csv").read_bytes().replace(b"\n", b"\r\n").replace(b"\r\nfig-0005,", b"\r\n\r\n\"fig-0005\",")
    (pkg / "data" / "figures.csv").write_bytes(messy)
    assert not V.validate(pkg).empty
    assert fmt.format_package(pkg) == 0
    assert (pkg / "data" / "figures.csv").read_bytes() == original
    assert V.validate(pkg).empty


def test_format_refuses_a_file_it_cannot_read_safely(pkg, capsys):
    rows = read_rows(pkg, "event_actors")
    rows[2].append("stray")  # a ragged row: which column is wrong is for a person to decide
    write_rows(pkg, "event_actors", rows)
    before = (pkg / "data" / "event_actors.csv").read_bytes()
    assert fmt.format_package(pkg) == 1
    assert (pkg / "data" / "event_actors.csv").read_bytes() == before
    assert "data/event_actors.csv: not rewritten, fix by hand first: ragged-row" in capsys.readouterr().out
