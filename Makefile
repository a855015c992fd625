# The two commands of the README: `make demo` and `make test`.
# Both create the virtual environment on first use and are safe to run again.

# The first of python3, python3.12 and python3.11 that is 3.11 or 3.12 (or PYTHON=...).
PYTHON ?= $(shell for p in python3 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))' \
	2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The spark extra (pyspark, dbt-spark) for tests/python/test_spark.py; the DuckDB
# path (`make demo`) needs none of it.
SPARK_INSTALLED := $(VENV)/.installed-spark

.PHONY: demo test install lint clean

demo: $(INSTALLED)
	$(BIN)/hybrid-engagement demo

# pytest runs `make lint` too (tests/python/test_lint.py), beside the other tests.
test: $(INSTALLED) $(SPARK_INSTALLED)
	bash tests/setup_system.sh
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
	$(LINT_ENV) $(BIN)/sqlfluff lint --processes 0 models tests

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or 3.12 is required: install one, or" \
		"set PYTHON=/path/to/python3.12"; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] in ((3, 11), (3, 12)), \
		f"Python 3.11 or 3.12 is required, found {sys.version.split()[0]}: set PYTHON=python3.12"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@mkdir -p logs
	@echo "Installing dependencies into $(VENV) with $$($(BIN)/python --version)" \
		"(the first time takes about 3 minutes; pip's log: logs/pip-install.log)..."
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off \
		-e '.[test]' > logs/pip-install.log 2>&1 \
		|| { tail -n 30 logs/pip-install.log; echo "pip failed: see logs/pip-install.log"; exit 1; }
	@echo "Dependencies installed."
	@touch $@

$(SPARK_INSTALLED): $(INSTALLED)
	@echo "Installing the spark extra (pyspark, dbt-spark) for the Spark test..."
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off \
		-e '.[test,spark]' >> logs/pip-install.log 2>&1 \
		|| { tail -n 30 logs/pip-install.log; echo "pip failed: see logs/pip-install.log"; exit 1; }
	@touch $@

clean:
	rm -rf data/demo build target logs
