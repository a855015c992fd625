"""Run dbt as a subprocess, pointed at this project and the configured DuckDB files.

dbt-duckdb keeps its DuckDB connection open for the life of the process; running dbt
in a child process means the files are released the moment dbt exits, so the
loaders, publishing and readers never find them locked by a finished build.

It also keeps the record `publish` relies on: a full `dbt build` that passed leaves
`<warehouse>.passed` beside the warehouse, and any dbt command that writes or tests
the warehouse removes it before it starts. A failed or partial build therefore can
never be published, not even by running `publish` on its own afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from loaders import restricted
from loaders.restricted import create_private_database
from loaders.settings import PROJECT_DIR, SALT_ENV, Paths
from loaders.sources import all_tables

log = logging.getLogger(__name__)

# dbt's artifacts; DBT_TARGET_PATH moves them (e.g. one folder per parallel test
# worker). A relative path is taken from the project folder, as dbt does.
TARGET_DIR = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
MANIFEST = TARGET_DIR / "manifest.json"
RUN_RESULTS = TARGET_DIR / "run_results.json"
STATIC_DOCS = TARGET_DIR / "static_index.html"

# dbt commands after which the warehouse may differ from what the last passing build
# left, or may have failed a test: they void the "build passed" record.
WRITING_COMMANDS = frozenset(
    {"build", "run", "seed", "snapshot", "test", "clone", "retry", "run-operation"}
)
# Options that make a build partial (or empty): its passing does not vouch for the
# whole warehouse, so it records nothing.
PARTIAL_OPTIONS = frozenset(
    {
        "-s",
        "--select",
        "-m",
        "--models",
        "--exclude",
        "--selector",
        "--resource-type",
        "--resource-types",
        "--exclude-resource-type",
        "--exclude-resource-types",
        "--empty",
        "--sample",
    }
)


class DbtError(Exception):
    """dbt exited non-zero; its own output says why."""


def run_dbt(args: list[str], paths: Paths, salt: str) -> None:
    """Run `dbt <args>`; raise DbtError if it fails."""
    command = args[0] if args else ""
    if command in WRITING_COMMANDS:
        paths.build_passed_file.unlink(missing_ok=True)
    # Every raw table exists before dbt reads it, even for a source that has not
    # delivered anything yet.
    restricted.connect(paths.restricted_db, all_tables()).close()
    create_private_database(paths.warehouse_db)
    workdir, path_env = _where_dbt_runs(paths)
    env = {
        **{k: v for k, v in os.environ.items() if k not in PATH_VARIABLES},
        **path_env,
        SALT_ENV: salt,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(TARGET_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    executable = [str(Path(sys.executable).with_name("dbt")), *args]
    log.info("running dbt %s", " ".join(args))
    completed = subprocess.run(executable, cwd=workdir, env=env, check=False)
    if completed.returncode != 0:
        raise DbtError(f"dbt {' '.join(args)} failed (exit {completed.returncode})")
    if command == "build" and not is_partial(args):
        _record_passed_build(paths, args)


# The variables profiles.yml reads the two DuckDB files' paths from.
PATH_VARIABLES = ("HE_WAREHOUSE_DB", "HE_RESTRICTED_DB")


def _where_dbt_runs(paths: Paths) -> tuple[Path, dict[str, str]]:
    """The folder dbt runs in and the path variables it needs.

    dbt parses the project again from scratch whenever its connection settings
    change, and the DuckDB paths are connection settings. When both files have
    their standard names in one folder (the usual case), dbt runs in that folder
    and profiles.yml's relative defaults name them: the settings, and so dbt's
    partial parsing, are the same for every district and every day. Otherwise the
    paths are passed whole."""
    folder = paths.warehouse_db.parent
    if (
        paths.warehouse_db.name == "warehouse.duckdb"
        and paths.restricted_db == folder / "restricted.duckdb"
    ):
        return folder, {}
    return PROJECT_DIR, paths.dbt_env()


def is_partial(args: list[str]) -> bool:
    return any(arg.split("=", 1)[0] in PARTIAL_OPTIONS for arg in args)


def last_run_statuses() -> Counter[str]:
    """How many nodes of the last dbt run ended in each status (pass, success, ...)."""
    if not RUN_RESULTS.exists():
        return Counter()
    results = json.loads(RUN_RESULTS.read_text())["results"]
    return Counter(result["status"] for result in results)


def passed_build(paths: Paths) -> dict[str, str] | None:
    """What the last full, passing build recorded, or None when there is none (never
    built, or a later dbt command failed, was partial or may have changed data)."""
    try:
        return json.loads(paths.build_passed_file.read_text())
    except FileNotFoundError:
        return None


def _record_passed_build(paths: Paths, args: list[str]) -> None:
    statuses = last_run_statuses()
    record = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dbt": " ".join(args),
        "results": ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())),
    }
    paths.build_passed_file.write_text(json.dumps(record, indent=2) + "\n")
