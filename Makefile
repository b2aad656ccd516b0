# Two entry points, see README "Quick start".
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PY=python3.11)")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

## demo: set up and run the main job against the embedded sandbox (catalogue + GitHub), SQLite store
demo: $(STAMP)
	$(BIN)/swc-beheer run --sandbox

## test: set up and run lint, type checks and the whole test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy config connectors journey store sync reconcile reports swc_beheer sandbox
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
