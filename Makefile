# Hunter — the two commands a newcomer needs: `make run` and `make test`. Each builds its own
# virtualenv in .venv from PyPI on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOMAINS ?= example.com
# pytest-xdist workers: the machine has 2 cores, but most tests wait on sockets, so oversubscribe.
WORKERS ?= 4

.PHONY: run demo scan test lint typecheck core browser unit bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Install and run Hunter (embedded default: API, UI, worker and scheduler on SQLite; no servers needed).
run: $(STAMP)
	$(BIN)/hunter serve

## One-off scan from the command line, no database.
scan: $(STAMP)
	$(BIN)/hunter scan $(DOMAINS)

## Install everything and run the whole check: lint, types, layer contracts, tests.
test: $(STAMP) lint typecheck core browser unit

## The browser tests drive Debian's Chromium through Playwright (browser downloads do not work offline).
browser:
	@[ -x /usr/bin/chromium ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium; } \
	  || { echo "the UI tests need Chromium: sudo apt-get install chromium" >&2; exit 1; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## Core regression gate: the engine's own tests (normalization, parsing, detection, scoring, DNS scanner)
## run first and alone, so a change that breaks the core fails under its own name.
core: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) -q tests/domain tests/scanners

unit: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) -q --ignore=tests/domain --ignore=tests/scanners

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python bench/scan_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
