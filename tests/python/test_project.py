"""One declaration per fact: the raw tables' columns are declared in the Python
source specs (loaders/sources/*.py, with the loader's metadata and lineage columns)
and described again in the dbt sources' YAML; the two must list the same columns, in
the raw table's order. Fast: reads files only, no district and no dbt run."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

import pytest
import yaml

from loaders.restricted import LINEAGE_COLUMNS
from loaders.sources import all_tables
from loaders.specs import RawTable

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCES_YAML = sorted(PROJECT_DIR.glob("models/staging/*/_*__sources.yml"))
# The loader's own bookkeeping is declared in loaders/restricted.py's DDL, not in a
# source spec.
LOADER_SOURCE = "loader"


PSEUDONYMIZATION_RULES = {"hash", "hash-no-lookup", "mask", "no-op"}


@functools.cache
def _yaml_columns() -> dict[tuple[str, str], dict[str, dict]]:
    """(source, table) -> {column name: its YAML entry}, in the YAML's order."""
    tables = {}
    for path in SOURCES_YAML:
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                tables[(source["name"], table["name"])] = {
                    column["name"]: column for column in table.get("columns", [])
                }
    return tables


def _yaml_tables() -> dict[tuple[str, str], list[str]]:
    """(source, table) -> the column names its sources YAML lists, in order."""
    return {key: list(columns) for key, columns in _yaml_columns().items()}


def _spec_columns(table: RawTable) -> list[str]:
    """The raw table's columns as the loader creates them: the spec's delivered
    columns, its metadata columns, then the lineage columns."""
    return [
        *(column.name for column in table.columns),
        *table.metadata_columns,
        *(name for name, _ in LINEAGE_COLUMNS),
    ]


@pytest.mark.parametrize("table", all_tables(), ids=lambda table: table.qualified_name)
def test_sources_yaml_lists_exactly_the_spec_columns(table: RawTable) -> None:
    # GIVEN the raw table's spec and the dbt sources' YAML
    yaml_tables = _yaml_tables()
    # WHEN the YAML's columns of that table are read
    listed = yaml_tables.get((table.source, table.name))
    # THEN it describes the table, with exactly the spec's columns in its order
    assert listed is not None, (
        f"{table.qualified_name} has a spec in loaders/sources/{table.source}.py but "
        f"no table `{table.name}` in models/staging/{table.source}/"
        f"_{table.source}__sources.yml"
    )
    expected = _spec_columns(table)
    diff = "\n".join(
        difflib.unified_diff(
            expected,
            listed,
            fromfile=f"loaders/sources/{table.source}.py ({table.name})",
            tofile=f"_{table.source}__sources.yml ({table.name})",
            lineterm="",
        )
    )
    assert listed == expected, f"columns disagree:\n{diff}"


def test_every_sources_yaml_table_has_a_spec() -> None:
    # GIVEN every raw table the specs declare
    specs = {(table.source, table.name) for table in all_tables()}
    # WHEN the sources' YAML tables are listed
    described = {key for key in _yaml_tables() if key[0] != LOADER_SOURCE}
    # THEN none is described without a spec the loader creates it from
    assert sorted(described - specs) == []


@pytest.mark.parametrize("table", all_tables(), ids=lambda table: table.qualified_name)
def test_every_delivered_column_has_a_pseudonymization_rule(table: RawTable) -> None:
    # GIVEN the raw table's delivered columns (not the loader's own columns)
    delivered = [column.name for column in table.columns]
    # WHEN their YAML entries are read
    entries = _yaml_columns().get((table.source, table.name), {})
    rules = {
        name: entries.get(name, {})
        .get("config", {})
        .get("meta", {})
        .get("pseudonymization")
        for name in delivered
    }
    # THEN each names one of OEA's rules (staging applies it; a missing one would
    # fail the build)
    assert {n: r for n, r in rules.items() if r not in PSEUDONYMIZATION_RULES} == {}
