# Two entry points do all set-up on a fresh machine:
#   make demo   - venv, install, scan embedded fake AWS, Azure and GCP, write a bundle under reports/
#   make test   - venv, install, ruff, mypy (strict), the whole pytest suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit docs bench bench-1m clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/auditor demo --out reports

lint: $(STAMP)
	$(BIN)/ruff check auditor tests bench
	$(BIN)/ruff format --check auditor tests bench

typecheck: $(STAMP)
	$(BIN)/mypy auditor

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

test: lint typecheck
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests

docs: $(STAMP)
	$(BIN)/auditor docs --out docs/reference

# Benchmarks print figures (docs/performance.md); they are not tests.
bench: $(STAMP)
	$(BIN)/python -m bench.evaluation --sizes 1000 10000 100000 --per-rule 5
	$(BIN)/python -m bench.streaming --sizes 10000 100000
	$(BIN)/python -m bench.collection --accounts 4

bench-1m: $(STAMP)
	$(BIN)/python -m bench.evaluation --sizes 100000 1000000 --per-rule 5 --bundle

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
