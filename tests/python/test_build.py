"""dbt builds the warehouse from the raw tables: counts reconcile, nothing leaks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, District, generate, ok, run_cli

pytestmark = pytest.mark.slow

EVENT_OBJECTS = {
    "daily-participation": "Clever_Daily_Participation",
    "resource-usage": "Clever_Resource_Usage",
}


def _pseudonym(value: str, salt: str) -> str:
    return hashlib.sha256((value + salt).encode()).hexdigest()


def test_digital_activity_holds_every_generated_clever_row(
    built_district: District,
) -> None:
    # GIVEN the generated files, counted with Python's csv module
    for report, event_object in EVENT_OBJECTS.items():
        delivered = len(built_district.rows(f"clever/{report}/*.csv"))
        # THEN the serving view holds exactly that many rows of the report
        served = built_district.scalar(
            "select count(*) from sqls2_digital_activity.digital_activity "
            f"where event_object = '{event_object}'"
        )
        assert served == delivered > 0, report
    total = built_district.scalar(
        "select count(*) from sqls2_digital_activity.digital_activity"
    )
    assert total == len(built_district.rows("clever/*/*.csv"))


def test_activity_values_come_from_the_files(
    built_district: District, salt: str
) -> None:
    # GIVEN every generated student participation row, keyed by pseudonym and day
    expected = {
        (_pseudonym(row["sis_id"], salt), row["date"]): (
            row["active"] == "True",
            int(row["num_logins"]),
        )
        for row in built_district.rows("clever/daily-participation/*-students.csv")
    }
    # WHEN digital_activity is read back
    served = built_district.query(
        "select event_actor, strftime(event_eventTime, '%Y-%m-%d'), "
        "generated_aggregateMeasure_metric_used, "
        "generated_aggregateMeasure_metric_numAccess "
        "from sqls2_digital_activity.digital_activity "
        "where event_object = 'Clever_Daily_Participation'"
    )
    actual = {(actor, day): (used, logins) for actor, day, used, logins in served}
    # THEN each student-day carries the file's active flag and login count
    assert {key: actual[key] for key in expected} == expected


def test_warehouse_answers_every_query_on_its_own(built_district: District) -> None:
    # GIVEN the warehouse opened alone, without restricted.duckdb attached
    with duckdb.connect(str(built_district.warehouse), read_only=True) as conn:
        relations = conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() "
            "union all "
            "select schema_name, view_name from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall()
        # THEN every table and view can be read
        assert len(relations) >= 8
        for schema, name in relations:
            conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
        # AND no view refers to the restricted database
        definitions = conn.execute(
            "select sql from duckdb_views() where not internal"
        ).fetchall()
        assert not [sql for (sql,) in definitions if "restricted" in sql.lower()]


def test_no_raw_id_reaches_the_warehouse(built_district: District) -> None:
    # GIVEN every raw id in the delivered files
    raw_ids = set()
    for row in built_district.rows("clever/*/*.csv"):
        raw_ids.update(
            value
            for key, value in row.items()
            if key in {"sis_id", "staff_id", "clever_user_id"} and value
        )
    assert len(raw_ids) > 60
    # WHEN every text column of every table and view in the warehouse is scanned
    leaks = []
    with duckdb.connect(str(built_district.warehouse), read_only=True) as conn:
        conn.execute("create temp table raw_ids (value varchar)")
        conn.executemany("insert into raw_ids values (?)", [[v] for v in raw_ids])
        columns = conn.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and data_type = 'VARCHAR' "
            "and schema_name not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        assert columns
        for schema, table, column in columns:
            found = conn.execute(
                f'select count(*) from "{schema}"."{table}" as scanned '
                "where exists (select 1 from raw_ids "
                f'where contains(scanned."{column}", raw_ids.value))'
            ).fetchone()[0]
            if found:
                leaks.append(f"{schema}.{table}.{column}: {found} rows")
    # THEN none of them contains a raw id
    assert leaks == []


def test_pseudonyms_are_oeas_sha256_of_id_and_salt(
    built_district: District, salt: str
) -> None:
    # GIVEN the restricted lookup of raw ids and their pseudonyms
    rows = built_district.query(
        "select sis_id, sis_id_pseudonym, staff_id, staff_id_pseudonym, "
        "clever_user_id, clever_user_id_pseudonym from pii.clever_user_lookup",
        "restricted",
    )
    users = {r["clever_user_id"] for r in built_district.rows("clever/*/*.csv")}
    assert {row[4] for row in rows} == users
    # THEN every pseudonym is hashlib's sha256 of the raw id followed by the salt
    for sis, sis_p, staff, staff_p, clever, clever_p in rows:
        assert clever_p == _pseudonym(clever, salt)
        assert sis_p == (_pseudonym(sis, salt) if sis else None)
        assert staff_p == (_pseudonym(staff, salt) if staff else None)


def _dbt_show(
    sql: str, salt: str | None, district: District
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HE_")}
    env.update(
        HE_WAREHOUSE_DB=str(district.warehouse),
        HE_RESTRICTED_DB=str(district.restricted),
        DBT_PROFILES_DIR=str(PROJECT_DIR),
    )
    if salt:
        env["HE_PSEUDONYM_SALT"] = salt
    dbt = Path(os.sys.executable).with_name("dbt")
    return subprocess.run(
        [
            str(dbt),
            "--quiet",
            "show",
            "--inline",
            sql,
            "--output",
            "json",
            "--limit",
            "-1",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_pseudonymize_macro_test_vectors(built_district: District, salt: str) -> None:
    # GIVEN ids of several shapes, including blank and missing ones
    vectors = ["abc", "f269ed04def44e788b92acb93e96ef58", "Zoë-7", "o'brien", "", " "]
    literals = ["'" + v.replace("'", "''") + "'" for v in vectors]
    selects = [
        f'select {i} as n, {{{{ pseudonymize("{literal}") }}}} as p'
        for i, literal in enumerate(literals)
    ]
    selects.append(f"select {len(vectors)} as n, {{{{ pseudonymize('null') }}}} as p")
    # WHEN the macro computes their pseudonyms in DuckDB
    result = _dbt_show(" union all ".join(selects), salt, built_district)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(result.stdout[result.stdout.index("{") :])["show"]
    by_n = {row["n"]: row["p"] for row in shown}
    # THEN they equal Python's hashlib, and blank or NULL ids give NULL
    assert by_n[0] == _pseudonym("abc", salt)
    assert by_n[1] == _pseudonym("f269ed04def44e788b92acb93e96ef58", salt)
    assert by_n[2] == _pseudonym("Zoë-7", salt)
    assert by_n[3] == _pseudonym("o'brien", salt)
    assert by_n[4] is None and by_n[5] is None and by_n[6] is None


def test_pseudonymize_refuses_to_run_without_a_salt(built_district: District) -> None:
    # WHEN the macro runs with no salt in the environment
    result = _dbt_show(
        "select {{ pseudonymize(\"'abc'\") }} as p", None, built_district
    )
    # THEN the query fails and says why, instead of hashing without a salt
    assert result.returncode != 0
    assert "HE_PSEUDONYM_SALT is not set" in result.stdout + result.stderr


def test_commands_other_than_the_demo_require_a_salt(tmp_path: Path) -> None:
    # WHEN building without HE_PSEUDONYM_SALT THEN the command stops and explains
    result = run_cli("build", data_dir=tmp_path, salt=None)
    assert result.returncode != 0
    assert "HE_PSEUDONYM_SALT is not set" in result.stderr
    # AND a salt shorter than 16 bytes is refused too
    result = run_cli("build", data_dir=tmp_path, salt="short")
    assert result.returncode != 0 and "at least 16" in result.stderr


def test_salt_is_written_nowhere(built_district: District, salt: str) -> None:
    # GIVEN everything the run wrote: DuckDB files, dbt's target/ and logs/
    places = [built_district.data_dir, PROJECT_DIR / "target", PROJECT_DIR / "logs"]
    needle = salt.encode()
    # THEN the salt's bytes appear in none of them
    offenders = [
        str(path)
        for place in places
        if place.exists()
        for path in place.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    ]
    assert offenders == []


def _counts(district: District) -> dict[str, int]:
    return dict(
        district.query(
            "select event_object, count(*) from digital_engagement.digital_activity "
            "group by 1"
        )
    )


def test_incremental_history_equals_a_full_refresh(tmp_path: Path) -> None:
    # GIVEN a district whose deliveries arrive in two halves, built after each
    generated = generate(tmp_path / "all")
    district = District(tmp_path / "district")
    files = sorted(generated.files("clever/*/*.csv"), key=lambda p: p.name)
    half = len(files) // 2
    for batch in (files[:half], files[half:]):
        for path in batch:
            target = district.landing / path.relative_to(generated.landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        ok(run_cli("load", data_dir=district.data_dir))
        ok(run_cli("build", data_dir=district.data_dir))
    assert _counts(district) == {
        EVENT_OBJECTS[r]: len(generated.rows(f"clever/{r}/*.csv"))
        for r in EVENT_OBJECTS
    }
    # WHEN Clever restates one day's students file (one row's login count changes)
    restated = sorted(district.files("clever/daily-participation/*-students.csv"))[1]
    lines = restated.read_text().splitlines()
    fields = lines[1].split(",")
    fields[5], fields[6], fields[7] = "True", "42", "1"
    lines[1] = ",".join(fields)
    restated.write_text("\n".join(lines) + "\n")
    ok(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", data_dir=district.data_dir))
    # THEN the restatement replaces the earlier version: counts do not double
    counts = _counts(district)
    assert counts["Clever_Daily_Participation"] == len(
        generated.rows("clever/daily-participation/*.csv")
    )
    name = restated.relative_to(district.landing).as_posix()
    assert district.query(
        "select generated_aggregateMeasure_metric_numAccess "
        "from digital_engagement.digital_activity "
        f"where _source_file = '{name}' and _source_row = 2"
    ) == [(42,)]
    # AND a full refresh gives exactly the same table
    columns = (
        'event_id, event_actor, event_object, "event_eventTime", '
        '"generated_aggregateMeasure_metric_numAccess", _source_file, _source_row, '
        "_file_sha256"
    )
    incremental = set(
        district.query(f"select {columns} from digital_engagement.digital_activity")
    )
    ok(run_cli("build", "--full-refresh", data_dir=district.data_dir))
    refreshed = set(
        district.query(f"select {columns} from digital_engagement.digital_activity")
    )
    assert refreshed == incremental
    assert len(refreshed) == sum(counts.values())
    # AND the append-only lookup learned every user of both halves
    users = {r["clever_user_id"] for r in generated.rows("clever/*/*.csv")}
    looked_up = district.query(
        "select distinct clever_user_id from pii.clever_user_lookup", "restricted"
    )
    assert {u for (u,) in looked_up} == users


def test_rebuilding_without_new_files_changes_nothing(built_district: District) -> None:
    # GIVEN a built district and its serving counts
    before = built_district.query(
        "select count(*), count(distinct event_id) "
        "from sqls2_digital_activity.digital_activity"
    )
    # WHEN load and build run again
    ok(run_cli("load", data_dir=built_district.data_dir))
    ok(run_cli("build", data_dir=built_district.data_dir))
    # THEN the counts are unchanged
    assert (
        built_district.query(
            "select count(*), count(distinct event_id) "
            "from sqls2_digital_activity.digital_activity"
        )
        == before
    )


def test_oea_sample_reaches_digital_activity(tmp_path: Path, oea_data: Path) -> None:
    # GIVEN OEA's published Clever daily participation sample, dropped as delivered
    target = tmp_path / "landing" / "clever" / "daily-participation" / "Students"
    target.mkdir(parents=True)
    shutil.copy(oea_data / "clever/daily-participation/Students/Students.csv", target)
    # WHEN it is loaded and built
    ok(run_cli("load", data_dir=tmp_path))
    ok(run_cli("build", data_dir=tmp_path))
    # THEN digital_activity holds its 15,000 rows from 600 distinct students
    assert District(tmp_path).query(
        "select count(*), count(distinct event_actor) "
        "from sqls2_digital_activity.digital_activity"
    ) == [(15000, 600)]
