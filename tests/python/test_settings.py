"""Settings read from the environment: what each one means and how a bad one fails."""

from __future__ import annotations

import duckdb
import pytest
from helpers.cli import run_cli

from loaders.settings import duckdb_memory_limit


@pytest.mark.parametrize(
    ("setting", "bytes_for_the_step"),
    [
        ("4GB", 4 * 1000**3),
        ("8GiB", 8 * 1024**3),
        ("2500 mb", 2500 * 1000**2),
        ("1.5G", 1.5 * 1000**3),
    ],
)
def test_duckdb_gets_three_quarters_of_the_memory_limit(
    monkeypatch: pytest.MonkeyPatch, setting: str, bytes_for_the_step: float
) -> None:
    # GIVEN HE_MEMORY_LIMIT, the memory one step's process may use
    monkeypatch.setenv("HE_MEMORY_LIMIT", setting)
    # WHEN a DuckDB connection is opened with the limit the tool gives DuckDB
    with duckdb.connect(config={"memory_limit": duckdb_memory_limit()}) as conn:
        shown = conn.execute("select current_setting('memory_limit')").fetchone()[0]
    # THEN DuckDB holds three quarters of it (its display cuts to 0.1 GiB)
    value, unit = shown.split()
    three_quarters = bytes_for_the_step * 0.75 / 1024**3
    assert unit == "GiB"
    assert three_quarters - 0.1 < float(value) <= three_quarters


def test_a_memory_limit_that_is_not_an_amount_stops_every_command() -> None:
    # WHEN any command runs with a memory limit DuckDB could not read
    result = run_cli("summary", env={"HE_MEMORY_LIMIT": "plenty"})
    # THEN it stops before doing anything, naming the setting and a valid example
    assert result.returncode == 1
    assert "HE_MEMORY_LIMIT='plenty' is not an amount of memory such as 4GB" in (
        result.stderr
    )
