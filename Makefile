# Hunter — the two commands a newcomer needs: `make run` and `make test`. Each builds its own
# virtualenv in .venv from PyPI on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DOMAINS ?= example.com
# pytest-xdist workers: the machine has 2 cores, but most tests wait on sockets, so oversubscribe.
WORKERS ?= 4

.PHONY: run scan test lint typecheck unit bench install clean

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
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python bench/scan_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
