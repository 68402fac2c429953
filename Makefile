# Two commands do all set-up on a fresh machine:
#   make run    installs into .venv (first time) and runs Signpost on the embedded SQLite default
#   make test   installs into .venv (first time) and runs lint, the import contracts and the whole test suite
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean catalogues

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# the translations (locale/*/LC_MESSAGES/signpost.po) compiled to .mo
catalogues: $(STAMP)
	$(VENV)/bin/python scripts/compile_catalogues.py

run: catalogues
	$(VENV)/bin/python -m bot $(ARGS)

test: catalogues
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: catalogues
	$(VENV)/bin/python benchmarks/search_bench.py

clean:
	rm -rf $(VENV) signpost.db signpost.key
