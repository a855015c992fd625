"""`publish --postgres`: the serving tables in a real PostgreSQL, replaced atomically.

A throwaway cluster from Debian's `postgresql` runs on 127.0.0.1 for the session
(started as the `postgres` system user when the tests run as root, since PostgreSQL
refuses to run as root); results are checked with `psql`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.cli import ok, run_cli
from helpers.district import MIXED_CASE_VIEW, PublishedDistrict, copy_district

pytestmark = pytest.mark.slow

READER_ROLE = "bi_reader"


def _postgres_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "psql").exists():
            return candidate
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("psql") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postgres:
    def __init__(self, bin_dir: Path, port: int) -> None:
        self.bin_dir = bin_dir
        self.url = f"postgresql://he@127.0.0.1:{port}/postgres"

    def url_as(self, user: str) -> str:
        return self.url.replace("//he@", f"//{user}@")

    def psql(self, sql: str, user: str = "he") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(self.bin_dir / "psql"),
                self.url_as(user),
                "-At",
                "-F",
                "|",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    def rows(self, sql: str, user: str = "he") -> list[list[str]]:
        result = self.psql(sql, user)
        assert result.returncode == 0, result.stderr
        return [line.split("|") for line in result.stdout.splitlines()]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (tests/setup_system.sh installs it)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's tmp folder: the postgres user must be able to enter it.
    home = Path(tempfile.mkdtemp(prefix="he-postgres-"))
    if as_user:
        shutil.chown(home, user="postgres")
    port = _free_port()
    data = home / "data"
    initdb = subprocess.run(
        [
            *as_user,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "he",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if initdb.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"initdb failed: {initdb.stderr[-500:]}")
    options = f"-h 127.0.0.1 -p {port} -k {home} -c fsync=off"
    pg_ctl = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    started = subprocess.run(
        [*pg_ctl, "-l", str(home / "log"), "-w", "-t", "60", "-o", options, "start"],
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        log = (home / "log").read_text() if (home / "log").exists() else ""
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {started.stderr}{log[-500:]}")
    try:
        yield Postgres(bin_dir, port)
    finally:
        subprocess.run(
            [*pg_ctl, "-m", "fast", "stop"], capture_output=True, check=False
        )
        shutil.rmtree(home, ignore_errors=True)


def test_publish_copies_every_serving_table_into_postgres(
    published_district: PublishedDistrict, postgres: Postgres, tmp_path: Path
) -> None:
    # (a copy: publishing rewrites the district's published file, which other tests
    # read at the same time)
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    # GIVEN a PostgreSQL with a login role for the BI tools
    postgres.rows(f"create role {READER_ROLE} login")
    # WHEN the published tables are copied into it
    ok(
        run_cli(
            "publish",
            "--postgres",
            postgres.url,
            "--postgres-reader",
            READER_ROLE,
            data_dir=district.data_dir,
        )
    )
    # THEN psql finds every table of serving.duckdb with the same row count
    counted = {
        name: district.scalar(f"select count(*) from {name}", "serving")
        for (name,) in district.query(
            "select schema_name || '.\"' || table_name || '\"' from duckdb_tables()",
            "serving",
        )
    }
    tables = postgres.rows(
        "select table_schema || '.\"' || table_name || '\"' "
        "from information_schema.tables where table_schema like 'sqls%'"
    )
    assert {name for (name,) in tables} == set(counted)
    for name, rows in counted.items():
        assert postgres.rows(f"select count(*) from {name}") == [[str(rows)]]
    # AND a metric equals the delivered files': students' logins per school
    logins: Counter[str] = Counter()
    # (the delivered files are the shared district's: the copy has no landing)
    for row in published_district.rows("clever/daily-participation/*-students.csv"):
        logins[row["school_name"]] += int(row["num_logins"])
    per_school = postgres.rows(
        "select school_name, sum(num_logins) "
        "from sqls2_clever.daily_participation_pseudo "
        "where user_type = 'students' group by school_name"
    )
    assert {school: int(total) for school, total in per_school} == dict(logins)
    # AND the mixed-case table keeps its case, and the descriptions come along
    schema, view = MIXED_CASE_VIEW
    assert postgres.rows(f'select count(*) from {schema}."{view}"')[0][0] != "0"
    comment = postgres.rows(
        "select obj_description('sqls2_digital_activity.digital_activity'::regclass)"
    )
    assert comment[0][0].startswith("`sqls2_digital_activity.digital_activity`:")
    # AND the BI role can read but not write
    assert postgres.rows(
        "select count(*) from sqls2_digital_activity.digital_activity", READER_ROLE
    ) == [[str(counted['sqls2_digital_activity."digital_activity"'])]]
    refused = postgres.psql(
        "delete from sqls2_digital_activity.digital_activity", READER_ROLE
    )
    assert refused.returncode != 0 and "permission denied" in refused.stderr
    # AND no loading or retired schema is left behind
    assert (
        postgres.rows(
            "select nspname from pg_namespace where nspname like 'sqls%\\_\\_%'"
        )
        == []
    )


def test_a_reader_never_blocks_the_postgres_swap(
    published_district: PublishedDistrict, postgres: Postgres, tmp_path: Path
) -> None:
    district = copy_district(published_district, tmp_path / "copy", landing=False)
    ok(run_cli("publish", "--postgres", postgres.url, data_dir=district.data_dir))
    table = "sqls2_clever.daily_participation_pseudo"
    # GIVEN a BI session inside a transaction that has read the current tables
    with psycopg.connect(postgres.url) as reader:
        old_oid = reader.execute(f"select '{table}'::regclass::oid").fetchone()[0]
        before = reader.execute(f"select count(*) from {table}").fetchone()[0]
        # WHEN the tables are published again while it holds them
        result = run_cli(
            "publish", "--postgres", postgres.url, data_dir=district.data_dir
        )
        # THEN the publish completes without waiting for the reader
        ok(result)
        # AND a new session reads the new tables, with the same rows
        assert postgres.rows(f"select '{table}'::regclass::oid") != [[str(old_oid)]]
        assert postgres.rows(f"select count(*) from {table}") == [[str(before)]]
        # AND the old ones wait, retired, for the reader to finish
        retired = postgres.rows(
            "select nspname from pg_namespace where nspname like '%\\_\\_retired\\_%'"
        )
        assert [name for (name,) in retired if name.startswith("sqls2_clever__")]
    # AND the next publish, with the reader gone, drops them
    ok(run_cli("publish", "--postgres", postgres.url, data_dir=district.data_dir))
    assert (
        postgres.rows(
            "select nspname from pg_namespace where nspname like '%\\_\\_retired\\_%'"
        )
        == []
    )
