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

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loaders import restricted
from loaders.dbt_child import VERBOSE_ENV
from loaders.restricted import create_private_database
from loaders.settings import (
    DUCKDB_MEMORY_LIMIT_ENV,
    PROJECT_DIR,
    SALT_ENV,
    Paths,
    duckdb_memory_limit,
)
from loaders.sources import all_tables
from loaders.sql import literal

log = logging.getLogger(__name__)

# dbt's artifacts; DBT_TARGET_PATH moves them (e.g. one folder per parallel test
# worker). A relative path is taken from the project folder, as dbt does.
TARGET_DIR = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
MANIFEST = TARGET_DIR / "manifest.json"
RUN_RESULTS = TARGET_DIR / "run_results.json"
# The results of the last `build` (the child keeps each command's results).
BUILD_RESULTS = TARGET_DIR / "run_results.build.json"
LOG_DIR = PROJECT_DIR / "logs"
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


def run_dbt(
    *commands: list[str],
    paths: Paths,
    salt: str,
    stream: bool = False,
    only_new_file_versions: bool = False,
) -> None:
    """Run dbt commands in order, in one child process (loaders/dbt_child.py: the
    project is parsed once); raise DbtError at the first that fails. dbt's own
    output goes to its log file, with a progress line on the terminal, unless
    `stream` (or logging at debug level, `-v`) shows it as it comes.
    `only_new_file_versions`: the uniqueness tests of the models whose rows of a
    file version never change look at the versions the last build did not test
    (see prepare_tested_file_versions)."""
    if any(command[:1] and command[0] in WRITING_COMMANDS for command in commands):
        paths.build_passed_file.unlink(missing_ok=True)
    # Every raw table exists before dbt reads it, even for a source that has not
    # delivered anything yet.
    restricted.connect(paths.restricted_db, all_tables()).close()
    create_private_database(paths.warehouse_db)
    workdir, path_env = _where_dbt_runs(paths)
    verbose = stream or log.isEnabledFor(logging.DEBUG)
    env = {
        **{k: v for k, v in os.environ.items() if k not in PATH_VARIABLES},
        **path_env,
        SALT_ENV: salt,
        DUCKDB_MEMORY_LIMIT_ENV: duckdb_memory_limit(),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(TARGET_DIR),
        "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH") or str(LOG_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # Colour codes only on a terminal, never in log files.
        "DBT_USE_COLORS": "true" if verbose and sys.stdout.isatty() else "false",
        "DBT_USE_COLORS_FILE": "false",
        VERBOSE_ENV: "1" if verbose else "0",
        TESTED_FILE_VERSIONS_ENV: "on" if only_new_file_versions else "",
    }
    shown = "; ".join(" ".join(command) for command in commands)
    dbt_log = Path(env["DBT_LOG_PATH"]) / "dbt.log"
    log.info("running dbt %s (its log: %s)", shown, dbt_log)
    child = [sys.executable, "-m", "loaders.dbt_child", json.dumps(list(commands))]
    completed = subprocess.run(child, cwd=workdir, env=env, check=False)
    if completed.returncode != 0:
        raise DbtError(f"dbt {shown} failed (exit {completed.returncode})")
    for command in commands:
        if command[:1] == ["build"] and not is_partial(command):
            _record_passed_build(paths, command)


# Read by macros/duplicate_keys.sql (tests_only_new_file_versions).
TESTED_FILE_VERSIONS_ENV = "HE_TESTED_FILE_VERSIONS"
# The delivered file versions (`_file_sha256`) current when the last whole build
# passed: every row of them was tested by that build.
TESTED_FILE_VERSIONS = "audit.tested_file_versions"


def prepare_tested_file_versions(
    paths: Paths, previous: dict[str, object] | None
) -> bool:
    """Whether this build's uniqueness tests may leave out the rows the last build
    tested: it passed (a failed or partial dbt command since would have removed
    its record), it was a whole build by this project, and it recorded the file
    versions it tested. A version loaded since (a restatement, or an earlier
    content current again, whose rows the loader wrote anew) is struck off first,
    so its rows are tested again."""
    if not previous or not previous.get("tested_file_versions"):
        return False
    inputs = previous["inputs"]
    if inputs["project"] != _project_hash():
        return False
    with _warehouse_and_restricted(paths) as conn:
        try:
            conn.execute(
                f"delete from {TESTED_FILE_VERSIONS} where _file_sha256 in ("
                "select file_sha256 from restricted.loader.manifest where file_id > ?)",
                [inputs["newest_file"] if inputs["newest_file"] is not None else -1],
            )
        except duckdb.CatalogException:
            return False
    return True


def _record_tested_file_versions(paths: Paths) -> None:
    with _warehouse_and_restricted(paths) as conn:
        conn.execute(
            f"create or replace table {TESTED_FILE_VERSIONS} as "
            "select distinct file_sha256 as _file_sha256 "
            "from restricted.staging_base.base_loader__current_files "
            "where file_sha256 is not null"
        )


def _warehouse_and_restricted(paths: Paths) -> duckdb.DuckDBPyConnection:
    """The warehouse, with the restricted file attached read-only as dbt names it."""
    conn = duckdb.connect(str(paths.warehouse_db))
    conn.execute(
        f"attach {literal(str(paths.restricted_db))} as restricted (read_only)"
    )
    return conn


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


