"""dbt builds the warehouse from the raw tables: counts reconcile, nothing leaks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import delivered
from helpers.cli import (
    DBT_LOGS,
    DBT_TARGET,
    PROJECT_DIR,
    TEST_SALT,
    ok,
    run_cli,
    with_findings,
)
from helpers.district import SMALL, District, copy_district, generate

pytestmark = pytest.mark.slow

CLEVER_REPORTS = {
    "daily-participation": "Clever_Daily_Participation",
    "resource-usage": "Clever_Resource_Usage",
}


def _pseudonym(value: str, salt: str) -> str:
    return hashlib.sha256((value + salt).encode()).hexdigest()


def test_digital_activity_holds_every_generated_row_of_every_source(
    built_district: District,
) -> None:
    # GIVEN the generated files, read with Python and mapped by the rules (Graph
    # unpivoted: 6 apps per M365 report period, 6 counters and video per Teams
    # record; i-Ready lessons without a completion date excluded)
    expected = delivered.expected_activity_rows(built_district)
    # WHEN the serving view is counted per source report
    served = dict(
        built_district.query(
            "select event_object, count(*) "
            "from sqls2_digital_activity.digital_activity group by 1"
        )
    )
    # THEN it holds exactly the expected rows, for all seven event_objects
    assert served == expected
    assert set(served) == set(delivered.EVENT_OBJECTS)
    assert all(rows > 0 for rows in served.values())


def test_reconciliation_accounts_for_every_raw_record(
    built_district: District,
) -> None:
    # GIVEN the generated i-Ready lessons, some still in progress (no completion date)
    in_progress = sum(
        1
        for subject in ("ela", "math")
        for row in delivered.iready_lessons(built_district, subject)
        if not row["Completion Date"]
    )
    # THEN the reconciliation shows raw = activity + excluded for every report, and
    # the excluded records are exactly those lessons, with their reason
    rows = built_district.query(
        "select event_object, raw_records, activity_records, excluded_records "
        "from audit.digital_activity_reconciliation"
    )
    assert len(rows) == 7
    assert all(raw == kept + excluded for _, raw, kept, excluded in rows)
    assert sum(excluded for *_, excluded in rows) == in_progress
    assert built_district.query(
        "select distinct exclusion_reason from audit.digital_activity_exclusions"
    ) == ([("lesson not completed (no Completion Date)",)] if in_progress else [])


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


def test_insights_signals_carry_their_student_and_meeting_seconds(
    built_district: District, salt: str
) -> None:
    # GIVEN each generated signal, its actor resolved by hand through the roster
    # files (Person id -> account -> SIS id) and its hh:mm:ss duration in seconds
    persons = delivered.insights_actor_sis_ids(built_district)
    expected = {}
    for row in delivered.insights_rows(built_district, "activity"):
        sis_id = persons.get(row["ActorId"])
        duration = row["Meeting Duration"]
        seconds = None
        if duration:
            hours, minutes, secs = (int(part) for part in duration.split(":"))
            seconds = hours * 3600 + minutes * 60 + secs
        expected[row["SignalId"]] = (
            _pseudonym(sis_id, salt) if sis_id else None,
            seconds,
        )
    # WHEN digital_activity is read back
    served = built_district.query(
        "select event_id, event_actor, "
        "generated_aggregateMeasure_metric_timeOnTaskSec "
        "from sqls2_digital_activity.digital_activity "
        "where event_object = 'MS_Insights'"
    )
    # THEN every signal has the SIS id's pseudonym (guests none) and the seconds
    assert {event: (actor, sec) for event, actor, sec in served} == expected
    assert any(actor is None for actor, _ in expected.values())


def test_graph_and_iready_rows_carry_their_student_and_measures(
    built_district: District, salt: str
) -> None:
    # GIVEN Teams records (counters, video time) and i-Ready lessons (minutes)
    users = delivered.graph_user_sis_ids(built_district)
    teams = {}
    for record in delivered.graph_records(built_district, "Teams_Activity_User_Detail"):
        sis_id = users.get(str(record["userPrincipalName"]))
        actor = _pseudonym(sis_id, salt) if sis_id else None
        day = str(record["reportRefreshDate"])
        for counter in delivered.TEAMS_COUNTERS:
            teams[(actor, day, counter)] = int(str(record[counter]))
    served = built_district.query(
        "select event_actor, strftime(event_eventTime, '%Y-%m-%d'), event_type, "
        "generated_aggregateMeasure_metric_numAccess "
        "from sqls2_digital_activity.digital_activity "
        "where event_object = 'MS_GraphAPI_Teams' and event_type <> 'videoDuration' "
        "and event_actor is not null"
    )
    # THEN every mapped Teams counter row carries the file's count
    assert {(a, d, t): n for a, d, t, n in served} == {
        key: value for key, value in teams.items() if key[0] is not None
    }
    # AND i-Ready's time on task is the lesson's minutes times 60, per student
    minutes: dict[str, int] = {}
    for subject in ("ela", "math"):
        for row in delivered.iready_lessons(built_district, subject):
            if row["Completion Date"]:
                actor = _pseudonym(row["Student ID"], salt)
                minutes[actor] = minutes.get(actor, 0) + int(
                    row["Total Time on Lesson (min)"]
                )
    seconds = dict(
        built_district.query(
            "select event_actor, sum(generated_aggregateMeasure_metric_timeOnTaskSec) "
            "from sqls2_digital_activity.digital_activity "
            "where event_object like 'iReady%' group by 1"
        )
    )
    assert seconds == {actor: total * 60 for actor, total in minutes.items()}


def test_identity_match_rates_equal_an_independent_count(
    built_district: District,
) -> None:
    # GIVEN, per source, the activity rows whose actor is a student on the SIS
    # roster, worked out from the files
    expected = delivered.matched_rows(built_district)
    # WHEN the match-rate model is summed over roles and schools
    rates = built_district.query(
        "select event_object, sum(activity_rows), sum(matched_rows) "
        "from audit.digital_activity_identity_match_rates group by 1"
    )
    # THEN rows and matched rows agree for every source
    assert {
        event_object: (int(rows), int(matched)) for event_object, rows, matched in rates
    } == {
        event_object: (sum(counter.values()), counter[True])
        for event_object, counter in expected.items()
    }
    # AND guests and teachers make some sources fall short of 100%, never above
    assert all(
        0 < counter[True] <= sum(counter.values()) for counter in expected.values()
    )


def test_a_null_in_any_required_column_fails_the_models_not_null_test(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN a built warehouse in which two activity signals lost their event object
    # and a third its shows_use flag (as a bug of ours would leave them)
    district = copy_district(built_district, tmp_path / "district", landing=False)
    signals = "digital_engagement.digital_activity_signals"
    with duckdb.connect(str(district.warehouse)) as conn:
        ids = [
            event_id
            for (event_id,) in conn.execute(
                f"select event_id from {signals} where exclusion_reason is null "
                "order by event_id limit 3"
            ).fetchall()
        ]
        conn.execute(
            f"update {signals} set event_object = null where event_id in (?, ?)",
            ids[:2],
        )
        conn.execute(
            f"update {signals} set shows_use = null where event_id = ?", ids[2:]
        )
    # WHEN the signals' data tests run
    failures = _failing_data_tests(district, "digital_activity_signals")
    # THEN the model's not-null test fails on exactly those three rows
    not_null = [name for name in failures if name.startswith("not_null_columns_")]
    assert len(not_null) == 1 and failures[not_null[0]] == 3


def test_a_row_breaking_any_column_rule_fails_the_models_rule_test(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN a built warehouse in which one school's Clever usage counts more active
    # students than students, and another's a negative number of logins
    district = copy_district(built_district, tmp_path / "district", landing=False)
    usage = "clever_usage.rpt_clever__usage_by_school"
    with duckdb.connect(str(district.warehouse)) as conn:
        first, second = [
            school
            for (school,) in conn.execute(
                f"select clever_school_id from {usage} order by 1 limit 2"
            ).fetchall()
        ]
        conn.execute(
            f"update {usage} set active_students = students + 1 "
            "where clever_school_id = ?",
            [first],
        )
        conn.execute(
            f"update {usage} set logins = -1 where clever_school_id = ?", [second]
        )
    # WHEN the model's data tests run
    failures = _failing_data_tests(district, "rpt_clever__usage_by_school")
    # THEN its rule test fails on exactly those two rows, and no other test fails
    (name,) = failures
    assert name.startswith("expressions_are_true_") and failures[name] == 2


def test_a_repeated_key_fails_the_models_uniqueness_tests(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN a built warehouse in which one student-day of the digital activity mart
    # is held three times and another twice, and one SIS attendance record twice
    # (as a fan-out of ours would leave them)
    district = copy_district(built_district, tmp_path / "district", landing=False)
    daily = "hybrid_engagement.fct_digital_activity_daily"
    attendance = "staging.stg_contoso_sis__studentattendance"
    with duckdb.connect(str(district.warehouse)) as conn:
        keys = conn.execute(
            f"select student_id_pseudonym, activity_date from {daily} order by 1, 2 "
            "limit 2"
        ).fetchall()
        for key, copies in zip(keys, (2, 1), strict=True):
            for _ in range(copies):
                conn.execute(
                    f"insert into {daily} select * from {daily} "
                    "where student_id_pseudonym = ? and activity_date = ? limit 1",
                    list(key),
                )
        conn.execute(
            f"insert into {attendance} select * from {attendance} "
            "order by attendance_id limit 1"
        )
        # what a test must find, counted here row by row
        daily_keys = Counter(
            conn.execute(
                f"select student_id_pseudonym, activity_date from {daily}"
            ).fetchall()
        )
        attendance_ids = Counter(
            id_
            for (id_,) in conn.execute(
                f"select attendance_id from {attendance}"
            ).fetchall()
            if id_ is not None
        )
    # WHEN the two models' data tests run
    failures = _failing_data_tests(
        district, "fct_digital_activity_daily stg_contoso_sis__studentattendance"
    )
    # THEN each model's uniqueness test fails with one row per repeated key
    grain = [n for n in failures if n.startswith("unique_combination_of_columns_fct")]
    assert len(grain) == 1
    assert failures[grain[0]] == sum(n > 1 for n in daily_keys.values()) == 2
    assert failures["unique_stg_contoso_sis__studentattendance_attendance_id"] == 1
    assert sum(n > 1 for n in attendance_ids.values()) == 1


def test_a_days_uniqueness_tests_look_at_the_file_versions_not_tested_yet(
    built_district: District, tmp_path: Path, salt: str
) -> None:
    # GIVEN a built district whose last build passed: it recorded the delivered
    # file versions it tested (each file's SHA-256, counted here from the files)
    district = copy_district(built_district, tmp_path / "district")
    folder = district.landing / "clever/daily-participation"
    delivered_versions = {
        hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir()
    }
    tested = {
        sha for (sha,) in district.query("select * from audit.tested_file_versions")
    }
    assert delivered_versions <= tested
    lookup = "pii.clever_user_lookup"
    known = set(district.query(f"select * from {lookup}", "restricted"))
    # AND a new day's Clever file arrives, in which a student and an account
    # appear first, and is loaded
    last = sorted(folder.glob("*-students.csv"))[-1]
    _new_clever_day(district, first_seen=True)
    # AND the last SIS batch is restated without its last record
    batch = sorted(district.files("contoso_sis/*/studentattendance.csv"))[-1]
    _write_attendance(batch, _attendance(batch)[:-1])
    ok(run_cli("load", data_dir=district.data_dir))
    # AND, as bugs of ours would leave them, a raw row of the restated batch and
    # one of a tested Clever file are held twice, and two activity signals of
    # tested files are held twice: one as a row of a version never tested, the
    # other as it was
    with duckdb.connect(str(district.restricted)) as conn:
        for table, path in (
            ("raw_contoso_sis.studentattendance", batch),
            ("raw_clever.daily_participation", last),
        ):
            conn.execute(
                f"insert into {table} select * from {table} "
                "where _source_file = ? and _file_sha256 = ? and _source_row = 2",
                [
                    path.relative_to(district.landing).as_posix(),
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                ],
            )
    signals = "digital_engagement.digital_activity_signals"
    with duckdb.connect(str(district.warehouse)) as conn:
        untested, kept = conn.execute(
            f"select event_id from {signals} where exclusion_reason is null "
            "order by event_id limit 2"
        ).fetchall()
        conn.execute(
            f"insert into {signals} select * replace ('untested' as _file_sha256) "
            f"from {signals} where event_id = ?",
            untested,
        )
        conn.execute(
            f"insert into {signals} select * from {signals} where event_id = ?", kept
        )
    # WHEN the day's build runs
    assert run_cli("build", data_dir=district.data_dir).returncode != 0
    # THEN the repeats that involve a row of an untested version fail the
    # uniqueness tests (the restated batch's line, the signal); the repeats among
    # tested rows are left to a whole test: a day's build trusts the rows it
    # tested to stay as they were
    failures = _failures()
    assert failures[_file_grain_test("base_contoso_sis__studentattendance")] == 1
    assert failures["unique_digital_activity_signals_event_id"] == 1
    assert _file_grain_test("base_clever__daily_participation") not in failures
    # AND the lookup, which read the rows of the versions not recorded, kept every
    # row it had and added the new student's, with OEA's pseudonyms of its ids
    added = set(district.query(f"select * from {lookup}", "restricted")) - known
    # (user_type, sis_id, its pseudonym, clever_user_id, its pseudonym)
    assert [row[:3] + row[5:7] for row in added] == [
        (
            "students",
            FIRST_SEEN[0],
            _pseudonym(FIRST_SEEN[0], salt),
            FIRST_SEEN[1],
            _pseudonym(FIRST_SEEN[1], salt),
        )
    ]
    assert known <= set(district.query(f"select * from {lookup}", "restricted"))
    # AND the whole tests find every repeat
    failures = _failing_data_tests(
        district,
        "digital_activity_signals base_clever__daily_participation "
        "base_contoso_sis__studentattendance",
    )
    assert failures["unique_digital_activity_signals_event_id"] == 2
    assert failures[_file_grain_test("base_clever__daily_participation")] == 1
    assert failures[_file_grain_test("base_contoso_sis__studentattendance")] == 1


def test_a_days_uniqueness_tests_of_date_partitioned_marts_look_at_its_dates(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN a built district whose last build passed, and a new day's Clever file
    district = copy_district(built_district, tmp_path / "district")
    day = _new_clever_day(district)
    ok(run_cli("load", data_dir=district.data_dir))
    # AND, as a bug of ours would leave it, a student-day of the mart's first date
    # is held twice
    daily = "hybrid_engagement.fct_digital_activity_daily"
    (first,) = district.query(f"select min(activity_date) from {daily}")[0]
    _hold_a_row_twice(district, daily, first)
    # WHEN the day's build runs
    run_cli("build", data_dir=district.data_dir)
    # THEN the mart was written again on the new day alone, and its uniqueness test,
    # which groups the rows of the dates the build wrote, passed: a day's build
    # trusts the dates it did not write to stay as the last build tested them
    assert _rebuilt_dates(district, "fct_digital_activity_daily") == {day}
    grain = (
        "unique_combination_of_columns_fct_digital_activity_daily_"
        "student_id_pseudonym__activity_date"
    )
    assert _test_results("build")[grain] == ("pass", 0)
    # AND a key held twice on the day it wrote fails that test as the day's build
    # runs it
    _hold_a_row_twice(district, daily, first, on=date.fromisoformat(day))
    assert _test_results("test", district, "fct_digital_activity_daily")[grain] == (
        "fail",
        1,
    )
    # AND the whole test finds both
    whole = _failing_data_tests(district, "fct_digital_activity_daily")
    assert whole[grain] == 2


def _hold_a_row_twice(
    district: District, table: str, first: date, on: date | None = None
) -> None:
    """Insert a copy of a row of the first date (moved to `on`: two copies)."""
    with duckdb.connect(str(district.warehouse)) as conn:
        copies = 1 if on is None else 2
        for _ in range(copies):
            conn.execute(
                f"insert into {table} select * replace (? as activity_date) "
                f"from {table} where activity_date = ? "
                "order by student_id_pseudonym limit 1",
                [on or first, first],
            )


def _test_results(
    command: str, district: District | None = None, selection: str = ""
) -> dict[str, tuple[str, int]]:
    """Each data test of the last `command` (the command's own run_results), with
    its status and failing rows. With a district: run that command's tests of
    `selection` first, as the day's build runs them (HE_TESTED_FILE_VERSIONS=on,
    which the command sets after a passing build by the same project)."""
    if district is not None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HE_")}
        env.update(
            HE_WAREHOUSE_DB=str(district.warehouse),
            HE_RESTRICTED_DB=str(district.restricted),
            HE_PSEUDONYM_SALT=TEST_SALT,
            HE_TESTED_FILE_VERSIONS="on",
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            DBT_TARGET_PATH=str(DBT_TARGET),
            DBT_LOG_PATH=str(DBT_LOGS),
        )
        dbt = Path(os.sys.executable).with_name("dbt")
        subprocess.run(
            [str(dbt), "--quiet", command, "--select", selection],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            check=False,
        )
        shutil.copyfile(
            DBT_TARGET / "run_results.json", DBT_TARGET / f"run_results.{command}.json"
        )
    results = json.loads((DBT_TARGET / f"run_results.{command}.json").read_text())
    return {
        result["unique_id"].split(".")[2]: (result["status"], result["failures"])
        for result in results["results"]
        if result["unique_id"].startswith("test.")
    }


def _new_clever_day(district: District, first_seen: bool = False) -> str:
    """A new day's Clever students file: the last day's rows again, dated the day
    after (with `first_seen`, its first row is of a student and an account never
    delivered before). Returns the day."""
    folder = district.landing / "clever/daily-participation"
    last = sorted(folder.glob("*-students.csv"))[-1]
    day = (date.fromisoformat(last.name[:10]) + timedelta(days=1)).isoformat()
    rows = list(csv.DictReader(io.StringIO(last.read_text())))
    for row in rows:
        row["date"] = day
    if first_seen:
        rows[0].update(sis_id=FIRST_SEEN[0], clever_user_id=FIRST_SEEN[1])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / f"{day}{last.name[10:]}").write_text(out.getvalue())
    return day


# The student and Clever account of _new_clever_day(first_seen=True).
FIRST_SEEN = ("first-seen-student", "first-seen-account")


def _file_grain_test(model: str) -> str:
    """The name of the model's uniqueness test on its delivered file and line."""
    return f"unique_combination_of_columns_{model}__source_file___source_row"


