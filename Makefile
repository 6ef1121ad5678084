# Two entry points do all set-up on a fresh machine:
#   make demo   - venv, install, scan the embedded fake AWS, write a bundle under reports/
#   make test   - venv, install, ruff, mypy (strict), the whole pytest suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit docs bench clean

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

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
