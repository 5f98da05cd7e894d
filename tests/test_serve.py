"""`make serve`: the page a researcher sees, loaded in headless Chromium from the real entry point
(python -m scripts.serve), and the refusals (a stale or missing export, a port in use) as one line each.

The exports are built once into a scratch folder; the server runs on a free local port and is stopped
whatever happens. Without Chromium the browser tests are skipped, unless REQUIRE_CHROMIUM=1 (CI) makes
that a failure.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from scripts import descriptor, exports, serve
from tests.conftest import ROOT

DB = "belarus-crackdown-2020"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The exports of the repository's package, built once for this module."""
    folder = tmp_path_factory.mktemp("dist")
    exports.build(ROOT, folder, progress=lambda _: None)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_serve(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the tooling of this repository, run from another folder
    return subprocess.run([sys.executable, "-m", "scripts.serve", *map(str, args), "--no-open"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


class Server:
    """python -m scripts.serve in its own process group, its output in files (a full pipe would block it)."""

    def __init__(self, out: Path, logs: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/{DB}"  # the database's page, the URL serve prints
        self.stdout, self.stderr = logs / f"serve-{self.port}.out", logs / f"serve-{self.port}.err"
        with open(self.stdout, "w") as o, open(self.stderr, "w") as e:
            self.proc = subprocess.Popen([sys.executable, "-m", "scripts.serve", str(ROOT), "--out", str(out),
                                          "--port", str(self.port), "--no-open"], cwd=ROOT, stdout=o, stderr=e,
                                         start_new_session=True)

    def output(self) -> tuple[str, str]:
        return self.stdout.read_text(), self.stderr.read_text()

    def wait_until_up(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    # serve prints its URL once Datasette answers
                    if "Ctrl+C to stop" in self.output()[0]:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        out, err = self.output()
        self.kill()
        pytest.fail(f"the server did not answer at {self.url} within {timeout} s (exit code {self.proc.returncode})\n"
                    f"stdout:\n{out}\nstderr:\n{err}")

    def kill(self) -> None:
        """Stop the whole process group: serve and the Datasette it started."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in the group (nothing, normally)
        except ProcessLookupError:
            pass
        self.proc.wait()


@pytest.fixture(scope="module")
def server(out, tmp_path_factory):
    s = Server(out, tmp_path_factory.mktemp("logs"))
    try:
        s.wait_until_up()
        yield s
    finally:
        s.kill()


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        why = "headless Chromium is not installed (Debian: apt-get install --no-install-recommends chromium)"
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"REQUIRE_CHROMIUM=1 but {why}")
        pytest.skip(why)
    return path


@pytest.fixture
def page(chromium, server, tmp_path):
    """The DOM of a page of the server (a path such as /belarus-crackdown-2020/figures), after Chromium has loaded it."""
    def load(path: str) -> str:
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom",
                               f"{server.base}{path}"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "</html>" in done.stdout, f"chromium failed ({done.returncode}):\n{done.stderr[-2000:]}"
        return done.stdout
    return load


def query(out: Path, sql: str, *params) -> list:
    with sqlite3.connect(f"file:{out / (DB + '.sqlite')}?mode=ro", uri=True) as con:
        return con.execute(sql, params).fetchall()


def facets(dom: str) -> dict[str, dict[str, int]]:
    """Each facet on a page: column -> {value: count}, the value read from the link that selects it."""
    found = {}
    for block in dom.split('<div class="facet-info ')[1:]:
        column = re.search(r'data-column="([^"]+)"', block).group(1)
        items = re.findall(r'<li><a href="([^"]+)">.*?</a>\s*([\d,]+)\s*</li>', block.split("</ul>", 1)[0], re.S)
        values = {}
        for href, count in items:  # ?column=value, or ?column__date=value for a date facet
            params = urllib.parse.parse_qs(urllib.parse.urlparse(html.unescape(href)).query)
            key = next(k for k in params if k == column or k.startswith(column + "__"))
            values[params[key][0]] = int(count.replace(",", ""))
        found[column] = values
    return found


def test_figures_page_shows_description_count_and_claimant_labels(page, out):
    dom = page(f"/{DB}/figures")
    text = html.unescape(dom)
    package = descriptor.load(ROOT)[0]
    described = {r["name"]: r for r in package.descriptor["resources"]}
    assert described["figures"]["description"] in text
    assert package.resource("figures").field("figure_id").description in text  # a column's description
    (rows,), = query(out, "SELECT count(*) FROM figures")
    assert f"{rows:,} rows" in text
    figure, actor, name = query(out, "SELECT f.figure_id, a.actor_id, a.name_en FROM figures f JOIN actors a "
                                     "ON a.actor_id = f.claimant_actor_id ORDER BY f.figure_id LIMIT 1")[0]
    assert f">{figure}</a>" in dom
    # The claimant column shows the actor's name (its label column), linked to the actor's row, beside the id.
    assert f'<a href="/{DB}/actors/{actor}">{html.escape(name, quote=False)}</a>&nbsp;<em>{actor}</em>' in dom
    licence = package.descriptor["licenses"][0]
    assert f'<a href="{licence["path"]}">{licence["title"]}</a>' in dom
    # The default facets, with the claimants by name.
    shown = facets(dom)
    assert set(shown) == {"qualifier", "claimant_actor_id", "claimant_basis"}
    facet = re.search(r'<div class="facet-info [^>]*data-column="claimant_actor_id".*?</ul>', dom, re.S).group(0)
    assert f">{html.escape(name, quote=False)}</a> {shown['claimant_actor_id'][actor]}</li>" in facet


def test_claims_view_facets_count_what_sql_counts(page, out):
    dom = page(f"/{DB}/claims")
    text = html.unescape(dom)
    shown = facets(dom)
    assert set(shown) == {"measure", "claimant", "place", "event_type", "claim_date"}
    for column in ("measure", "event_type"):
        counted = dict(query(out, f"SELECT {column}, count(*) FROM claims WHERE {column} IS NOT NULL GROUP BY {column}"))
        assert len(counted) <= 30  # all of them fit in a facet (Datasette shows 30)
        assert shown[column] == counted, column
    by_day = dict(query(out, "SELECT date(claim_date), count(*) FROM claims GROUP BY date(claim_date)"))
    assert shown["claim_date"] and all(by_day[day] == n for day, n in shown["claim_date"].items())  # the date facet
    (rows,), = query(out, "SELECT count(*) FROM claims")
    assert f"{rows:,} rows" in text and "sorted by claim_date" in text


def test_pages_show_the_licence_and_the_package(page):
    meta = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    licence = meta["licenses"][0]
    pages = {path: page(path) for path in ("/", f"/{DB}")}
    for path, dom in pages.items():  # the licence is in every page's footer (the figures page: above)
        assert f'<a href="{licence["path"]}">{licence["title"]}</a>' in dom, path
    assert html.escape(meta["title"], quote=False) in pages["/"]
    for path in ("/", f"/{DB}"):  # the home page and the database's page describe the package
        assert meta["description"] in html.unescape(pages[path]), path
    assert f'<a href="/{DB}/claims">claims</a>' in pages[f"/{DB}"]  # the view is listed with the tables


def test_metadata_describes_every_table_and_column(out, server):
    # serve wrote its metadata next to the export it serves; every table, view and column there is described.
    meta = json.loads((out / serve.METADATA).read_text(encoding="utf-8"))
    assert meta["license_url"] and "source_url" not in meta
    tables = meta["databases"][DB]["tables"]
    names = [n for (n,) in query(out, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    package = descriptor.load(ROOT)[0]
    for name in names:
        assert tables[name]["description"], name
        if name in {r.name for r in package.resources} | {"claims"}:
            columns = [c for _, c, *_ in query(out, f"PRAGMA table_info({name})")]
            assert sorted(tables[name]["columns"]) == sorted(columns), name
    referenced = {row[2] for name in names for row in query(out, f"PRAGMA foreign_key_list({name})")}
    for table in referenced:
        label = tables[table]["label_column"]
        assert label in [c for _, c, *_ in query(out, f"PRAGMA table_info({table})")], table


def test_ctrl_c_stops_the_server_cleanly(out, tmp_path):
    s = Server(out, tmp_path)
    try:
        s.wait_until_up()
        s.proc.send_signal(signal.SIGINT)  # to serve only, as `kill -INT`; it stops Datasette
        assert s.proc.wait(15) == 0
        stdout, stderr = s.output()
        assert stdout.rstrip().endswith("stopped") and "Traceback" not in stderr, stdout + stderr
        with socket.socket() as sock:  # and the port is free again
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", s.port))
    finally:
        s.kill()


def test_a_stale_export_is_refused(out, tmp_path):
    for name in ("datapackage.json",):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("data", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "dist").mkdir()
    shutil.copy(out / f"{DB}.sqlite", tmp_path / "dist" / f"{DB}.sqlite")
    figures = tmp_path / "data" / "figures.csv"
    text = figures.read_text(encoding="utf-8")
    figures.write_text(text.replace("The source", "The Source", 1), encoding="utf-8")  # one byte of the data
    done = run_serve(tmp_path, "--port", free_port(), cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == (f"make serve: dist/{DB}.sqlite is stale (built from other data than the package holds now): "
                           "run make exports (make serve rebuilds it first)\n")


def test_a_missing_export_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert serve.main([str(ROOT), "--out", str(tmp_path / "dist"), "--no-open"]) == 1
    _, err = capsys.readouterr()
    assert err == (f"make serve: {tmp_path / 'dist' / DB}.sqlite is missing (or not an export of this package): run make "
                   "exports (make serve builds it first)\n")


def test_a_port_in_use_is_refused(out):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = run_serve(ROOT, "--out", out, "--port", port)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == f"make serve: port {port} is in use: choose another with make serve PORT={port + 1} (or --port {port + 1})\n"
    assert done.stdout == ""
