# Quick start: `make validate` checks the package, `make test` runs the test suite.
# Both create a virtual environment in .venv from the pinned requirements.txt on first use.
# Needs Python 3.11 or newer (PYTHON=python3.11 to choose the interpreter), make and git.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The stamp names the interpreter's version and the requirements' checksum: a change of either
# rebuilds .venv from scratch, and so does a .venv left half-built (it has no stamp). It does not depend
# on requirements.txt's time, so a fresh checkout of the same requirements does not rebuild.
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
STAMP := $(VENV)/.installed-py$(PYTHON_VERSION)-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: help validate test format codebook exports serve charts release-prepare release diff bench clean

help:
	@echo "Needs Python 3.11 or newer (set PYTHON=python3.11 to choose), make and git. Targets:"
	@echo "make validate   check the whole data package (every problem, with file, row, column, rule and hint)"
	@echo "make test       run the test suite"
	@echo "make format     rewrite data/*.csv in canonical form (sort order, LF, UTF-8, trimmed, minimal quoting)"
	@echo "make codebook   regenerate the derived files: docs/codebook.md, docs/data_dictionary.csv and the README's generated counts and citation"
	@echo "make exports    build dist/<name>.sqlite (keys, indexes, data dictionary) and dist/parquet/<table>.parquet from the validated package"
	@echo "make serve      browse the SQLite export in Datasette at http://127.0.0.1:8001 (PORT=8002 for another port); runs make exports first"
	@echo "make release-prepare VERSION=X.Y.Z [DATE=YYYY-MM-DD]   date the [Unreleased] changelog entries as X.Y.Z, write the"
	@echo "                version and date into datapackage.json, CITATION.cff and .zenodo.json, regenerate the derived files"
	@echo "make release    build dist/<name>-vX.Y.Z.zip and its release notes, or refuse and say why"
	@echo "make diff OLD=0.1.0 [NEW=HEAD]   rows added, withdrawn and changed between two versions (versions, tags, commits, release zips)"
	@echo "make bench      time make validate against frictionless validate on generated packages (10k-1M rows; writes docs/benchmarks.md)"
	@echo "make charts     redraw the charts in docs/figures/ (timeline of the first month, competing claims about each headline"
	@echo "                quantity) as PNG and SVG, each with the data behind it as CSV"
	@echo "make clean      remove .venv and the caches (.pytest_cache, .hypothesis, __pycache__); the next command rebuilds .venv"
	@echo "make help       this list"

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "make: Python 3.11 or newer is needed; found $(or $(PYTHON_VERSION),no Python) ($(PYTHON)). Set PYTHON=python3.11" >&2; exit 1; }
	@if [ -f $(VENV)/pyvenv.cfg ]; then echo "rebuilding $(VENV) for Python $(PYTHON_VERSION) and requirements.txt"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

validate: $(STAMP)
	$(PY) -m scripts.validate

test: $(STAMP)
	$(PY) -m pytest -n 2

format: $(STAMP)
	$(PY) -m scripts.format

codebook: $(STAMP)
	$(PY) -m scripts.derived

exports: $(STAMP)
	$(PY) -m scripts.exports

serve: exports
	$(PY) -m scripts.serve $(if $(PORT),--port $(PORT))

release-prepare: $(STAMP)
	@if [ -z "$(VERSION)" ]; then echo "usage: make release-prepare VERSION=X.Y.Z [DATE=YYYY-MM-DD]" >&2; exit 2; fi
	$(PY) -m scripts.prepare "$(VERSION)" $(if $(DATE),--date "$(DATE)")

release: $(STAMP)
	$(PY) -m scripts.release

NEW ?= HEAD
diff: $(STAMP)
	@if [ -z "$(OLD)" ]; then echo "usage: make diff OLD=<version, tag, commit or release zip> [NEW=HEAD]"; exit 2; fi
	$(PY) -m scripts.diff "$(OLD)" "$(NEW)"

bench: $(STAMP)
	$(PY) -m scripts.bench

charts: $(STAMP)
	$(PY) -m scripts.charts

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.git/*' -prune -exec rm -rf {} +
