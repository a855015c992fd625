"""The hybrid engagement marts against an independent recomputation.

A generated district (9 school weeks, so the engagement-drop windows have data) goes
through the real `pipeline`; the expected numbers are computed here with plain SQL
and Python over the *delivered files in the landing tree* (never over dbt models),
with pseudonyms computed by hashlib from the test salt, and compared with the marts
exactly. The OEA sample (skipped when absent) must have all of its 600 students in
`Student_pseudo`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers.cli import TEST_SALT, ok, run_cli
from helpers.district import District, generate

# Its module-scoped fixture is built once: every test of the module on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_hybrid_engagement")]

DISTRICT = ("--students", "80", "--schools", "3", "--days", "45", "--seed", "11")
CATEGORIES = ("in_person_and_digital", "in_person_only", "digital_only", "not_engaged")
M365_APPS = ("excel", "oneNote", "outlook", "powerPoint", "teams", "word")
TEAMS_COUNTERS = (
    "callCount",
    "meetingCount",
    "meetingsAttendedCount",
    "meetingsOrganizedCount",
    "privateChatMessageCount",
    "teamChatMessageCount",
)
IREADY_LESSONS = "iready/comprehensive_student_lesson_activity_*/*.csv"
TRUE_TEXT = ("1", "true", "yes", "y", "t")


def pseudonym(raw: str) -> str:
    return hashlib.sha256((raw + TEST_SALT).encode()).hexdigest()


@dataclass
class Expected:
    """What the landing tree says, computed without the dbt project."""

    students: set[str]  # raw SIS ids
    school: dict[str, str | None]
    grade: dict[str, str | None]
    school_days: dict[str, set[date]]
    present_days: dict[str, set[date]]
    digital_dates: dict[str, set[date]]
    raw_person_ids: set[str]
    raw_names: set[str]


def _csv(pattern: Path) -> str:
    return (
        f"read_csv('{pattern}', header = true, all_varchar = true, "
        "null_padding = true, filename = true, union_by_name = true)"
    )


def _headerless(pattern: str, root: Path) -> list[list[str]]:
    """Rows of headerless CSVs (Insights), in path order, read with Python's csv."""
    rows = []
    for path in sorted(root.glob(pattern)):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows += [row for row in csv.reader(handle) if row]
    return rows


def _roster(landing: Path) -> dict[str, tuple]:
    """Students of the Insights roster: raw SIS id -> (person id, school, grade),
    from the latest snapshot that lists them (CDM column positions)."""
    roster = landing / "insights" / "roster"
    codes = {row[0].lower(): row[1] for row in _headerless("*/RefDefinition/*", roster)}
    students = {}
    for row in _headerless("*/PersonOrganizationRole/*.csv", roster):
        sis_id, org_id, person_id, role_id, grade_id = (
            row[1],
            row[5],
            row[6],
            row[7],
            row[11],
        )
        if sis_id and codes.get(role_id.lower(), "").lower() == "student":
            students[sis_id] = (person_id, org_id, codes.get(grade_id.lower()))
    return students


