"""`make serve`: browse the SQLite export in Datasette, on this machine.

Serves ``dist/<name>.sqlite`` (built by `make exports`) read-only and immutable, with Datasette metadata
generated from the package model into ``dist/datasette-metadata.json``: the package's title, description and
licence; each table's description and its columns' descriptions; a label column for each table that
foreign keys point to (so a figure shows its claimant's name, not only the id); default facets and sort
orders. Refuses, with one line saying what to do, an export that is missing or built from other data than
the package holds now, and a port that is already in use.

Usage: python -m scripts.serve [ROOT] [--out DIR] [--port N] [--host 127.0.0.1] [--no-open]
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from pathlib import Path

from . import descriptor, dictionary, exports
from .descriptor import Package

# What a curator chooses; everything else is derived from datapackage.json and the Table Schemas.
CURATED = {
    # Tables that foreign keys point to but that have no vocabulary `label`, `name_en` or `title` column.
    "label_columns": {"events": "summary", "quantities": "description", "figures": "value_text"},
    # Facets shown by default; {"date": column} facets by day.
    "facets": {
        "figures": ["qualifier", "claimant_actor_id", "claimant_basis"],
        "claims": ["measure", "claimant", "place", "event_type", {"date": "claim_date"}],
        "events": ["event_type", "date_precision", {"date": "start_date"}],
        "quantities": ["measure", "population", "place_id", "count_type"],
        "sources": ["language", "source_type", "consulted"],
    },
    "sort": {"claims": "claim_date", "events": "start_date"},
    # The tables and the view that the export adds to the package's own tables.
    "descriptions": {
        "claims": "Each figure with what it counts (measure, population, place), the event, who claimed it and the "
                  "source it was read in: a view joining figures, quantities, places, actors, events and sources.",
        "_package": "The package this database was built from: name, title, version, licence, and data_sha256, the "
                    "digest of the descriptor, schemas and data files.",
        "data_dictionary": dictionary.__doc__.splitlines()[0],
    },
    "source_url": None,  # there is no public URL of the repository yet
}
METADATA = "datasette-metadata.json"
DEFAULT_PORT = 8001


class ServeError(Exception):
    """Not served: one line saying why and what to do."""


def label_column(package: Package, name: str) -> str | None:
    """The column that names a row of ``name``: the curator's choice, a vocabulary's label, name_en or title."""
    res = package.resource(name)
    if name in CURATED["label_columns"]:
        return CURATED["label_columns"][name]
    if res.is_vocabulary:
        return "label"
    return next((c for c in ("name_en", "title") if c in res.field_names), None)


def metadata(package: Package) -> dict:
    """Datasette metadata (https://docs.datasette.io/en/stable/metadata.html) for the SQLite export."""
    dp = package.descriptor
    described = {r.get("name"): r for r in dp["resources"]}
    referenced = {table for res in package.resources for table, _ in res.references().values()}
    tables = {}
    for res in package.resources:
        table = {"description": described[res.name].get("description", ""),
                 "columns": {f.name: f.description for f in res.fields if f.description}}
        if res.name in referenced and (label := label_column(package, res.name)):
            table["label_column"] = label
        tables[res.name] = table
    view, claims = exports.VIEW, exports.view_columns()
    tables[view] = {"columns": {name: f"{package.resource(t).field(f).description} ({t}.{f}{' of ' + via if via else ''})"
                                    for name, (t, f, via) in claims.items()}}
    for name, text in CURATED["descriptions"].items():
        tables.setdefault(name, {})["description"] = text
    columns = {res.name: res.field_names for res in package.resources} | {view: list(claims)}
    for kind in ("facets", "sort"):
        for name, chosen in CURATED[kind].items():
            wanted = [c if isinstance(c, str) else next(iter(c.values())) for c in (chosen if kind == "facets" else [chosen])]
            missing = [c for c in wanted if c not in columns.get(name, [])]
            if missing:
                raise ValueError(f"scripts/serve.py CURATED[{kind!r}] names {name}.{missing[0]}, which does not exist")
            tables.setdefault(name, {})[kind] = chosen
    for name, table in tables.items():
        if "label_column" in table and table["label_column"] not in columns.get(name, []):
            raise ValueError(f"the label column {name}.{table['label_column']} does not exist")
    licence = (dp.get("licenses") or [{}])[0]
    authors = [c.get("title") for c in dp.get("contributors", []) if c.get("role") == "author"]
    meta = {"title": dp.get("title"), "description": dp.get("description"),
            "license": licence.get("title") or licence.get("name"), "license_url": licence.get("path"),
            "source": f"{', '.join(authors) + ': ' if authors else ''}{dp.get('name')} version {dp.get('version')}"}
    if CURATED["source_url"]:
        meta["source_url"] = CURATED["source_url"]
    # The database's page (the one `make serve` prints) shows the package's description too.
    meta["databases"] = {Path(exports.sqlite_name(package)).stem: {"description": dp.get("description"), "tables": tables}}
    return {k: v for k, v in meta.items() if v is not None}


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def check_export(root: Path, out: Path) -> tuple[Package, Path]:
    """The package and its SQLite export, or ServeError when the export is missing or stale."""
    package, problems = descriptor.load(root)
    if package is None or problems:
        raise ServeError(f"the package at {shown(root)} cannot be read: run make validate to see why")
    db = out / exports.sqlite_name(package)
    try:
        digest = exports.data_digest(package)
    except OSError as e:
        raise ServeError(f"cannot read {e.filename}: run make validate to see why") from None
    recorded = exports.built_from(db)
    if recorded is None:
        raise ServeError(f"{shown(db)} is missing (or not an export of this package): run make exports "
                         "(make serve builds it first)")
    if recorded != digest:
        raise ServeError(f"{shown(db)} is stale (built from other data than the package holds now): run make exports "
                         "(make serve rebuilds it first)")
    return package, db


def check_port(host: str, port: int) -> None:
    """ServeError when ``host:port`` cannot be listened on (bound by another server, or not this machine's)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise ServeError(f"cannot resolve the host {host!r} ({e.strerror}): use e.g. --host 127.0.0.1") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will, so a closed connection's TIME_WAIT is no obstacle
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} is in use: choose another with make serve PORT={port + 1} "
                                 f"(or --port {port + 1})") from None
            raise ServeError(f"cannot listen on {host}:{port} ({e.strerror}): choose another port or host") from None


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 30) -> bool:
    """True once ``url`` answers; False when the server exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def can_open_browser() -> bool:
    """A browser window can be shown: not on a Linux machine without a display (such as a server over SSH)."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def interrupted(signum, frame):
    raise KeyboardInterrupt


def stop(server: subprocess.Popen) -> None:
    """Stop Datasette (after Ctrl+C in a terminal it has had SIGINT too; a second one only skips waiting for
    open connections)."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # Datasette (uvicorn) shuts down cleanly on SIGINT, without a traceback
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.serve", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(exports.ROOT), help="the package folder (default: this repository)")
    parser.add_argument("--out", default=None, help="where the exports are (default: ROOT/dist)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port to listen on (default: {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--no-open", action="store_true", help="do not open a browser window")
    args = parser.parse_args(argv)
    root = Path(args.root)
    out = Path(args.out) if args.out else root / exports.DIST
    try:
        package, db = check_export(root, out)
        check_port(args.host, args.port)
    except ServeError as e:
        print(f"make serve: {e}", file=sys.stderr)
        return 1
    meta_path = out / METADATA
    meta_path.write_text(json.dumps(metadata(package), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    url = f"http://{shown_host}:{args.port}/{db.stem}"
    # Ctrl+C (SIGINT, even where the shell started us with it ignored) and SIGTERM stop the server, then us.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    server = None
    try:
        server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "--immutable", str(db),
                                   "--metadata", str(meta_path), "--host", args.host, "--port", str(args.port)])
        if not wait_until_up(url, server):
            if server.poll() is None:
                print(f"make serve: Datasette did not answer at {url} within 30 s; stopping it", file=sys.stderr)
                stop(server)
                return 1
            print(f"make serve: Datasette stopped (exit code {server.returncode}) before answering; see its "
                  "messages above", file=sys.stderr)
            return 1
        print(f"serving {shown(db)} at {url} (Ctrl+C to stop)", flush=True)
        if not args.no_open and can_open_browser():
            webbrowser.open(url)
        return server.wait()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C does not interrupt the stopping
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if server is not None:
            stop(server)
        print("stopped", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
