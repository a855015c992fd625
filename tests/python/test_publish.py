"""Publishing serving.duckdb: what BI tools open, proven with the clients they use.

Real clients only: DuckDB 1.5 from its own virtual environment (the engine inside the
ODBC/JDBC drivers, Evidence and Metabase), duckdb-engine with SQLAlchemy 2.0 (what
Superset uses), and a reader process that holds the file open across a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from helpers import delivered
from helpers.cli import DBT_TARGET, PROJECT_DIR, ok, run_cli
from helpers.district import (
    MIXED_CASE_VIEW,
    District,
    PublishedDistrict,
    copy_district,
    generate,
)

from loaders.dbt import passed_build, views_in_place
from loaders.settings import Paths

pytestmark = pytest.mark.slow

# The small district of conftest.SMALL, four school days later.
MORE_DAYS = ("--students", "60", "--schools", "3", "--days", "12", "--seed", "7")

DUCKDB1_VENV = PROJECT_DIR / "build" / "duckdb1-venv"
DUCKDB1_REQUIREMENT = "duckdb>=1.5,<1.6"

# Run by the DuckDB 1.5 client: every table of a file, every row, as JSON text.
READ_EVERY_TABLE = """
import json, sys
import duckdb
conn = duckdb.connect(sys.argv[1], read_only=True)
tables = conn.execute(
    "select schema_name, table_name from duckdb_tables() order by 1, 2"
).fetchall()
out = {"version": duckdb.__version__, "tables": {}}
for schema, table in tables:
    rows = conn.execute(f'select * from "{schema}"."{table}"').fetchall()
    out["tables"][f"{schema}.{table}"] = sorted(
        json.dumps(row, default=str) for row in rows
    )
print(json.dumps(out))
"""

# A reader that holds serving.duckdb open and answers one query per input line.
HOLD_AND_READ = """
import json, sys
import duckdb
conn = duckdb.connect(sys.argv[1], read_only=True)
for _ in sys.stdin:
    participation = conn.execute(
        "select count(*), sum(num_logins) from sqls2_clever.daily_participation_pseudo"
    ).fetchone()
    activity = conn.execute(
        "select count(*) from sqls2_digital_activity.digital_activity"
    ).fetchone()[0]
    print(json.dumps([*participation, activity]), flush=True)
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _serving_views(district: District) -> dict[str, list[str]]:
    """Every serving view of the warehouse and its rows, read with DuckDB 2.0."""
    with duckdb.connect(str(district.warehouse), read_only=True) as conn:
        views = conn.execute(
            "select schema_name, view_name from duckdb_views() "
            "where not internal and (schema_name like 'sqls2\\_%' escape '\\' "
            "or schema_name like 'sqls3\\_%' escape '\\')"
        ).fetchall()
        return {
            f"{schema}.{view}": sorted(
                json.dumps(row, default=str)
                for row in conn.execute(f'select * from "{schema}"."{view}"').fetchall()
            )
            for schema, view in views
        }


def _participation(district: District) -> tuple[int, int, int]:
    """From the delivered files, read with Python: participation rows, their logins,
    and digital_activity's rows (every source, by the mapping rules)."""
    rows = district.rows("clever/daily-participation/*.csv")
    return (
        len(rows),
        sum(int(row["num_logins"]) for row in rows),
        sum(delivered.expected_activity_rows(district).values()),
    )


def test_pipeline_runs_every_step_and_says_what_it_published(
    published_district: PublishedDistrict,
) -> None:
    # GIVEN the output of `pipeline` on a fresh district
    output = published_district.pipeline_output
    # THEN every step is reported with its result, fetch skipped for lack of a server
    for line in (
        "fetch     skipped",
        "load      done",
        "build     done",
        "publish   done",
        "postgres  skipped",
    ):
        assert line in output
    # AND publish says it placed the docs site and the report beside the file
    assert "the docs site, the report (" in output
    assert "dbt build passed" in output
    # AND the summary names the published file and the docs, which exist
    assert f"Published for BI tools: {published_district.serving}" in output
    assert str(published_district.docs) in output
    assert published_district.serving.is_file() and published_district.docs.is_file()