def _digital_dates(conn: duckdb.DuckDBPyConnection, landing: Path) -> dict:
    """Raw SIS id -> dates with digital activity that shows use, per source rule."""
    dates: dict[str, set[date]] = defaultdict(set)
    clever = landing / "clever"
    for sis_id, day in conn.execute(
        f"""
        select sis_id, cast(date as date)
        from {_csv(clever / "daily-participation/*.csv")}
        where lower(active) in {TRUE_TEXT} or cast(num_logins as integer) > 0
        union all
        select sis_id, cast(date as date)
        from {_csv(clever / "resource-usage/*.csv")}
        where cast(num_access as integer) > 0
        union all
        select "Student ID", strptime("Completion Date", '%m/%d/%Y')::date
        from {_csv(landing / IREADY_LESSONS)}
        where coalesce("Completion Date", '') <> ''
        """
    ).fetchall():
        if sis_id:
            dates[sis_id].add(day)
    # Insights: ActorId is a Person id; AadUserPersonMapping gives the account, whose
    # ObjectId is the SIS id (the sample's convention; AadUser.StudentId agrees).
    roster = landing / "insights" / "roster"
    person_to_sis = {
        row[3]: row[0] for row in _headerless("*/AadUserPersonMapping/*.csv", roster)
    }
    for row in _headerless("activity/*/*.csv", landing / "insights"):
        actor, started = row[8], row[1]
        if actor in person_to_sis:
            dates[person_to_sis[actor]].add(date.fromisoformat(started[:10]))
    # Graph: userPrincipalName -> users.id (the SIS id).
    graph = landing / "graph"
    upn_to_sis = {
        user["userPrincipalName"]: user["id"]
        for user in _graph_records(graph / "Users")
    }
    for record in _graph_records(graph / "M365_App_User_Detail"):
        used = any(
            detail.get(app) is True
            for detail in record.get("details") or []
            for app in M365_APPS
        )
        if used and record["userPrincipalName"] in upn_to_sis:
            day = date.fromisoformat(record["reportRefreshDate"])
            dates[upn_to_sis[record["userPrincipalName"]]].add(day)
    for record in _graph_records(graph / "Teams_Activity_User_Detail"):
        counts = [int(record.get(name) or 0) for name in TEAMS_COUNTERS]
        video = re.sub(r"[^1-9]", "", record.get("videoDuration") or "")
        if (any(counts) or video) and record["userPrincipalName"] in upn_to_sis:
            day = date.fromisoformat(record["reportRefreshDate"])
            dates[upn_to_sis[record["userPrincipalName"]]].add(day)
    return dates


