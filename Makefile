# Quick start: `make validate` checks the package, `make test` runs the test suite.
# Both create a virtual environment in .venv from the pinned requirements.txt on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: validate test format codebook release diff bench clean help

help:
	@echo "make validate   check the whole data package (every problem, with file, row, column, rule and hint)"
	@echo "make test       run the test suite"
	@echo "make format     rewrite data/*.csv in canonical form (sort order, LF, UTF-8, trimmed, minimal quoting)"
	@echo "make codebook   regenerate docs/codebook.md from the schemas, vocabularies and rules"
	@echo "make release    build dist/<name>-vX.Y.Z.zip and its release notes, or refuse and say why"
	@echo "make diff OLD=v0.1.0 [NEW=HEAD]   rows added, withdrawn and changed between two versions (tags, commits, release zips)"
	@echo "make bench      time make validate against frictionless validate on generated packages (10k-1M rows; writes docs/benchmarks.md)"

$(STAMP): requirements.txt
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
	$(PY) -m scripts.codebook

release: $(STAMP)
	$(PY) -m scripts.release

NEW ?= HEAD
diff: $(STAMP)
	@if [ -z "$(OLD)" ]; then echo "usage: make diff OLD=<tag, commit or release zip> [NEW=HEAD]"; exit 2; fi
	$(PY) -m scripts.diff "$(OLD)" "$(NEW)"
bench: $(STAMP)
	$(PY) -m scripts.bench

clean:
	rm -rf $(VENV) .pytest_cache