def test_serving_file_holds_every_serving_view_as_a_described_table(
    published_district: PublishedDistrict,
) -> None:
    district = published_district
    # GIVEN dbt's descriptions of the serving models and the delivered files
    manifest = json.loads(district.manifest.read_text())
    described = {
        (node["schema"], node["alias"]): node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"].startswith("sqls")
    }
    delivered_participation, _, delivered_activity = _participation(district)
    # WHEN the published file is opened
    with duckdb.connect(str(district.serving), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name, comment from duckdb_tables()"
        ).fetchall()
        views = conn.execute("select count(*) from duckdb_views() where not internal")
        assert views.fetchone()[0] == 0
        counts = {
            (schema, name): conn.execute(
                f'select count(*) from "{schema}"."{name}"'
            ).fetchone()[0]
            for schema, name, _ in tables
        }
        column_comments = conn.execute(
            "select schema_name, table_name, column_name, comment "
            "from duckdb_columns() where database_name = current_database()"
        ).fetchall()
        tags = conn.execute(
            "select tags from duckdb_databases() where database_name = 'serving'"
        ).fetchone()[0]
    # THEN it holds one table per serving view, the mixed-case one included
    assert {f"{s}.{n}" for s, n, _ in tables} == set(_serving_views(district))
    assert MIXED_CASE_VIEW in counts
    # AND the counts match the delivered files
    assert counts["sqls2_clever", "daily_participation_pseudo"] == (
        delivered_participation
    )
    assert counts["sqls2_digital_activity", "digital_activity"] == delivered_activity
    # AND every dbt-described table and column carries its description as a comment
    for schema, name, comment in tables:
        if (schema, name) == MIXED_CASE_VIEW:
            assert comment is None  # not a dbt model: published without comments
            continue
        assert comment == described[schema, name]["description"]
    documented = 0
    for schema, name, column, comment in column_comments:
        if (schema, name) in described:
            assert comment == described[schema, name]["columns"][column]["description"]
            documented += 1
    assert documented >= 30
    # AND it is written in DuckDB 1.5-compatible storage, read-only to everyone
    # (owner and group read), no WAL
    assert tags["storage_version"].startswith("v1.5.0")
    assert stat.S_IMODE(district.serving.stat().st_mode) == 0o440
    assert not Path(str(district.serving) + ".wal").exists()
    assert not (district.data_dir / "serving_next.duckdb").exists()


def test_previous_version_is_kept_for_rollback(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district whose warehouse gains a new serving view
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    published = _sha256(district.serving)
    with duckdb.connect(str(district.warehouse)) as conn:
        conn.execute("create schema sqls3_rollback_check")
        conn.execute("create view sqls3_rollback_check.added as select 1 as x")
    # WHEN it is published again
    ok(run_cli("publish", data_dir=district.data_dir))
    # THEN the previous file is the former publication, byte for byte, and complete
    assert _sha256(district.previous) == published
    with duckdb.connect(str(district.previous), read_only=True) as conn:
        before = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
        ).fetchall()
        rows = conn.execute(
            "select count(*) from sqls2_digital_activity.digital_activity"
        ).fetchone()[0]
    assert rows == _participation(published_district)[2]
    # AND only the new file has the new view's table
    after = district.query(
        "select schema_name || '.' || table_name from duckdb_tables()", "serving"
    )
    assert set(after) - set(before) == {("sqls3_rollback_check.added",)}


@pytest.fixture(scope="session")
def duckdb1_python() -> Path:
    """A Python with DuckDB 1.5 in its own virtual environment under build/."""
    python = DUCKDB1_VENV / "bin" / "python"
    if not _duckdb_version(python).startswith("1.5."):
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(DUCKDB1_VENV)], check=True
        )
        installed = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                DUCKDB1_REQUIREMENT,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if installed.returncode != 0:
            pytest.skip(
                f"could not install {DUCKDB1_REQUIREMENT} from PyPI into "
                f"{DUCKDB1_VENV} (offline?): {installed.stderr[-500:]}"
            )
    version = _duckdb_version(python)
    assert version.startswith("1.5."), version
    return python