def _graph_records(folder: Path) -> Iterator[dict]:
    for path in sorted(folder.rglob("*.json")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield from json.loads(line)["value"]


def expected_from_landing(landing: Path) -> Expected:
    conn = duckdb.connect()
    attendance = conn.execute(
        f"""
        with delivered as (
            select *, row_number() over (
                partition by id order by filename desc
            ) as version_rank
            from {_csv(landing / "contoso_sis/*/studentattendance.csv")}
        )
        select student_id, school_id, cast(attendance_date as date), id,
            "AttendanceCode", "PresenceFlag"
        from delivered
        where version_rank = 1 and coalesce(student_id, '') <> ''
        """
    ).fetchall()
    school_days: dict[str, set[date]] = defaultdict(set)
    present_days: dict[str, set[date]] = defaultdict(set)
    latest_school: dict[str, tuple] = {}
    for sis_id, school_id, day, record_id, code, flag in attendance:
        school_days[sis_id].add(day)
        code = (code or "").strip()
        if code == "P" or (not code and (flag or "").lower() in TRUE_TEXT):
            present_days[sis_id].add(day)
        if sis_id not in latest_school or (day, record_id) > latest_school[sis_id][:2]:
            latest_school[sis_id] = (day, record_id, school_id)
    roster = _roster(landing)
    students = set(roster) | set(school_days)
    school = {s: roster[s][1] if s in roster else latest_school[s][2] for s in students}
    grade = {s: roster[s][2] if s in roster else None for s in students}
    names = [
        (row[3], row[7])
        for row in _headerless("*/Person/*.csv", landing / "insights" / "roster")
    ]
    return Expected(
        students=students,
        school=school,
        grade=grade,
        school_days=school_days,
        present_days=present_days,
        digital_dates=_digital_dates(conn, landing),
        raw_person_ids={person for person, _, _ in roster.values() if person},
        raw_names={name for pair in names for name in pair if name and len(name) > 2},
    )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    district = generate(tmp_path_factory.mktemp("hybrid") / "district", *DISTRICT)
    ok(run_cli("pipeline", data_dir=district.data_dir, timeout=900))
    return district


@pytest.fixture(scope="module")
def expected(district: District) -> Expected:
    return expected_from_landing(district.landing)


def test_student_rates_match_an_independent_count_of_the_delivered_files(
    district: District, expected: Expected
) -> None:
    # GIVEN per-student days recomputed from the landing tree
    want = {}
    for sis_id in expected.students:
        days = expected.school_days.get(sis_id, set())
        present = expected.present_days.get(sis_id, set())
        digital = days & expected.digital_dates.get(sis_id, set())
        engaged = present | digital
        n = len(days)
        want[pseudonym(sis_id)] = (
            n,
            len(present),
            len(digital),
            len(engaged),
            len(present) / n if n else None,
            len(digital) / n if n else None,
            len(engaged) / n if n else None,
        )
    # WHEN msr_student_engagement is read
    got = {
        row[0]: tuple(row[1:])
        for row in district.query(
            "select student_id_pseudonym, school_days, present_days, digital_days, "
            "engaged_days, in_person_rate, digital_rate, hybrid_rate "
            "from hybrid_engagement.msr_student_engagement"
        )
    }
    # THEN every student is there with exactly the same days and rates
    assert got == want
    totals = [sum(v[i] for v in want.values()) for i in range(4)]
    print(
        f"\nper-student check: {len(want)} students, school days {totals[0]}, "
        f"present {totals[1]}, digital {totals[2]}, engaged {totals[3]}; "
        f"mean in_person_rate "
        f"{sum(v[4] for v in want.values() if v[4] is not None) / len(want):.4f}"
    )
    # AND the district has students without digital activity, kept with rate 0
    idle = [s for s in expected.students if not expected.digital_dates.get(s)]
    assert idle, "the generated district should have students with no digital use"
    for sis_id in idle:
        assert got[pseudonym(sis_id)][2] == 0
    print(f"students without any digital activity: {len(idle)}")


def test_school_grade_week_category_counts_match_the_delivered_files(
    district: District, expected: Expected
) -> None:
    # GIVEN category student-days per school, grade and week from the landing tree
    want: dict[tuple, list] = defaultdict(lambda: [set(), 0, 0, 0, 0])
    for sis_id in expected.students:
        digital = expected.digital_dates.get(sis_id, set())
        present = expected.present_days.get(sis_id, set())
        for day in expected.school_days.get(sis_id, set()):
            key = (expected.school[sis_id], expected.grade[sis_id], monday(day))
            cell = want[key]
            cell[0].add(sis_id)
            category = (day in present, day in digital)
            index = {
                (True, True): 1,
                (True, False): 2,
                (False, True): 3,
                (False, False): 4,
            }[category]
            cell[index] += 1
    want_rows = {key: (len(v[0]), *v[1:]) for key, v in want.items()}
    # WHEN the weekly mart is read
    got = {
        tuple(row[:3]): tuple(row[3:])
        for row in district.query(
            "select school_id, grade, week_start, students, "
            + ", ".join(f"{c}_days" for c in CATEGORIES)
            + " from hybrid_engagement.rpt_engagement_by_school_grade_week"
        )
    }
    # THEN the same cells with the same counts
    assert got == want_rows
    totals = [sum(v[i] for v in want_rows.values()) for i in range(5)]
    print(
        f"\nschool x grade x week check: {len(want_rows)} cells; student-days "
        + ", ".join(f"{c} {n}" for c, n in zip(CATEGORIES, totals[1:], strict=True))
    )
    # AND the drop model had its 2 + 4 school weeks to compare
    weeks = {key[2] for key in want_rows}
    assert len(weeks) >= 6
    flagged = district.scalar(
        "select count(*) from hybrid_engagement.rpt_engagement_drop"
    )
    print(f"{len(weeks)} school weeks; engagement_drop flags {flagged} students")


def test_every_student_is_in_dim_student_and_student_pseudo(
    district: District, expected: Expected
) -> None:
    pseudonyms = {pseudonym(s) for s in expected.students}
    dim = {
        row[0]
        for row in district.query(
            "select student_id_pseudonym from hybrid_engagement.dim_student"
        )
    }
    served = {
        row[0]
        for row in district.query(
            'select "StudentId_external_pseudonym" '
            'from sqls3_hybrid_engagement."Student_pseudo"',
            "serving",
        )
    }
    assert dim == pseudonyms
    assert served == pseudonyms


def test_rates_are_shares(district: District) -> None:
    for view in (
        "student_engagement",
        "engagement_by_school",
        "engagement_by_grade",
        "engagement_by_school_grade_week",
        "engagement_by_school_day",
    ):
        low, high = district.query(
            "select min(least(in_person_rate, digital_rate, hybrid_rate)), "
            "max(greatest(in_person_rate, digital_rate, hybrid_rate)) "
            f"from sqls3_hybrid_engagement.{view}",
            "serving",
        )[0]
        assert 0 <= low <= high <= 1, view


def test_student_pseudo_keeps_its_case_and_the_lookup_stays_restricted(
    district: District, expected: Expected
) -> None:
    # THEN the published view keeps OEA's mixed-case name and columns
    tables = district.query(
        "select table_name from duckdb_tables() "
        "where schema_name = 'sqls3_hybrid_engagement'",
        "serving",
    )
    assert ("Student_pseudo",) in tables
    columns = [
        row[0]
        for row in district.query(
            "select column_name from duckdb_columns() "
            "where table_name = 'Student_pseudo' order by column_index",
            "serving",
        )
    ]
    assert columns == [
        "StudentId_internal_pseudonym",
        "StudentId_external_pseudonym",
        "Surname",
        "GivenName",
        "MiddleName",
        "PersonRole",
        "StudentGrade",
        "AverageAttendance_inPerson",
        "AverageAttendance_digital",
        "OrganizationId",
        "OrganizationName",
    ]
    names = district.query(
        'select distinct "Surname", "GivenName", "MiddleName" '
        'from sqls3_hybrid_engagement."Student_pseudo"',
        "serving",
    )
    assert set(names) <= {("*", "*", "*"), (None, None, None)}
    # AND Student_lookup, with the raw ids, lives only in restricted.duckdb
    lookup = district.query(
        "select student_id, student_id_pseudonym "
        'from sqls3_hybrid_engagement."Student_lookup"',
        "restricted",
    )
    assert {raw for raw, _ in lookup} == expected.students
    assert all(pseudonym(raw) == hashed for raw, hashed in lookup)
    for database in ("warehouse", "serving"):
        assert not district.query(
            "select table_name from duckdb_tables() "
            "where table_name ilike '%lookup%' union all "
            "select view_name from duckdb_views() where view_name ilike '%lookup%'",
            database,
        )


def test_no_raw_id_or_name_reaches_the_warehouse_or_serving(
    district: District, expected: Expected
) -> None:
    raw = expected.students | expected.raw_person_ids | expected.raw_names
    for database, path in (
        ("warehouse", district.warehouse),
        ("serving", district.serving),
    ):
        with duckdb.connect(str(path), read_only=True) as conn:
            conn.execute("create temp table raw_values (v varchar)")
            conn.executemany("insert into raw_values values (?)", [[v] for v in raw])
            columns = conn.execute(
                "select schema_name, table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and database_name = current_database() "
                "and not internal"
            ).fetchall()
            for schema, table, column in columns:
                hits = conn.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where "{column}" in (select v from raw_values)'
                ).fetchone()[0]
                assert hits == 0, (
                    f"{database}: {schema}.{table}.{column} has raw values"
                )


