# Two entry points do all set-up on a fresh machine:
#   make demo   - venv, install, scan embedded fake AWS, Azure and GCP, write a bundle under reports/
#   make test   - venv, install, ruff, mypy (strict), the whole pytest suite
#   make lock   - re-resolve requirements.txt from pyproject.toml (newest releases)
#   make test-latest - the suite against the newest releases, unlocked (drift shows here first)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.txt
LATEST := .venv-latest

SARIF_TOOL := tools/sarif/node_modules/.installed

.PHONY: demo test test-latest lock lint typecheck unit docs bench bench-1m clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, every file checked against its hash; then the
# project itself, editable, built by the locked hatchling (no unpinned build deps).
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# uv resolves for every platform and Python >= 3.11 at once (--universal) and
# writes pip's hashed requirements format, so installing needs nothing but pip.
# The same pins are written as pylock.toml (PEP 751), the standard lock other tools
# and scanners read; tests/packaging/test_lock.py holds the two equal.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra dev --universal \
	  --generate-hashes --python-version 3.11 --no-emit-package boundary-auditor \
	  --custom-compile-command "make lock" --upgrade -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra dev --universal \
	  --python-version 3.11 --no-emit-package boundary-auditor -c $(LOCK) \
	  --custom-compile-command "make lock" -o pylock.toml

# Microsoft's SARIF multitool, exactly as tools/sarif/package-lock.json pins it: a test
# checks report.sarif with its GitHub code scanning rules. Without npm that one test
# skips (under CI it fails: .ci/run installs nodejs and npm).
$(SARIF_TOOL): tools/sarif/package.json tools/sarif/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd tools/sarif && npm ci --no-audit --no-fund && touch node_modules/.installed; \
	else echo "npm not found: the SARIF multitool test will skip (apt-get install nodejs npm)"; fi

test-latest: $(SARIF_TOOL)
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade -e '.[dev]'
	$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	$(LATEST)/bin/ruff check auditor tests bench
	$(LATEST)/bin/mypy auditor
	$(LATEST)/bin/python -m pytest -q -n 2 --dist loadfile tests

# The three-cloud estate, then the AWS estate whose flow logs hold records, so the demo
# also shows observed flows judged and the data-movement map (a second bundle).
demo: $(STAMP)
	$(BIN)/auditor demo --out reports
	$(BIN)/auditor demo --estate observed-flows --out reports

lint: $(STAMP)
	$(BIN)/ruff check auditor tests bench
	$(BIN)/ruff format --check auditor tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy auditor

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

test: lint typecheck $(SARIF_TOOL)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests

# The fuzz targets (tests/fuzz) run in `make test` with a fixed seed and a few seconds'
# budget; here with random seeds and many examples (FUZZ_EXAMPLES to change).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} FUZZ_RANDOM=1 $(BIN)/python -m pytest -q -p no:randomly tests/fuzz

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
	rm -rf $(VENV) $(LATEST) .mypy_cache .ruff_cache .pytest_cache