def _duckdb_version(python: Path) -> str:
    if not python.exists():
        return ""
    found = subprocess.run(
        [str(python), "-c", "import duckdb; print(duckdb.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip()


def _read_with(python: Path, serving: Path) -> dict:
    """Every table of `serving`, every row, read by READ_EVERY_TABLE in `python`."""
    read = subprocess.run(
        [str(python), "-c", READ_EVERY_TABLE, str(serving)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    return json.loads(read.stdout)


def test_duckdb_1_5_reads_every_published_table(
    published_district: PublishedDistrict, duckdb1_python: Path, tmp_path: Path
) -> None:
    # GIVEN DuckDB 1.5, the engine inside the ODBC/JDBC drivers and BI tools
    # WHEN it opens serving.duckdb read-only and reads every row of every table
    result = _read_with(duckdb1_python, published_district.serving)
    # THEN it is DuckDB 1.5 and it sees exactly the warehouse's serving views' rows
    assert result["version"].startswith("1.5.")
    assert result["tables"] == _serving_views(published_district)
    assert sum(len(rows) for rows in result["tables"].values()) > 1000
    # AND (the control) it cannot read a file in DuckDB 2.0's default storage
    default_storage = tmp_path / "default.duckdb"
    with duckdb.connect(str(default_storage)) as conn:
        conn.execute("create table t as select 1 as x")
    refused = subprocess.run(
        [str(duckdb1_python), "-c", READ_EVERY_TABLE, str(default_storage)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "version" in refused.stderr


@pytest.mark.filterwarnings("ignore:duckdb-engine doesn't yet support reflection")
def test_sqlalchemy_duckdb_engine_reads_it_read_only_like_superset(
    published_district: PublishedDistrict,
) -> None:
    district = published_district
    schema, view = MIXED_CASE_VIEW
    # GIVEN the URI a Superset user enters for the published file
    engine = sa.create_engine(f"duckdb:///{district.serving}?access_mode=read_only")
    try:
        with engine.connect() as conn:
            # WHEN the catalog is listed and tables reflected, as BI tools do
            inspector = sa.inspect(conn)
            schemas = inspector.get_schema_names()
            tables = inspector.get_table_names(schema="sqls2_clever")
            activity = sa.Table(
                "digital_activity",
                sa.MetaData(),
                schema="sqls2_digital_activity",
                autoload_with=conn,
            )
            comment = inspector.get_table_comment(
                "digital_activity", schema="sqls2_digital_activity"
            )["text"]
            mixed = inspector.get_table_names(schema=schema)
            student = sa.Table(view, sa.MetaData(), schema=schema, autoload_with=conn)
            # AND queried through SQLAlchemy's own SQL (which quotes mixed case)
            activity_rows = conn.execute(
                sa.select(sa.func.count()).select_from(activity)
            ).scalar_one()
            students = conn.execute(
                sa.select(sa.func.count(), sa.func.sum(student.c.ActiveDays))
            ).one()
            # AND the connection tries to write
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                conn.execute(sa.text("create table sqls2_clever.x as select 1 as y"))
    finally:
        engine.dispose()
    # THEN schemas, tables, OEA's camelCase columns and the descriptions appear
    assert {"serving.sqls2_clever", "serving.sqls2_digital_activity"} <= set(schemas)
    assert sorted(tables) == [
        "clever_daily_usage",
        "clever_top_resources",
        "clever_top_resources_by_school",
        "clever_usage_by_school",
        "daily_participation_pseudo",
        "resource_usage_pseudo",
    ]
    assert "event_eventTime" in activity.columns
    assert "generated_aggregateMeasure_metric_numAccess" in activity.columns
    assert comment.startswith("`sqls2_digital_activity.digital_activity`:")
    assert activity.columns["event_actor"].comment.startswith("Who acted")
    # AND the mixed-case table keeps its case in the catalog and in queries
    assert mixed == [view]
    assert list(student.columns.keys()) == [
        "StudentId_internal_pseudonym",
        "ActiveDays",
    ]
    # AND the numbers are the delivered files' (active student-days, distinct students)
    active = [
        row["sis_id"]
        for row in district.rows("clever/daily-participation/*-students.csv")
        if row["active"] == "True"
    ]
    assert tuple(students) == (len(set(active)), len(active))
    assert activity_rows == _participation(district)[2]


def test_reader_keeps_its_snapshot_while_a_rebuild_publishes(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district and a reader process holding serving.duckdb open
    district = copy_district(published_district, tmp_path / "district", landing=True)
    old = list(_participation(district))
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_READ, str(district.serving)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:

        def ask() -> list[int]:
            reader.stdin.write("\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        assert ask() == old
        # WHEN four more school days are delivered and the whole pipeline runs again
        generate(district.data_dir, *MORE_DAYS)
        new = list(_participation(district))
        assert new[0] > old[0]
        rebuilt = run_cli("pipeline", data_dir=district.data_dir)
        # THEN the rebuild and publish finish while the reader holds the old file
        ok(rebuilt)
        assert reader.poll() is None
        # AND the reader still sees the old, complete snapshot
        assert ask() == old
        # AND a new connection sees the new data
        with duckdb.connect(str(district.serving), read_only=True) as conn:
            fresh = conn.execute(
                "select count(*), sum(num_logins), "
                "(select count(*) from sqls2_digital_activity.digital_activity) "
                "from sqls2_clever.daily_participation_pseudo"
            ).fetchone()
        assert list(fresh) == new
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)


def _rows_by_date(path: Path, table: str, date_column: str) -> dict[str, list]:
    """A published table's rows grouped by date, read with Python."""
    with duckdb.connect(str(path), read_only=True) as conn:
        relation = conn.execute(f"select * from {table}")
        names = [column[0] for column in relation.description]
        by_date: dict[str, list] = {}
        for row in relation.fetchall():
            day = str(row[names.index(date_column)])[:10]
            by_date.setdefault(day, []).append(json.dumps(row, default=str))
    return {day: sorted(rows) for day, rows in by_date.items()}


def _comments(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() union all "
            "select schema_name, table_name, null, null, comment from duckdb_tables() "
            "order by all"
        ).fetchall()


def test_a_publication_writes_only_what_changed_and_equals_one_from_scratch(
    published_district: PublishedDistrict, duckdb1_python: Path, tmp_path: Path
) -> None:
    # GIVEN a published district whose next delivery brings four more school days
    # and restates an earlier Clever participation file (one row's logins change)
    district = copy_district(published_district, tmp_path / "district", landing=True)
    participation = "sqls2_clever.daily_participation_pseudo"
    before = _rows_by_date(district.serving, participation, "date")
    generate(district.data_dir, *MORE_DAYS)
    restated = district.files("clever/daily-participation/*-students.csv")[0]
    lines = restated.read_text().splitlines()
    fields = lines[1].split(",")
    fields[6] = str(int(fields[6]) + 40)  # num_logins
    lines[1] = ",".join(fields)
    restated.write_text("\n".join(lines) + "\n")
    # WHEN the pipeline runs and publishes
    run = ok(run_cli("-v", "pipeline", data_dir=district.data_dir))
    # AND the same build is published from scratch into a folder without a
    # published file
    scratch = copy_district(district, tmp_path / "scratch", landing=False)
    scratch.serving.unlink()
    ok(run_cli("publish", data_dir=scratch.data_dir))
    # THEN the published file holds exactly the warehouse's serving views, read by
    # DuckDB 1.5, with the same comments as the publication from scratch
    assert _read_with(duckdb1_python, district.serving)["tables"] == (
        _serving_views(district)
    )
    assert _comments(district.serving) == _comments(scratch.serving)
    # AND the participation rows were written again only on the dates whose rows
    # changed (counted here from the rows, date by date): the restated date and the
    # new ones, not the others
    after = _rows_by_date(district.serving, participation, "date")
    changed = {
        day for day in before.keys() | after.keys() if before.get(day) != after.get(day)
    }
    assert fields[0] in changed and set(after) - set(before) <= changed
    assert 0 < len(changed) < len(after)
    assert f"published {participation}: {len(changed)} of {len(after)} dates" in (
        run.stderr
    )
    # AND tables whose rows are the same were kept as they were
    assert "published sqls3_hybrid_engagement.attendance_codes: unchanged" in (
        run.stderr
    )


def test_a_damaged_published_file_is_replaced_by_one_written_from_scratch(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a copy of a published district whose published file was overwritten
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    os.chmod(district.serving, 0o640)
    district.serving.write_bytes(b"not a DuckDB file\n" * 1000)
    # WHEN it is published again
    published = ok(run_cli("-v", "publish", data_dir=district.data_dir))
    # THEN the new file was written from scratch and holds every serving view's rows
    assert "from scratch: the published file cannot be read" in published.stderr
    assert _published_rows(district.serving) == _serving_views(published_district)


def test_the_published_files_recorded_dates_count_only_while_it_is_that_file(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a copy of a published district, published again in its folder: the
    # record beside the file holds each by-date table's per-date row count and sum
    # of row hashes, with the file's size and modification time
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    ok(run_cli("publish", data_dir=district.data_dir))
    participation = "sqls2_clever.daily_participation_pseudo"
    record_path = district.serving.with_name(district.serving.name + ".build.json")
    record = json.loads(record_path.read_text())
    recorded = record["date_fingerprints"][participation]
    dates = sum(day is not None for day, _, _ in recorded)
    first_day = recorded[0][0]
    # WHEN the record says the first date held one row more, and it is published
    recorded[0][1] += 1
    record_path.write_text(json.dumps(record))
    trusted = ok(run_cli("-v", "publish", data_dir=district.data_dir))
    # THEN that date alone was written again: the record, not the file, was read
    assert f"published {participation}: 1 of {dates} dates" in trusted.stderr
    # WHEN that date's rows are deleted from the published file itself, the record
    # left as the last publication wrote it, and it is published again
    os.chmod(district.serving, 0o640)
    with duckdb.connect(str(district.serving)) as conn:
        (deleted,) = conn.execute(
            f"delete from {participation} where date = ?", [first_day]
        ).fetchone()
        conn.execute("checkpoint")
    os.chmod(district.serving, 0o440)
    assert deleted > 0
    hashed = ok(run_cli("-v", "publish", data_dir=district.data_dir))
    # THEN the file is not the recorded one, so its dates were counted again: that
    # date was written again and every table holds its view's rows
    assert f"published {participation}: 1 of {dates} dates" in hashed.stderr
    assert _published_rows(district.serving) == _serving_views(published_district)


def _published_rows(path: Path) -> dict[str, list[str]]:
    """Every table of a published file and its rows, read with DuckDB 2.0."""
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
        ).fetchall()
        return {
            name: sorted(
                json.dumps(row, default=str)
                for row in conn.execute(f"select * from {name}").fetchall()
            )
            for (name,) in tables
        }


def test_failing_dbt_test_never_publishes(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district, then new deliveries, and a warehouse in which an
    # invariant of our SQL no longer holds (as a bug of ours would leave it): one
    # activity signal twice, which the reconciliation of delivered records with
    # activity rows catches (the day's uniqueness tests trust the rows the last
    # build tested: test_a_days_uniqueness_tests_look_at_the_file_versions_...)
    district = copy_district(published_district, tmp_path / "district", landing=True)
    published = _sha256(district.serving), district.serving.stat().st_ino
    generate(district.data_dir, *MORE_DAYS)
    signals = "digital_engagement.digital_activity_signals"
    with duckdb.connect(str(district.warehouse)) as conn:
        conn.execute(
            f"insert into {signals} select * from {signals} "
            f"where _file_sha256 = (select min(_file_sha256) from {signals}) limit 1"
        )
    # WHEN the pipeline runs
    result = run_cli("pipeline", data_dir=district.data_dir)
    # AND someone tries to publish what the failed build left
    publish = run_cli("publish", data_dir=district.data_dir)
    # THEN the pipeline fails at the build and never reaches publish
    assert result.returncode != 0
    assert "build failed" in result.stderr
    assert "publish   not run" in result.stdout
    assert f"{district.serving} is unchanged" in result.stderr
    # AND publishing on its own refuses
    assert publish.returncode != 0
    assert "nothing to publish" in publish.stderr
    # AND the published file is exactly the one from before
    assert (_sha256(district.serving), district.serving.stat().st_ino) == published
    assert not (district.data_dir / "serving_next.duckdb").exists()
    assert (
        "FAIL 1 expression_is_true_digital_activity_reconciliation_raw_records"
        in result.stdout
    )
    # AND once the invariant holds again, the next run publishes the new data
    with duckdb.connect(str(district.warehouse)) as conn:
        conn.execute(
            f"create or replace table {signals} as select distinct * from {signals}"
        )
    ok(run_cli("pipeline", data_dir=district.data_dir))
    assert (
        District(district.data_dir).scalar(
            "select count(*) from sqls2_digital_activity.digital_activity", "serving"
        )
        == _participation(district)[2]
    )
    assert _sha256(district.previous) == published[0]


def test_publish_refuses_while_a_program_writes_the_served_file(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a copy of the published district whose serving file has a write-ahead log,
    # as when a BI tool opened it read-write
    copy = copy_district(published_district, tmp_path / "copy", landing=False).data_dir
    wal = copy / "serving.duckdb.wal"
    wal.write_bytes(b"")
    before = _sha256(copy / "serving.duckdb")
    # WHEN publishing
    result = run_cli("publish", data_dir=copy)
    # THEN it refuses, says why, and leaves the file alone
    assert result.returncode != 0
    assert "serving.duckdb.wal exists" in result.stderr
    assert _sha256(copy / "serving.duckdb") == before
    os.remove(wal)


# Programs that hold a file for writing: a DuckDB session opened read-write (DuckDB's
# write lock and an O_RDWR descriptor), and a plain program with the file open for
# writing (no lock). Each prints a line once it holds the file, then waits.
HOLD_FOR_WRITING = {
    "duckdb read-write": (
        "import sys, duckdb\n"
        "conn = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "sys.stdin.read()\n"
    ),
    "open for writing": (
        "import sys\n"
        "handle = open(sys.argv[1], 'r+b')\n"
        "print('holding', flush=True)\n"
        "sys.stdin.read()\n"
    ),
}


@pytest.mark.parametrize("holder", sorted(HOLD_FOR_WRITING))
def test_publish_refuses_to_swap_a_file_held_for_writing_and_says_who(
    published_district: PublishedDistrict, tmp_path: Path, holder: str
) -> None:
    # GIVEN a copy of the published district, and a program holding its serving
    # file for writing (root may open the read-only file read-write)
    copy = copy_district(published_district, tmp_path / "copy", landing=False).data_dir
    serving = copy / "serving.duckdb"
    before = _sha256(serving), serving.stat().st_ino
    program = subprocess.Popen(
        [sys.executable, "-c", HOLD_FOR_WRITING[holder], str(serving)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert program.stdout.readline().strip() == "holding"
        # WHEN publishing
        result = run_cli("publish", data_dir=copy)
    finally:
        program.stdin.close()
        program.wait(timeout=60)
    # THEN it refuses, naming the process, its user and its command line
    assert result.returncode != 0
    assert f"{serving} is open for writing by process {program.pid} of user" in (
        result.stderr
    )
    assert f"{sys.executable} -c import sys" in result.stderr
    assert "the published file is unchanged" in result.stderr
    # AND the file, its inode and its folder are as they were
    assert (_sha256(serving), serving.stat().st_ino) == before
    assert not (copy / "serving_next.duckdb").exists()
    # AND once the program has quit, publishing works (read-only to everyone)
    ok(run_cli("publish", data_dir=copy))
    assert serving.stat().st_ino != before[1]
    assert stat.S_IMODE(serving.stat().st_mode) == 0o440


def test_storage_version_can_be_lowered_for_older_bi_tools(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a copy of a built district and a BI tool whose DuckDB is 1.0
    copy = copy_district(published_district, tmp_path / "copy", landing=False).data_dir
    # WHEN publishing with HE_SERVING_STORAGE_VERSION=v1.0.0
    ok(run_cli("publish", data_dir=copy, env={"HE_SERVING_STORAGE_VERSION": "v1.0.0"}))
    # THEN the file is in v1.0.0 storage, with the same tables
    with duckdb.connect(str(copy / "serving.duckdb"), read_only=True) as conn:
        tags = conn.execute(
            "select tags from duckdb_databases() where database_name = 'serving'"
        ).fetchone()[0]
        tables = conn.execute("select count(*) from duckdb_tables()").fetchone()[0]
    assert tags["storage_version"].startswith("v1.0.0")
    assert tables == len(_serving_views(published_district))


def test_a_partial_build_leaves_nothing_to_publish(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a copy of a published district, built and ready to publish
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    published = _sha256(district.serving)
    # WHEN only part of the project is rebuilt (its tests pass)
    ok(run_cli("build", "--select", "sqls2_clever", data_dir=district.data_dir))
    result = run_cli("publish", data_dir=district.data_dir)
    # THEN publishing refuses: a partial build does not vouch for the warehouse
    assert result.returncode != 0
    assert "nothing to publish" in result.stderr
    assert _sha256(district.serving) == published


def test_a_run_with_nothing_new_builds_and_publishes_nothing(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district
    district = copy_district(published_district, tmp_path / "district", landing=True)
    served = district.serving.stat()
    # WHEN the pipeline runs again with nothing new
    result = ok(run_cli("pipeline", data_dir=district.data_dir))
    # THEN it builds nothing and republishes nothing: the published file is the
    # same file, untouched
    assert "build     skipped" in result.stdout
    assert "nothing new since the build of" in result.stdout
    assert "publish   skipped" in result.stdout
    after = district.serving.stat()
    assert (after.st_ino, after.st_mtime_ns) == (served.st_ino, served.st_mtime_ns)
    # WHEN one more school day arrives
    generate(district.data_dir, *MORE_DAYS)
    result = ok(run_cli("pipeline", data_dir=district.data_dir))
    # THEN it is built and published
    assert "build     done" in result.stdout and "publish   done" in result.stdout
    assert district.serving.stat().st_ino != served.st_ino
    # AND, the project being one whose dbt unit tests passed before, this build of
    # new data left them out (they test the SQL on fixed inputs, not the data), and
    # the views the same project made in the last build (their SQL), but ran every
    # data test, also those on the views
    record = json.loads((district.warehouse.with_suffix(".duckdb.passed")).read_text())
    assert record["dbt"] == (
        "build --exclude-resource-type unit_test "
        "--exclude config.materialized:view --indirect-selection empty"
    )
    passed = json.loads((DBT_TARGET / "unit_tests_passed.json").read_text())
    assert passed["project"] == record["inputs"]["project"]
    nodes = json.loads((DBT_TARGET / "manifest.json").read_text())["nodes"]
    ran = {
        result["unique_id"]
        for result in json.loads((DBT_TARGET / "run_results.build.json").read_text())[
            "results"
        ]
    }
    views = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "view"
    }
    tests = {uid for uid, node in nodes.items() if node["resource_type"] == "test"}
    assert views and not views & ran
    assert tests <= ran
    assert any(set(nodes[test]["depends_on"]["nodes"]) & views for test in tests)


def test_a_build_leaves_the_views_out_only_while_this_projects_views_are_all_there(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published district, whose last passing build made every view
    district = copy_district(published_district, tmp_path / "district", landing=False)
    paths = Paths.resolve(district.data_dir, use_env=False)
    record = passed_build(paths)
    manifest = DBT_TARGET / "manifest.json"
    # THEN the next build of new data may leave the views as they are
    assert views_in_place(paths, record, manifest)
    # BUT not after a build by another version of the project, or with the user's
    # own dbt options (`--vars` changes views' SQL)
    assert not views_in_place(
        paths, {**record, "inputs": {**record["inputs"], "project": "0" * 64}}, manifest
    )
    assert not views_in_place(paths, {**record, "dbt": "build --vars {}"}, manifest)
    assert not views_in_place(paths, None, manifest)
    # AND not once someone dropped a base view (in the restricted file) or a
    # serving view (in the warehouse): the build then makes every view again
    for path, view in (
        (paths.restricted_db, "staging_base.base_clever__daily_participation"),
        (paths.warehouse_db, "sqls2_clever.daily_participation_pseudo"),
    ):
        copy = copy_district(district, tmp_path / view, landing=False)
        copied = Paths.resolve(copy.data_dir, use_env=False)
        with duckdb.connect(str(copied.data_dir / path.name)) as conn:
            conn.execute(f"drop view {view}")
        assert not views_in_place(copied, passed_build(copied), manifest)


def test_a_run_tells_its_progress_in_few_lines_and_no_colour_codes(
    published_district: PublishedDistrict,
) -> None:
    # GIVEN what `pipeline` printed on a fresh district (not on a terminal)
    output = published_district.pipeline_output
    # THEN dbt's per-node lines went to its log: a line per step and a summary
    assert len(output.splitlines()) < 120, output
    assert "\x1b[" not in output
    # (its progress lines name the build's arguments, e.g. `dbt build
    # --exclude-resource-type: 107 of 809 nodes, 10 s` when the project's unit tests
    # had passed on this worker before)
    assert re.search(r"^dbt build[^:\n]*: \d+ of \d+ nodes", output, re.MULTILINE)
    assert "START" not in output and "OK created" not in output