# -- OEA's published sample ------------------------------------------------------------


def test_every_oea_student_appears_in_student_pseudo(
    oea_district: District, oea_data: Path
) -> None:
    # GIVEN the 600 students of OEA's roster, pseudonymized here
    roster = next((oea_data / "insights/k12/roster").glob("*/PersonOrganizationRole"))
    with duckdb.connect() as conn:
        sis_ids = {
            row[0]
            for row in conn.execute(
                f"select column01 from read_csv('{roster}/*.csv', header = false, "
                "all_varchar = true)"
            ).fetchall()
        }
    assert len(sis_ids) == 600
    # WHEN Student_pseudo is read from the published file
    served = {
        row[0]
        for row in oea_district.query(
            'select "StudentId_external_pseudonym" '
            'from sqls3_hybrid_engagement."Student_pseudo"',
            "serving",
        )
    }
    # THEN every one of them is there
    assert {pseudonym(s) for s in sis_ids} <= served
    rows = oea_district.query(
        "select coalesce(school_name, school_id), students, in_person_rate, "
        "digital_rate, hybrid_rate, chronically_absent_students "
        "from sqls3_hybrid_engagement.engagement_by_school order by 1",
        "serving",
    )
    print(f"\nOEA sample: {len(served)} students in Student_pseudo")
    for name, students, *measures in rows:
        in_person, digital, hybrid, chronic = (
            "suppressed" if value is None else f"{value:.4f}" for value in measures
        )
        print(
            f"  {name}: {students} students, in_person_rate {in_person}, "
            f"digital_rate {digital}, hybrid_rate {hybrid}, "
            f"chronically absent {chronic}"
        )
    # AND OEA's five schools are there with their 120 roster students each
    schools = {name: students for name, students, *_ in rows}
    for school in ("Gallagher High", "Hampton High", "Mitchell High"):
        assert schools[school] == 120
