# Plomba: `make run` (the whole system in the foreground) and `make test` (SQLite + PostgreSQL).
# Every target is safe to run again; a second run only does what is out of date.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint system install clean

help:
	@echo "make run    install what is needed, migrate, seed the demo, start web + worker + Redis"
	@echo "make test   the test suite on SQLite and on PostgreSQL (pass pytest args: ARGS='-k x')"
	@echo "make lint   ruff and the import-linter contract (the layers)"
	@echo "make clean  remove the venv and caches (keeps instance/: the dev database and keys)"

run: system $(STAMP)
	$(PY) scripts/run_dev.py

test: system $(STAMP)
	bash scripts/test.sh $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# Debian packages (redis-server, postgresql, chromium, fonts, poppler-utils), only when missing.
system:
	@bash scripts/install-system.sh

install: $(STAMP)

# Python 3.11+: python3.11 if it runs, else python3 when it is 3.11 or newer.
$(PY):
	@set -e; \
	if python3.11 -c 'import venv' >/dev/null 2>&1; then py=python3.11; \
	elif python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then py=python3; \
	else echo "make: Python 3.11 or newer is needed (python3.11 or python3)" >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$py ($$($$py -V))"; \
	$$py -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "make: '$$py -m venv' failed; on Debian install python3-venv" >&2; exit 1; }

# The exact versions of uv.lock (hashes checked), then the project itself as an editable
# install. Reinstalled when pyproject.toml or the lock changes or a top-level package appears
# (the editable install maps the packages it found at install time). After changing the
# dependencies in pyproject.toml, run `.venv/bin/uv lock` and commit uv.lock.
UV_VERSION := 0.13.9
$(STAMP): pyproject.toml uv.lock $(wildcard rzs_emulator/__init__.py) | $(PY)
	@$(VENV)/bin/uv --version 2>/dev/null | grep -q ' $(UV_VERSION)' \
	  || $(PY) -m pip install -q 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv export -q --frozen --extra dev --no-emit-project -o $(VENV)/requirements.lock
	$(VENV)/bin/uv pip install -p $(PY) --require-hashes -r $(VENV)/requirements.lock
	$(VENV)/bin/uv pip install -p $(PY) --no-deps -e .
	@touch $@

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache test-results
	find . -path ./instance -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
