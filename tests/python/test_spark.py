"""The same dbt project on Apache Spark gives the same published tables as on DuckDB.

A small generated district (every source, a rejected line and an ignored file, so
the quality tables have rows; engagement-drop windows of one school week, so the
drop model flags students in two weeks) is loaded once and built twice: `build`
into warehouse.duckdb (then published into serving.duckdb) and `build --target
spark` into a local Spark catalog (dbt-spark's in-process session). Every
published table must equal its Spark serving view: the same columns, the same rows,
rates equal to 1e-12, pseudonyms byte for byte. Nothing Spark wrote (catalog,
tables, dbt's artifacts and logs, the command's output) may hold the salt.

Spark needs Java 17 (tests/setup_system.sh installs openjdk-17-jre-headless): where
it cannot be installed the tests skip and say so. The spark extra (pyspark,
dbt-spark) is part of `make test`'s install.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from helpers.cli import (
    DBT_LOGS,
    DBT_TARGET,
    PROJECT_DIR,
    TEST_SALT,
    cli_env,
    ok,
    run_cli,
    with_findings,
)
from helpers.district import District, generate
from helpers.shared import shared_folder

# One Spark build (a JVM on every core for a few minutes) for the whole run: a
# shared folder (see helpers.shared), and the module's tests on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_spark")]

# Two school weeks of every source: the smallest district whose every model has rows.
DISTRICT = ("--students", "60", "--schools", "3", "--days", "8", "--seed", "7")
VARS = json.dumps(
    {
        "engagement_drop_recent_school_weeks": 1,
        "engagement_drop_previous_school_weeks": 1,
        "engagement_drop_min_school_days": 2,
    }
)
PARTICIPATION = "clever/daily-participation"
# Spark settings for a tiny district, which spends its time planning and compiling,
# not computing: few shuffle partitions, no whole-stage code generation or adaptive
# planning, one core, two dbt threads, and a JVM that compiles less (C1 only, with
# room for its code) and collects garbage on one thread. The same build took 206
# CPU-seconds with these and 383 with the profile's defaults (140 s and 204 s).
TINY_DATA_SPARK = {
    "HE_SPARK_SHUFFLE_PARTITIONS": "2",
    "HE_SPARK_CODEGEN": "false",
    "HE_SPARK_ADAPTIVE": "false",
    "HE_SPARK_MASTER": "local[1]",
    "HE_SPARK_THREADS": "2",
    "HE_SPARK_JAVA_OPTIONS": (
        "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC"
    ),
}
# Columns that hold when each build ran, so they differ between any two builds.
BUILD_TIME = {("sqls2_quality", "source_status"): "as_of"}

# Reads every view of the sqls2_*/sqls3_* schemas of the Spark catalog the build
# made (a process of its own: the catalog admits one Spark at a time) and writes
# each as Parquet, for DuckDB to compare.
EXPORT_VIEWS = """
import json, sys
from pathlib import Path
from loaders.spark import SparkPaths, local_session, serving_views
root, out = Path(sys.argv[1]), Path(sys.argv[2])
session = local_session(SparkPaths(root=root, restricted=root / "restricted"))
views = serving_views(session)
for schema, view in views:
    table = session.table(f"{schema}.{view}").coalesce(1)
    table.write.parquet(str(out / schema / view))
session.stop()
print(json.dumps(views))
"""


def _java_or_skip() -> None:
    if shutil.which("java") or os.environ.get("JAVA_HOME"):
        return
    pytest.skip(
        "Spark needs Java 17 and none is installed (tests/setup_system.sh installs "
        "openjdk-17-jre-headless as root with apt-get; it could not here)"
    )


@dataclass(frozen=True)
class Built:
    district: District
    spark_output: str
    views: list[tuple[str, str]]  # (schema, view) in Spark's catalog
    exported: Path  # <schema>/<view>/*.parquet
    dbt_places: list[Path]  # dbt's artifacts and logs of the Spark run

    @property
    def spark_dir(self) -> Path:
        return self.district.data_dir / "spark"


def _with_findings(landing: Path) -> None:
    """A duplicated line (rejected) and a file no report has (ignored)."""
    path = sorted((landing / PARTICIPATION).glob("*-students.csv"))[1]
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    (landing / PARTICIPATION / "notes.txt").write_text("not a report\n")


def _build_on_both(folder: Path) -> None:
    district = generate(folder / "district", *DISTRICT)
    _with_findings(district.landing)
    with_findings(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", "--vars", VARS, data_dir=district.data_dir))
    ok(run_cli("publish", data_dir=district.data_dir))
    spark = ok(
        run_cli(
            "build",
            "--target",
            "spark",
            "--vars",
            VARS,
            data_dir=district.data_dir,
            env=TINY_DATA_SPARK,
            timeout=900,
        )
    )
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            EXPORT_VIEWS,
            str(district.data_dir / "spark"),
            str(folder / "exported"),
        ],
        cwd=PROJECT_DIR,
        env=cli_env(salt=None, extra=TINY_DATA_SPARK),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert listed.returncode == 0, listed.stderr[-3000:]
    (folder / "built.json").write_text(
        json.dumps(
            {
                "spark_output": spark.stdout + spark.stderr,
                "views": json.loads(listed.stdout.splitlines()[-1]),
                # this worker's: the folder is shared with the others
                "dbt_places": [
                    str(DBT_TARGET.with_name(DBT_TARGET.name + "-spark")),
                    str(DBT_LOGS / "spark"),
                ],
            }
        )
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Built once per test run, also when the module's tests land on several
    workers."""
    _java_or_skip()
    folder = shared_folder(tmp_path_factory, "spark", _build_on_both)
    saved = json.loads((folder / "built.json").read_text())
    return Built(
        District(folder / "district"),
        saved["spark_output"],
        [tuple(view) for view in saved["views"]],
        folder / "exported",
        [Path(place) for place in saved["dbt_places"]],
    )