def _failures() -> dict[str, int]:
    """Each failing test of the last dbt run, with the rows it failed on."""
    results = json.loads((DBT_TARGET / "run_results.json").read_text())["results"]
    return {
        result["unique_id"].split(".")[2]: result["failures"]
        for result in results
        if result["status"] == "fail"
    }


def _failing_data_tests(district: District, selection: str) -> dict[str, int]:
    """Run the data tests of `selection`, which must fail; each failing test's
    name and the number of rows it failed on."""
    result = run_cli("dbt", "test", "--select", selection, data_dir=district.data_dir)
    assert result.returncode != 0
    return _failures()


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


def test_no_raw_id_or_name_reaches_the_warehouse(built_district: District) -> None:
    # GIVEN every raw id, sign-in name and person's name in the delivered files
    values = delivered.personal_values(built_district)
    assert len(values) > 200
    # WHEN every text column of every table and view in the warehouse is scanned
    # THEN none of them holds one, and every name column is masked
    assert delivered.leaks(built_district, values) == []


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


def test_every_source_has_a_restricted_lookup_of_its_hashed_ids(
    built_district: District, salt: str
) -> None:
    # GIVEN each source's raw ids as delivered
    sis = {
        r["student_id"]
        for r in built_district.rows("contoso_sis/*/*.csv")
        if "student_id" in r
    }
    persons = {r["Id"] for r in delivered.insights_rows(built_district, "Person")}
    accounts = {
        r["ObjectId"] for r in delivered.insights_rows(built_district, "AadUser")
    }
    users = {str(u["id"]) for u in delivered.graph_records(built_district, "Users")}
    iready = {r["Student ID"] for r in built_district.rows("iready/*/*.csv")}
    # WHEN the lookups in restricted.duckdb are read
    for lookup, column, expected in (
        ("contoso_sis_student_lookup", "student_id", sis),
        ("insights_person_lookup", "id", persons),
        ("insights_aad_user_lookup", "object_id", accounts),
        ("graph_user_lookup", "id", users),
        ("iready_student_lookup", "student_id", iready),
    ):
        rows = built_district.query(
            f"select distinct {column}, {column}_pseudonym from pii.{lookup}",
            "restricted",
        )
        # THEN each lists every delivered id, with OEA's pseudonym of it
        assert {raw for raw, _ in rows} == expected, lookup
        assert all(pseudonym == _pseudonym(raw, salt) for raw, pseudonym in rows)


