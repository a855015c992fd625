# The two commands of the README: `make demo` and `make test`.
# Both create the virtual environment on first use and are safe to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test install lint clean

demo: $(INSTALLED)
	$(BIN)/hybrid-engagement demo

test: $(INSTALLED)
	bash tests/setup_system.sh
	$(MAKE) lint
	$(BIN)/pytest

# The project check (scripts/check_project.py: layers, names, key tests, descriptions,
# contracts) reads the manifest of a `dbt parse` into a scratch target: no data needed.
LINT_ENV := HE_WAREHOUSE_DB=build/lint/warehouse.duckdb HE_RESTRICTED_DB=build/lint/restricted.duckdb

lint: $(INSTALLED)
	$(BIN)/ruff check loaders tests scripts
	$(BIN)/ruff format --check loaders tests scripts
	mkdir -p build/lint
	$(LINT_ENV) $(BIN)/dbt parse --quiet --profiles-dir . --target-path build/lint/target \
		--log-path build/lint/logs
	$(BIN)/python scripts/check_project.py build/lint/target/manifest.json
	$(LINT_ENV) $(BIN)/sqlfluff lint models tests

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), \
		f"Python 3.11 is required, found {sys.version.split()[0]}: set PYTHON=python3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

clean:
	rm -rf data/demo build target logs
