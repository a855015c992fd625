"""Run dbt as a subprocess, pointed at this project and the configured DuckDB files.

dbt-duckdb keeps its DuckDB connection open for the life of the process; running dbt
in a child process means the files are released the moment dbt exits, so the
loaders, publishing and readers never find them locked by a finished build.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from loaders import restricted
from loaders.restricted import create_private_database
from loaders.settings import PROJECT_DIR, SALT_ENV, Paths
from loaders.sources import all_tables

log = logging.getLogger(__name__)


class DbtError(Exception):
    """dbt exited non-zero; its own output says why."""


def run_dbt(args: list[str], paths: Paths, salt: str) -> None:
    """Run `dbt <args>`; raise DbtError if it fails."""
    # Every raw table exists before dbt reads it, even for a source that has not
    # delivered anything yet.
    restricted.connect(paths.restricted_db, all_tables()).close()
    create_private_database(paths.warehouse_db)
    env = {
        **os.environ,
        **paths.dbt_env(),
        SALT_ENV: salt,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [str(Path(sys.executable).with_name("dbt")), *args]
    log.info("running dbt %s", " ".join(args))
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, check=False)
    if completed.returncode != 0:
        raise DbtError(f"dbt {' '.join(args)} failed (exit {completed.returncode})")