def _dbt_show(
    sql: str, salt: str | None, district: District
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HE_")}
    env.update(
        HE_WAREHOUSE_DB=str(district.warehouse),
        HE_RESTRICTED_DB=str(district.restricted),
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_TARGET_PATH=str(DBT_TARGET),
        DBT_LOG_PATH=str(DBT_LOGS),
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


def _attendance(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write_attendance(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _with_other_code(
    row: dict[str, str], others: list[dict[str, str]]
) -> dict[str, str]:
    """The record with the code (and what goes with it) of a record coded otherwise."""
    other = next(o for o in others if o["AttendanceCode"] != row["AttendanceCode"])
    fields = ("AttendanceCode", "PresenceFlag", "attendance_status")
    return {**row, **{name: other[name] for name in fields}}


def _iso_date(text: str) -> str:
    """A delivered SIS date (ISO or US month/day/year) as ISO."""
    if "/" not in text:
        return text
    month, day, year = text.split("/")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _attendance_codes(district: District) -> dict[str, str]:
    return dict(
        district.query(
            "select attendance_id, attendance_code "
            "from staging.stg_contoso_sis__studentattendance"
        )
    )


def _counts(district: District) -> dict[str, int]:
    return dict(
        district.query(
            "select event_object, count(*) from digital_engagement.digital_activity "
            "group by 1"
        )
    )


ACTIVITY_COLUMNS = (
    'event_id, event_actor, event_object, "event_eventTime", event_type, '
    '"generated_aggregateMeasure_metric_numAccess", '
    '"generated_aggregateMeasure_metric_timeOnTaskSec", '
    '"generated_aggregateMeasure_metric_used", _source_file, _source_row, '
    "_source_record, _file_sha256"
)


def _activity_rows(district: District) -> list[tuple]:
    return district.query(
        f"select {ACTIVITY_COLUMNS} from digital_engagement.digital_activity"
    )


# The marts rebuilt only on the dates whose inputs changed (see in_changed_dates).
DATE_PARTITIONED = (
    "rpt_clever__daily_usage",
    "dim_school_calendar",
    "fct_in_person_presence",
    "fct_student_school_days",
    "fct_digital_activity_daily",
    "fct_staff_app_use_daily",
    "fct_hybrid_engagement_daily",
)


def _marts(district: District) -> dict[str, Counter[tuple]]:
    """Every row of every table the marts' schemas hold (their fingerprints aside)."""
    tables = district.query(
        "select schema_name, table_name from duckdb_tables() "
        "where schema_name in ('hybrid_engagement', 'clever_usage', 'audit') "
        "and table_name not like '%\\_\\_input\\_fingerprints%' escape '\\' "
        "and table_name not like '%\\_\\_rebuilt\\_dates' escape '\\' "
        # (when each source was last loaded and built: a full refresh builds later)
        "and table_name <> 'source_status'"
    )
    assert {name for _, name in tables} >= set(DATE_PARTITIONED)
    return {
        f"{schema}.{name}": Counter(district.query(f'select * from {schema}."{name}"'))
        for schema, name in tables
    }


def _rebuilt_dates(
    district: District, table: str, schema: str = "hybrid_engagement"
) -> set[str | None]:
    """The dates the last build wrote of a date-partitioned mart (None: all)."""
    return {
        day.isoformat() if day else None
        for (day,) in district.query(
            f"select partition_date from {schema}.{table}__rebuilt_dates"
        )
    }


def _delivery_halves(generated: District) -> tuple[list[Path], list[Path]]:
    """Every delivered file, split into what arrives first and what arrives later:
    by the date (or batch, snapshot, week) in its path."""
    first, later = [], []
    dates = sorted(
        {
            part[:10]
            for path in generated.files("**/*")
            for part in path.relative_to(generated.landing).parts
            if part[:4].isdigit() and part[4:5] == "-"
        }
    )
    middle = dates[len(dates) // 2]
    for path in generated.files("**/*"):
        if not path.is_file():
            continue
        stamps = [
            part[:10]
            for part in path.relative_to(generated.landing).parts
            if part[:4].isdigit() and part[4:5] == "-"
        ]
        (later if stamps and stamps[0] >= middle else first).append(path)
    return first, later


def _copy(paths: list[Path], generated: District, district: District) -> None:
    for path in paths:
        target = district.landing / path.relative_to(generated.landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def test_incremental_history_equals_a_full_refresh(tmp_path: Path) -> None:
    # GIVEN a district whose deliveries of every source arrive in two halves (the
    # second roster snapshot, later SIS batches, later activity), built after each
    generated = generate(tmp_path / "all")
    district = District(tmp_path / "district")
    first, later = _delivery_halves(generated)
    assert first and later
    # (the last SIS batch also re-sends a record of the first, with another code)
    for batch in (first, later):
        _copy(batch, generated, district)
        if batch is later:
            attendance = sorted(district.files("contoso_sis/*/studentattendance.csv"))
            earliest, latest = _attendance(attendance[0]), _attendance(attendance[-1])
            resent = _with_other_code(earliest[1], latest)
            _write_attendance(attendance[-1], [*latest, resent])
        ok(run_cli("load", data_dir=district.data_dir))
        ok(run_cli("build", data_dir=district.data_dir))
    assert _counts(district) == delivered.expected_activity_rows(generated)
    assert _attendance_codes(district)[resent["id"]] == resent["AttendanceCode"]
    # WHEN Clever restates one day's students file (one row's login count changes)
    # and an Insights activity file is restated without its first signal
    restated = sorted(district.files("clever/daily-participation/*-students.csv"))[1]
    lines = restated.read_text().splitlines()
    fields = lines[1].split(",")
    fields[5], fields[6], fields[7] = "True", "42", "1"
    lines[1] = ",".join(fields)
    restated.write_text("\n".join(lines) + "\n")
    activity = sorted(district.files("insights/activity/*/*.csv"))[-1]
    signals = activity.read_text().splitlines()
    activity.write_text("\n".join(signals[1:]) + "\n")
    # AND another Clever file is restated with its header alone (withdrawn)
    emptied = sorted(district.files("clever/daily-participation/*-students.csv"))[2]
    withdrawn = emptied.read_text().splitlines()
    emptied.write_text(withdrawn[0] + "\n")
    # AND the last SIS batch is restated without its first record, without one of
    # its last date (that student's enrollment now ends a day earlier) and without
    # the re-sent one, and with another code for its second record
    changed = _with_other_code(latest[1], latest)
    last = max(latest[2:], key=lambda row: _iso_date(row["attendance_date"]))
    _write_attendance(
        attendance[-1], [changed, *(row for row in latest[2:] if row is not last)]
    )
    ok(run_cli("load", data_dir=district.data_dir))
    # (the dropped record leaves its school day without one: a finding, reported)
    built = with_findings(run_cli("build", data_dir=district.data_dir))
    assert "every_school_day_has_an_attendance_record" in built.stdout
    # AND the SIS's presence per day was written again on the restated batch's
    # dates only (the rows of the other days stayed as they were)
    restated_dates = {
        _iso_date(row["attendance_date"]) for row in [*latest, resent, changed]
    }
    rebuilt = _rebuilt_dates(district, "fct_in_person_presence")
    assert rebuilt and None not in rebuilt and rebuilt <= restated_dates
    written = district.scalar(
        "select count(distinct attendance_date) "
        "from hybrid_engagement.fct_in_person_presence"
    )
    assert len(rebuilt) < written / 2
    # (and so were the calendar and the school days: the shorter enrollment
    # changed the date it no longer spans, not every date it spans)
    for table in ("dim_school_calendar", "fct_student_school_days"):
        rebuilt = _rebuilt_dates(district, table)
        assert rebuilt and None not in rebuilt and rebuilt <= restated_dates, table
    # (and Clever's usage per day on the days of its two restated files alone)
    assert _rebuilt_dates(district, "rpt_clever__daily_usage", "clever_usage") == {
        restated.name[:10],
        emptied.name[:10],
    }
    # THEN staging holds, per record, its version in the current files: the dropped
    # record is gone, the changed one changed, the re-sent one is the first batch's
    # again (only the restated records were replaced: see rows_loaded_since_last_run)
    codes = _attendance_codes(district)
    assert latest[0]["id"] not in codes and last["id"] not in codes
    assert (
        codes[changed["id"]] == changed["AttendanceCode"] != latest[1]["AttendanceCode"]
    )
    assert (
        codes[resent["id"]] == earliest[1]["AttendanceCode"] != resent["AttendanceCode"]
    )
    current = {
        row["id"]: row["AttendanceCode"]
        for path in attendance
        for row in _attendance(path)
    }
    assert codes == current
    # AND each activity restatement replaces its earlier version: no count doubles
    counts = _counts(district)
    expected = delivered.expected_activity_rows(generated)
    clever = "Clever_Daily_Participation"
    assert len(withdrawn) > 1
    assert counts == {
        **expected,
        "MS_Insights": expected["MS_Insights"] - 1,
        clever: expected[clever] - (len(withdrawn) - 1),
    }
    # (the withdrawn file's rows are gone from staging too)
    assert not district.query(
        "select 1 from staging.stg_clever__daily_participation where _source_file = "
        f"'{emptied.relative_to(district.landing).as_posix()}'"
    )
    name = restated.relative_to(district.landing).as_posix()
    assert district.query(
        "select generated_aggregateMeasure_metric_numAccess "
        "from digital_engagement.digital_activity "
        f"where _source_file = '{name}' and _source_row = 2"
    ) == [(42,)]
    # AND a full refresh gives exactly the same tables
    incremental = set(
        district.query(
            f"select {ACTIVITY_COLUMNS} from digital_engagement.digital_activity"
        )
    )
    staged = {
        table: set(district.query(f"select * from staging.{table}"))
        for table in (
            "stg_contoso_sis__studentattendance",
            "stg_contoso_sis__studentdemographics",
            "stg_insights__aad_user_person_mapping",
            "stg_graph__users",
        )
    }
    marts = _marts(district)
    with_findings(run_cli("build", "--full-refresh", data_dir=district.data_dir))
    assert _marts(district) == marts
    refreshed = set(
        district.query(
            f"select {ACTIVITY_COLUMNS} from digital_engagement.digital_activity"
        )
    )
    assert refreshed == incremental
    assert len(refreshed) == sum(counts.values())
    for table, rows in staged.items():
        assert set(district.query(f"select * from staging.{table}")) == rows, table
    # AND a var a mart's SQL reads changes its compiled SQL: every date is rebuilt
    # (the mart alone: its inputs are as they were)
    ok(
        run_cli(
            "build",
            "--vars",
            "{school_year_start_month: 8}",
            "--select",
            "fct_digital_activity_daily",
            data_dir=district.data_dir,
        )
    )
    assert _rebuilt_dates(district, "fct_digital_activity_daily") == {None}
    # AND the append-only lookup learned every user of both halves
    users = {r["clever_user_id"] for r in generated.rows("clever/*/*.csv")}
    looked_up = district.query(
        "select distinct clever_user_id from pii.clever_user_lookup", "restricted"
    )
    assert {u for (u,) in looked_up} == users


def test_a_later_roster_maps_activity_loaded_before_it(
    tmp_path: Path, salt: str
) -> None:
    # GIVEN all deliveries but the second roster snapshot: the first lacks the
    # account mapping of a few students still being synced
    # (one school year: an earlier year's roster would already map them)
    generated = generate(tmp_path / "all", *SMALL, "--years", "1")
    district = District(tmp_path / "district")
    snapshots = sorted(
        p.name for p in (generated.landing / "insights/roster").iterdir()
    )
    assert len(snapshots) == 2
    second = f"insights/roster/{snapshots[1]}/"
    everything = [p for p in generated.files("**/*") if p.is_file()]
    early = [
        p
        for p in everything
        if not p.relative_to(generated.landing).as_posix().startswith(second)
    ]
    _copy(early, generated, district)
    ok(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", data_dir=district.data_dir))
    unmapped_before = district.scalar(
        "select count(*) from digital_engagement.digital_activity "
        "where event_object = 'MS_Insights' and event_actor is null"
    )
    # WHEN the second snapshot arrives, with those students' mappings
    _copy([p for p in everything if p not in early], generated, district)
    ok(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", data_dir=district.data_dir))
    # THEN their earlier activity now carries their SIS id, only guests stay unmapped
    persons = delivered.insights_actor_sis_ids(generated)
    guests = sum(
        1
        for row in delivered.insights_rows(generated, "activity")
        if row["ActorId"] not in persons
    )
    unmapped_after = district.scalar(
        "select count(*) from digital_engagement.digital_activity "
        "where event_object = 'MS_Insights' and event_actor is null"
    )
    assert unmapped_after == guests < unmapped_before
    actors = dict(
        district.query(
            "select event_id, event_actor from digital_engagement.digital_activity "
            "where event_object = 'MS_Insights'"
        )
    )
    for row in delivered.insights_rows(generated, "activity"):
        sis_id = persons.get(row["ActorId"])
        assert actors[row["SignalId"]] == (_pseudonym(sis_id, salt) if sis_id else None)
    # AND a full refresh gives the same rows
    before = set(
        district.query(
            f"select {ACTIVITY_COLUMNS} from digital_engagement.digital_activity"
        )
    )
    marts = _marts(district)
    ok(run_cli("build", "--full-refresh", data_dir=district.data_dir))
    assert _marts(district) == marts
    assert (
        set(
            district.query(
                f"select {ACTIVITY_COLUMNS} from digital_engagement.digital_activity"
            )
        )
        == before
    )


def test_concealed_graph_user_names_are_a_finding_and_the_rest_publishes(
    tmp_path: Path,
) -> None:
    # GIVEN a district whose Graph reports conceal user names (Microsoft's default):
    # every userPrincipalName replaced by a hash
    district = generate(tmp_path / "district")
    for path in district.files("graph/*_User_Detail/*/*.json"):
        pages = []
        for line in path.read_text().splitlines():
            page = json.loads(line)
            for record in page["value"]:
                name = str(record["userPrincipalName"]).encode()
                record["userPrincipalName"] = hashlib.md5(name).hexdigest().upper()
            pages.append(json.dumps(page))
        path.write_text("\n".join(pages) + "\n")
    # WHEN the pipeline runs
    result = run_cli("pipeline", data_dir=district.data_dir)
    # THEN it publishes, ends "with findings", and names the setting to change
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    assert district.serving.exists()
    output = result.stdout + result.stderr
    assert "Display concealed user, group, and site names" in output
    assert "dbt test assert_graph_user_names_are_not_concealed" in output
    # AND every concealed line is flagged, file by file
    flagged = district.query(
        "select count(*) from loader.flags where rule like '%concealed%'", "restricted"
    )[0][0]
    assert flagged == sum(
        len(json.loads(line)["value"])
        for path in district.files("graph/*_User_Detail/*/*.json")
        for line in path.read_text().splitlines()
    )
    # AND the Graph rows are kept, unmatched, not dropped
    assert district.query(
        "select count(*), count(event_actor) from digital_engagement.digital_activity "
        "where event_object = 'MS_GraphAPI_Teams'"
    ) == [(delivered.expected_activity_rows(district)["MS_GraphAPI_Teams"], 0)]


def test_rebuilding_without_new_files_changes_nothing(
    built_district: District, tmp_path: Path
) -> None:
    # GIVEN a built district and its serving counts
    district = copy_district(built_district, tmp_path / "district")
    before = district.query(
        "select count(*), count(distinct event_id) "
        "from sqls2_digital_activity.digital_activity"
    )
    # WHEN load and build run again
    ok(run_cli("load", data_dir=district.data_dir))
    ok(run_cli("build", data_dir=district.data_dir))
    # THEN the counts are unchanged
    assert (
        district.query(
            "select count(*), count(distinct event_id) "
            "from sqls2_digital_activity.digital_activity"
        )
        == before
    )