# dbt's unit tests check the SQL's logic on fixed inputs, not the data: once they
# passed for a version of the project (its files, as build_inputs hashes them), a
# build of new data with that project may leave them out and still be a full
# build. Where they passed is recorded with dbt's artifacts, for any data folder.
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
UNIT_TESTS_PASSED = TARGET_DIR / "unit_tests_passed.json"
# A view holds no data, only its SQL, which the project decides: when the project
# that made the warehouse's last passing build made its views, a build of new data
# leaves the views as they are and still runs every data test on them (`empty`:
# leaving a view out does not leave out the tests that read it).
WITHOUT_VIEWS = [
    "--exclude",
    "config.materialized:view",
    "--indirect-selection",
    "empty",
]
# What a full build may leave out and still be one.
LEFT_OUT = (WITHOUT_UNIT_TESTS, WITHOUT_VIEWS)


def _without(args: list[str], options: list[str]) -> list[str]:
    """`args` without the run of `options` in it (when it holds that run)."""
    for start in range(len(args) - len(options) + 1):
        if args[start : start + len(options)] == options:
            return args[:start] + args[start + len(options) :]
    return args


def is_partial(args: list[str]) -> bool:
    for options in LEFT_OUT:
        args = _without(args, options)
    return any(arg.split("=", 1)[0] in PARTIAL_OPTIONS for arg in args)


def views_in_place(
    paths: Paths, previous: dict[str, object] | None, manifest: Path = MANIFEST
) -> bool:
    """Whether the warehouse holds the views this project builds: its last passing
    build (`previous`, as passed_build reads it) was a whole build by this project
    with no option of the user's (a `--vars` changes views' SQL), and every view
    the project's manifest (dbt's last) lists is there."""
    if not previous or previous["inputs"]["project"] != _project_hash():
        return False
    args = str(previous["dbt"]).split()
    for options in LEFT_OUT:
        args = _without(args, options)
    if args != ["build"] or not manifest.exists():
        return False
    wanted: dict[str, set[tuple[str, str]]] = {"restricted": set(), "warehouse": set()}
    for node in json.loads(manifest.read_text())["nodes"].values():
        if (
            node["resource_type"] == "model"
            and node["config"]["materialized"] == "view"
        ):
            database = "restricted" if node["database"] == "restricted" else "warehouse"
            wanted[database].add((node["schema"], node["alias"]))
    files = {"restricted": paths.restricted_db, "warehouse": paths.warehouse_db}
    for database, views in wanted.items():
        with duckdb.connect(str(files[database]), read_only=True) as conn:
            held = set(
                conn.execute(
                    "select schema_name, view_name from duckdb_views() "
                    "where not internal"
                ).fetchall()
            )
        if not views <= held:
            return False
    return True


def unit_tests_passed_for() -> str | None:
    """The project hash whose dbt unit tests last passed in a full build."""
    try:
        return json.loads(UNIT_TESTS_PASSED.read_text())["project"]
    except (FileNotFoundError, KeyError, ValueError):
        return None


def last_run_statuses() -> Counter[str]:
    """How many nodes of the last dbt build ended in each status (pass, ...)."""
    if not BUILD_RESULTS.exists():
        return Counter()
    results = json.loads(BUILD_RESULTS.read_text())["results"]
    return Counter(result["status"] for result in results)


def passed_build(paths: Paths) -> dict[str, str] | None:
    """What the last full, passing build recorded, or None when there is none (never
    built, or a later dbt command failed, was partial or may have changed data)."""
    try:
        return json.loads(paths.build_passed_file.read_text())
    except FileNotFoundError:
        return None


# What a build's result depends on besides the delivered data: the dbt project
# (the dbt tests in tests/, not the Python tests in tests/python).
PROJECT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "tests",
)


def build_inputs(paths: Paths) -> dict[str, object]:
    """What the warehouse is built from: the newest manifest row (any new or
    changed delivery adds one) and a hash of the dbt project's files. A build with
    the same inputs as the last passing one would build the same warehouse."""
    newest_file = None
    if paths.restricted_db.exists():
        with duckdb.connect(str(paths.restricted_db), read_only=True) as conn:
            if conn.execute(
                "select count(*) from duckdb_tables() "
                "where schema_name = 'loader' and table_name = 'manifest'"
            ).fetchone()[0]:
                newest_file = conn.execute(
                    "select max(file_id) from loader.manifest"
                ).fetchone()[0]
    return {"newest_file": newest_file, "project": _project_hash()}


def _project_hash() -> str:
    digest = hashlib.sha256()
    for name in PROJECT_INPUTS:
        top = PROJECT_DIR / name
        files = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in files:
            relative = path.relative_to(PROJECT_DIR)
            if path.is_file() and relative.parts[:2] != ("tests", "python"):
                digest.update(relative.as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def keep_built_docs(paths: Paths) -> None:
    """Keep the docs site the build made beside the warehouse, for the publication
    of that build (dbt's target folder is shared by every dbt command)."""
    if STATIC_DOCS.exists():
        shutil.copyfile(STATIC_DOCS, paths.built_docs_file)


def _record_passed_build(paths: Paths, args: list[str]) -> None:
    statuses = last_run_statuses()
    inputs = build_inputs(paths)
    record = {
        "finished_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "dbt": " ".join(args),
        "results": ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())),
        "inputs": inputs,
    }
    if _without(args, WITHOUT_UNIT_TESTS) == args:
        UNIT_TESTS_PASSED.write_text(json.dumps({"project": inputs["project"]}) + "\n")
    _record_tested_file_versions(paths)
    record["tested_file_versions"] = True
    paths.build_passed_file.write_text(json.dumps(record, indent=2) + "\n")
