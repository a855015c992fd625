"""The same dbt project on Apache Spark (docs/running-on-spark.md).

The loaders stay DuckDB: they load deliveries into restricted.duckdb as always. For
Spark, `build --target spark`:

1. exports every raw table and the loader's bookkeeping (`raw_<source>.*`,
   `loader.*`: manifest, rejects, flags, ...) as Parquet into the restricted folder,
   one directory per table: <restricted>/raw/<schema>/<table>/ (a table whose rows
   did not change since the last export is left as it is);
2. runs, in one dbt process on the `spark` target, `dbt run-operation
   declare_raw_tables` (each directory becomes the table of the same schema and
   name, so the dbt sources are the same on both engines) and `dbt build`.

Where things live (HE_SPARK_DIR, default <data>/spark, private like the data folder):

    metastore/   Spark's catalog (Derby): schemas, tables, views
    warehouse/   the warehouse schemas' tables (staging, marts, ...)
    restricted/  HE_SPARK_RESTRICTED_DIR: the raw Parquet (raw/) and the restricted
                 schemas' tables (restricted_pii.db, ...): what holds raw ids
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

from loaders import findings as finding_rules
from loaders import restricted
from loaders.dbt import LOG_DIR, TARGET_DIR
from loaders.dbt_child import VERBOSE_ENV
from loaders.pipeline import Run, Step
from loaders.settings import PROJECT_DIR, Paths
from loaders.sources import all_tables
from loaders.spark_salt import salt_environment
from loaders.sql import literal, quote_ident

log = logging.getLogger(__name__)

TARGET = "spark"
SPARK_DIR_ENV = "HE_SPARK_DIR"
RESTRICTED_DIR_ENV = "HE_SPARK_RESTRICTED_DIR"
# dbt's artifacts of Spark runs: beside DuckDB's, never mixed with them (a manifest
# parsed for one target is not the other's).
SPARK_TARGET_DIR = TARGET_DIR.with_name(TARGET_DIR.name + "-spark")
SPARK_RESULTS = SPARK_TARGET_DIR / "run_results.build.json"
# The loader's bookkeeping exported beside the raw tables (the dbt sources of
# schema `loader`).
LOADER_SCHEMA = "loader"
# The fingerprint of an exported table's rows, kept beside its Parquet files.
FINGERPRINT_FILE = "_export.json"
# DuckDB writes one Parquet file per this many bytes, so Spark reads a big table
# in parallel.
PARQUET_FILE_SIZE = "256MB"


class SparkUnavailable(Exception):
    """The spark extra or Java is missing; the message says how to install it."""


@dataclass(frozen=True)
class SparkPaths:
    root: Path
    restricted: Path

    @classmethod
    def resolve(cls, paths: Paths) -> SparkPaths:
        root = Path(os.environ.get(SPARK_DIR_ENV) or paths.data_dir / "spark")
        restricted_dir = os.environ.get(RESTRICTED_DIR_ENV)
        return cls(
            root=root.resolve(),
            restricted=(
                Path(restricted_dir) if restricted_dir else root / "restricted"
            ).resolve(),
        )

    @property
    def raw(self) -> Path:
        return self.restricted / "raw"

    def table_dir(self, schema: str, table: str) -> Path:
        return self.raw / schema / table


def check_available() -> None:
    """Fail with the fix when pyspark or dbt-spark or Java is missing."""
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as error:
        raise SparkUnavailable(
            f"the spark extra is not installed ({error.name}): "
            "pip install -e '.[spark]'"
        ) from None
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        raise SparkUnavailable(
            "Java is not installed (Spark needs Java 17): "
            "apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
        )


# -- 1. raw tables -> Parquet ---------------------------------------------------------


@dataclass(frozen=True)
class Export:
    tables: int
    written: int
    rows: int

    def summary(self) -> str:
        return (
            f"{self.tables} raw tables as Parquet ({self.written} written, "
            f"{self.tables - self.written} unchanged; {self.rows:,} rows)"
        )


def export_raw_tables(paths: Paths, spark_paths: SparkPaths) -> Export:
    """Every raw_<source> table and the loader's tables as Parquet, one directory
    per table. A table is written to <dir>.next and swapped in, so Spark never
    reads half a table; one whose fingerprint (rows, newest load) is unchanged is
    skipped."""
    # Every raw table exists, even for a source that never delivered, so every dbt
    # source has its directory (an empty table is an empty Parquet file).
    restricted.connect(paths.restricted_db, all_tables()).close()
    _private_dir(spark_paths.root)
    _private_dir(spark_paths.restricted)
    written = rows = 0
    with duckdb.connect(str(paths.restricted_db), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name, "
            "list(column_name order by column_index) "
            "from duckdb_columns() where database_name = current_database() "
            "and (schema_name like 'raw\\_%' escape '\\' or schema_name = ?) "
            "group by schema_name, table_name order by schema_name, table_name",
            [LOADER_SCHEMA],
        ).fetchall()
        for schema, table, columns in tables:
            target = spark_paths.table_dir(schema, table)
            fingerprint = _fingerprint(conn, schema, table, columns)
            rows += fingerprint["rows"]
            if _exported_fingerprint(target) == fingerprint:
                continue
            _write_parquet(conn, schema, table, target, fingerprint)
            written += 1
    return Export(tables=len(tables), written=written, rows=rows)


def _fingerprint(
    conn: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str]
) -> dict[str, object]:
    """What changes whenever the table's rows do: raw tables only grow (a new
    file version adds rows with a newer load time); the loader's tables are
    small and always written again."""
    name = f"{quote_ident(schema)}.{quote_ident(table)}"
    if "_loaded_at" not in columns:
        count = conn.execute(f"select count(*) from {name}").fetchone()[0]
        return {"rows": count, "newest": None, "columns": columns, "always": True}
    count, newest = conn.execute(
        f"select count(*), cast(max(_loaded_at) as varchar) from {name}"
    ).fetchone()
    return {"rows": count, "newest": newest, "columns": columns, "always": False}


def _exported_fingerprint(target: Path) -> dict[str, object] | None:
    try:
        exported = json.loads((target / FINGERPRINT_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return None if exported.get("always") else exported


def _write_parquet(
    conn: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    target: Path,
    fingerprint: dict[str, object],
) -> None:
    partial = target.with_name(target.name + ".next")
    shutil.rmtree(partial, ignore_errors=True)
    _private_dir(partial.parent)
    conn.execute(
        f"copy (select * from {quote_ident(schema)}.{quote_ident(table)}) "
        f"to {literal(str(partial))} (format parquet, compression zstd, "
        f"file_size_bytes {literal(PARQUET_FILE_SIZE)}, "
        f"filename_pattern 'part-{{i}}')"
    )
    if not any(partial.glob("*.parquet")):
        # An empty table: DuckDB writes no file into a folder, so write one with
        # the table's columns, for Spark to read the schema from.
        partial.mkdir(exist_ok=True)
        conn.execute(
            f"copy (select * from {quote_ident(schema)}.{quote_ident(table)} "
            f"limit 0) to {literal(str(partial / 'part-0.parquet'))} "
            "(format parquet)"
        )
    (partial / FINGERPRINT_FILE).write_text(json.dumps(fingerprint) + "\n")
    previous = target.with_name(target.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    partial.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


# -- 2. dbt on the spark target -------------------------------------------------------


class SparkDbtError(Exception):
    """dbt on Spark exited non-zero; its own output says why."""


def run_dbt_spark(
    *commands: list[str], paths: Paths, salt: str, stream: bool = False
) -> None:
    """Run dbt commands on the spark target in one child process (one Spark
    session for all of them); raise SparkDbtError at the first that fails."""
    check_available()
    spark_paths = SparkPaths.resolve(paths)
    _private_dir(spark_paths.root)
    verbose = stream or log.isEnabledFor(logging.DEBUG)
    log_dir = Path(os.environ.get("DBT_LOG_PATH") or LOG_DIR)
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            # The DuckDB files' paths and the salt in clear: not for this run.
            if k not in ("HE_WAREHOUSE_DB", "HE_RESTRICTED_DB", "HE_PSEUDONYM_SALT")
        },
        **salt_environment(salt),
        SPARK_DIR_ENV: str(spark_paths.root),
        RESTRICTED_DIR_ENV: str(spark_paths.restricted),
        "DBT_TARGET": TARGET,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(SPARK_TARGET_DIR),
        "DBT_LOG_PATH": str(log_dir / "spark"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "true" if verbose and sys.stdout.isatty() else "false",
        "DBT_USE_COLORS_FILE": "false",
        VERBOSE_ENV: "1" if verbose else "0",
    }
    shown = "; ".join(" ".join(command) for command in commands)
    log.info("running dbt %s on Spark (its log: %s)", shown, log_dir / "spark")
    child = [sys.executable, "-m", "loaders.dbt_child", json.dumps(list(commands))]
    completed = subprocess.run(child, cwd=spark_paths.root, env=env, check=False)
    if completed.returncode != 0:
        raise SparkDbtError(
            f"dbt {shown} on Spark failed (exit {completed.returncode})"
        )


def last_build_statuses() -> Counter[str]:
    """How many nodes of the last dbt build on Spark ended in each status."""
    if not SPARK_RESULTS.exists():
        return Counter()
    results = json.loads(SPARK_RESULTS.read_text())["results"]
    return Counter(result["status"] for result in results)


def build(run: Run) -> str:
    """The build step on Spark: export the raw tables, declare them to Spark and
    `dbt build` there. Findings as on DuckDB: the finding-tier tests' rows."""
    check_available()
    spark_paths = SparkPaths.resolve(run.paths)
    started = time.monotonic()
    export = export_raw_tables(run.paths, spark_paths)
    log.info("%s in %.1f s", export.summary(), time.monotonic() - started)
    run_dbt_spark(
        ["run-operation", "declare_raw_tables"],
        ["build", *run.dbt_args],
        paths=run.paths,
        salt=run.salt,
    )
    run.findings += finding_rules.from_dbt_run(SPARK_RESULTS)
    statuses = last_build_statuses()
    counts = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    return f"{export.summary()}; dbt build on Spark passed: {counts}"


