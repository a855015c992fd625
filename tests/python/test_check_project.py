"""The project check's key rule (scripts/check_project.py, run by `make lint`): a
model whose key is kept from a parent (not_null + row_count_matches, as the
digital_activity views do instead of grouping every event_id again) passes only
while every test that proves it stands. Runs `dbt parse` (no data)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import PROJECT_DIR

NO_KEY = "no primary-key test"
VIEW = "digital_activity"
SERVING_VIEW = "sqls2_digital_activity__digital_activity"
SIGNALS = "digital_activity_signals"


def _load_check():
    spec = importlib.util.spec_from_file_location(
        "check_project", PROJECT_DIR / "scripts" / "check_project.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    scratch = tmp_path_factory.mktemp("parse")
    env = {
        **os.environ,
        "HE_WAREHOUSE_DB": str(scratch / "warehouse.duckdb"),
        "HE_RESTRICTED_DB": str(scratch / "restricted.duckdb"),
    }
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [dbt, "parse", "--quiet", "--profiles-dir", PROJECT_DIR,
         "--project-dir", PROJECT_DIR, "--target-path", scratch / "target",
         "--log-path", scratch / "logs"],
        env=env, check=True, cwd=PROJECT_DIR, timeout=300,
    )  # fmt: skip
    return json.loads((scratch / "target" / "manifest.json").read_text())


def _tests_on(manifest: dict, model: str) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and node.get("attached_node") == f"model.hybrid_engagement.{model}"
    }


def _without(manifest: dict, model: str, test: str, column: str | None) -> dict:
    """The manifest less the model's `test` (on `column`); `not_null` on a column
    is taken out of the model's `not_null_columns` test, where the project has it."""
    changed = copy.deepcopy(manifest)
    tests = _tests_on(changed, model)
    removed = [
        uid
        for uid, node in tests.items()
        if node["test_metadata"]["name"] == test and node.get("column_name") == column
    ]
    merged = [
        node["test_metadata"]["kwargs"]["column_names"]
        for node in tests.values()
        if test == "not_null"
        and node["test_metadata"]["name"] == "not_null_columns"
        and column in node["test_metadata"]["kwargs"]["column_names"]
    ]
    assert len(removed) + len(merged) == 1, (model, test, column, removed, merged)
    if removed:
        del changed["nodes"][removed[0]]
    else:
        merged[0].remove(column)
    return changed


def _keyless(problems: list[str]) -> set[str]:
    return {problem.split(":")[0] for problem in problems if NO_KEY in problem}


def test_the_project_passes_its_key_rule(manifest: dict) -> None:
    assert _keyless(_load_check()(manifest)) == set()


@pytest.mark.parametrize(
    ("model", "test", "column", "keyless"),
    [
        # the views' own not_null
        (VIEW, "not_null", "event_id", {VIEW, SERVING_VIEW}),
        (SERVING_VIEW, "not_null", "event_id", {SERVING_VIEW}),
        # the count that shows no row was added
        (VIEW, "row_count_matches", None, {VIEW, SERVING_VIEW}),
        (SERVING_VIEW, "row_count_matches", None, {SERVING_VIEW}),
        # the key where it is proved
        (SIGNALS, "unique", "event_id", {SIGNALS, VIEW, SERVING_VIEW}),
        (SIGNALS, "not_null", "event_id", {SIGNALS, VIEW, SERVING_VIEW}),
    ],
)
def test_a_kept_key_needs_every_test_that_proves_it(
    manifest: dict, model: str, test: str, column: str | None, keyless: set[str]
) -> None:
    problems = _load_check()(_without(manifest, model, test, column))
    assert _keyless(problems) == keyless


def test_a_filtered_count_keeps_no_key(manifest: dict) -> None:
    # GIVEN the view's count made on some of its rows only
    changed = copy.deepcopy(manifest)
    (count,) = [
        node
        for node in _tests_on(changed, VIEW).values()
        if node["test_metadata"]["name"] == "row_count_matches"
    ]
    count["test_metadata"]["kwargs"]["model_filter"] = "event_type is not null"
    # THEN it proves no key
    assert _keyless(_load_check()(changed)) == {VIEW, SERVING_VIEW}


def test_a_filtered_not_null_keeps_no_key(manifest: dict) -> None:
    # GIVEN the signals' not-null columns tested on some of their rows only
    changed = copy.deepcopy(manifest)
    (not_null,) = [
        node
        for node in _tests_on(changed, SIGNALS).values()
        if node["test_metadata"]["name"] == "not_null_columns"
    ]
    assert "event_id" in not_null["test_metadata"]["kwargs"]["column_names"]
    not_null["config"]["where"] = "event_type is not null"
    # THEN event_id is no key there, nor in the views that keep it
    assert _keyless(_load_check()(changed)) == {SIGNALS, VIEW, SERVING_VIEW}