def _published_tables(district: District) -> list[tuple[str, str]]:
    return district.query(
        "select schema_name, table_name from duckdb_tables() "
        "where schema_name like 'sqls%' order by all",
        "serving",
    )


def test_every_serving_view_is_in_sparks_catalog_under_its_name(built: Built) -> None:
    # GIVEN the tables `publish` wrote from the DuckDB build
    published = _published_tables(built.district)
    assert len(published) > 15
    # THEN Spark's catalog has a view of the same schema and name for each, and no
    # other (Spark's catalog keeps names in lower case and resolves them in any case)
    assert sorted(built.views) == sorted(
        (schema, table.lower()) for schema, table in published
    )


# -- the same rows --------------------------------------------------------------------


def _value(value: object) -> object:
    """A value as both engines' results are compared: numbers that are not whole as
    float, timestamps without a time zone (both are UTC)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _sort_key(row: tuple) -> tuple:
    return tuple(
        (value is None, round(value, 9) if isinstance(value, float) else value)
        if value is not None
        else (True, 0)
        for value in row
    )


def _rows(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    relation = conn.sql(sql)
    rows = [tuple(_value(v) for v in row) for row in relation.fetchall()]
    return relation.columns, sorted(rows, key=_sort_key)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def test_every_published_table_equals_its_spark_view(built: Built) -> None:
    # GIVEN every table published from the DuckDB build and the Spark view of the
    # same name, read by one DuckDB connection (Spark's through Parquet)
    conn = duckdb.connect()
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(f"attach '{built.district.serving}' as serving (read_only)")
    differences: dict[str, str] = {}
    rows_compared = 0
    for schema, table in _published_tables(built.district):
        name = f"{schema}.{table}"
        duck_columns, duck_rows = _rows(conn, f'from serving.{schema}."{table}"')
        parquet = built.exported / schema / table.lower() / "*.parquet"
        spark_columns, spark_rows = _rows(conn, f"from read_parquet('{parquet}')")
        # THEN the columns are the same, in the same order and case
        if spark_columns != duck_columns:
            differences[name] = f"columns {spark_columns} != {duck_columns}"
            continue
        # AND so are the rows: texts (pseudonyms) byte for byte, numbers to 1e-12
        if len(spark_rows) != len(duck_rows):
            differences[name] = f"{len(spark_rows)} rows on Spark, {len(duck_rows)}"
            continue
        for spark_row, duck_row in zip(spark_rows, duck_rows, strict=True):
            unequal = [
                f"{column}: {s!r} != {d!r}"
                for column, s, d in zip(duck_columns, spark_row, duck_row, strict=True)
                if not _same(s, d) and column != BUILD_TIME.get((schema, table))
            ]
            if unequal:
                differences[name] = "; ".join(unequal)
                break
        rows_compared += len(duck_rows)
    assert differences == {}
    assert rows_compared > 5000


def test_the_comparison_covers_every_serving_table_with_rows(built: Built) -> None:
    # GIVEN the published tables THEN each has rows, so each comparison means
    # something (engagement_drop flags students, the quality tables have findings)
    empty = [
        f"{schema}.{table}"
        for schema, table in _published_tables(built.district)
        if not built.district.scalar(
            f'select count(*) from {schema}."{table}"', "serving"
        )
    ]
    # except the calendar findings: a district this small records every school day,
    # so both engines publish none (still compared, as every table is); the
    # calendar's findings are checked on DuckDB by test_messy_deliveries.py
    assert empty == ["sqls2_quality.attendance_calendar_findings"]


def test_pseudonyms_on_spark_are_oeas_sha256_of_id_and_salt(built: Built) -> None:
    # GIVEN the pseudonyms of the Spark build's Clever participation
    parquet = (
        built.exported / "sqls2_clever" / "daily_participation_pseudo" / "*.parquet"
    )
    with duckdb.connect() as conn:
        pseudonyms = {
            row[0]
            for row in conn.execute(
                f"select sis_id_pseudonym from read_parquet('{parquet}') "
                "where sis_id_pseudonym is not null"
            ).fetchall()
        }
    # THEN every one is hashlib's sha256 of a delivered sis_id followed by the salt
    delivered = {
        row["sis_id"]
        for row in built.district.rows(f"{PARTICIPATION}/*.csv")
        if row.get("sis_id")
    }
    expected = {
        hashlib.sha256((sis_id + TEST_SALT).encode()).hexdigest()
        for sis_id in delivered
    }
    assert pseudonyms and pseudonyms <= expected


def test_salt_is_written_nowhere_by_spark(built: Built) -> None:
    # GIVEN everything the Spark build wrote: the catalog (Derby), the tables, the
    # raw Parquet, dbt's artifacts and logs of the Spark run, the command's output
    places = [built.spark_dir, *built.dbt_places]
    assert all(place.is_dir() for place in places)
    # THEN neither the salt nor the hex form Spark is given appears in any of them
    needles = [TEST_SALT.encode(), TEST_SALT.encode().hex().encode()]
    offenders = [
        str(path)
        for place in places
        for path in place.rglob("*")
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]
    assert offenders == []
    assert not any(needle.decode() in built.spark_output for needle in needles)
    # AND the compiled SQL names the Spark setting the salt comes from
    compiled = built.dbt_places[0] / "compiled"
    assert any(
        "${spark.hybrid_engagement.pseudonym_salt_hex}" in path.read_text()
        for path in compiled.rglob("stg_clever__daily_participation.sql")
    )