BUILD: Step = ("build", build)


# -- reading Spark's catalog from Python ----------------------------------------------


# The local session's settings: those of profiles.yml's spark target (keep the two
# alike), for reading what a local Spark build made (e.g. with pyspark).
def local_session_settings(spark_paths: SparkPaths) -> dict[str, str]:
    root = spark_paths.root
    return {
        "spark.master": os.environ.get("HE_SPARK_MASTER", "local[*]"),
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={root / 'metastore'};create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={root} {os.environ.get('HE_SPARK_JAVA_OPTIONS', '')}"
        ).strip(),
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.ansi.enabled": "false",
    }


def local_session(spark_paths: SparkPaths):  # -> pyspark.sql.SparkSession
    """A Spark session on the local build's catalog (one process at a time: the
    Derby metastore admits one)."""
    check_available()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in local_session_settings(spark_paths).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


SERVING_SCHEMA_PREFIXES = ("sqls2_", "sqls3_")


def serving_views(session) -> list[tuple[str, str]]:  # session: SparkSession
    """(schema, view) of every view in a sqls2_* or sqls3_* schema of the catalog."""
    views = []
    for (schema,) in session.sql("show schemas").collect():
        if not schema.startswith(SERVING_SCHEMA_PREFIXES):
            continue
        for row in session.sql(f"show views in {schema}").collect():
            if not row["isTemporary"]:
                views.append((schema, row["viewName"]))
    return sorted(views)
