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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from helpers.cli import PROJECT_DIR, TEST_SALT, ok, run_cli
from helpers.district import District, csv_rows, generate

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
    years: dict[tuple[str, int], StudentYear]  # (raw SIS id, school year)
    subgroups: dict[str, dict[str, str]]  # raw SIS id -> subgroup -> category


@dataclass
class StudentYear:
    """A student's school year, from the delivered files: the year's school and
    grade, its school days and what the SIS and the digital sources say of each."""

    school: str | None
    grade: str | None
    days: set[date] = field(default_factory=set)
    types: dict[date, str] = field(default_factory=dict)  # days with a record
    absence: Decimal = Decimal(0)
    digital: set[date] = field(default_factory=set)

    @property
    def present(self) -> set[date]:
        return {day for day, kind in self.types.items() if kind in IN_PERSON}

    def count(self, kind: str) -> int:
        return sum(1 for value in self.types.values() if value == kind)

    def is_chronically_absent(self) -> bool:
        days = len(self.days)
        return days >= VARS["chronic_absence_min_school_days"] and (
            days - self.absence < Decimal(str(VARS["chronic_absence_threshold"])) * days
        )


# The settings the build used (dbt_project.yml's vars) and the attendance codes'
# meaning (the seed): configuration, read here as a district would read them.
VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
IN_PERSON = ("present", "tardy", "partial_day")
TYPE_ORDER = (
    "present",
    "tardy",
    "partial_day",
    "excused_absence",
    "unexcused_absence",
)


def _seed(name: str) -> list[dict[str, str]]:
    return csv_rows(PROJECT_DIR / "seeds" / f"{name}.csv")


def school_year(day: date) -> int:
    return day.year + (day.month >= VARS["school_year_start_month"])


def _school_year_bounds(year: int) -> tuple[date, date]:
    start = VARS["school_year_start_month"]
    first = date(year - 1, start, 1) if start > 1 else date(year, 1, 1)
    following = date(year, start, 1) if start > 1 else date(year + 1, 1, 1)
    return first, following - timedelta(days=1)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        return None


def _bool(text: str | None) -> bool | None:
    value = (text or "").strip().lower()
    if value in TRUE_TEXT:
        return True
    if value in ("0", "false", "no", "n", "f"):
        return False
    return None


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


def _latest(pattern: str, root: Path) -> list[tuple[str, list[str]]]:
    """Rows of an Insights roster entity, each record (by Id) from the newest
    snapshot that lists it, with that snapshot's folder name."""
    latest: dict[str, tuple[str, list[str]]] = {}
    for path in sorted(root.glob(pattern)):
        snapshot = path.relative_to(root).parts[0]
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                if row:
                    latest[row[0]] = (snapshot, row)
    return list(latest.values())


@dataclass(frozen=True)
class Role:
    sis_id: str
    school: str
    grade: str | None
    start: date | None
    end: date | None
    is_primary: bool
    is_active: bool
    snapshot: str
    role_id: str


def _roles(landing: Path) -> list[Role]:
    """Student roles of the Insights roster (CDM column positions), each in its
    newest snapshot."""
    roster = landing / "insights" / "roster"
    codes = {row[0].lower(): row[1] for row in _headerless("*/RefDefinition/*", roster)}
    roles = []
    for snapshot, row in _latest("*/PersonOrganizationRole/*.csv", roster):
        row = row + [""] * (14 - len(row))
        if not row[1] or codes.get(row[7].lower(), "").lower() != "student":
            continue
        roles.append(
            Role(
                sis_id=row[1],
                school=row[5],
                grade=codes.get(row[11].lower()),
                start=_parse_date(row[13]),
                end=_parse_date(row[12]),
                is_primary=bool(_bool(row[10])),
                is_active=bool(_bool(row[3])),
                snapshot=snapshot,
                role_id=row[0],
            )
        )
    return roles


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


def _person_to_sis(landing: Path) -> dict[str, str]:
    """Insights Person id -> SIS id, through AadUserPersonMapping (the account's
    ObjectId is the SIS id: the sample's convention; AadUser.StudentId agrees)."""
    roster = landing / "insights" / "roster"
    return {
        row[3]: row[0] for row in _headerless("*/AadUserPersonMapping/*.csv", roster)
    }


def _digital_dates(conn: duckdb.DuckDBPyConnection, landing: Path) -> dict:
    """Raw SIS id -> dates with digital activity that shows use, per source rule;
    Graph's period reports count on the user's lastActivityDate."""
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
    person_to_sis = _person_to_sis(landing)
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
            dates[upn_to_sis[record["userPrincipalName"]]].add(_graph_day(record))
    for record in _graph_records(graph / "Teams_Activity_User_Detail"):
        counts = [int(record.get(name) or 0) for name in TEAMS_COUNTERS]
        video = re.sub(r"[^1-9]", "", record.get("videoDuration") or "")
        if (any(counts) or video) and record["userPrincipalName"] in upn_to_sis:
            dates[upn_to_sis[record["userPrincipalName"]]].add(_graph_day(record))
    return dates


def _graph_day(record: dict) -> date:
    """A Graph user-detail report covers a period: its day of use is the user's
    lastActivityDate (the refresh date only when that is missing)."""
    return _parse_date(record.get("lastActivityDate") or "") or date.fromisoformat(
        record["reportRefreshDate"]
    )


def _graph_records(folder: Path) -> Iterator[dict]:
    for path in sorted(folder.rglob("*.json")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield from json.loads(line)["value"]


def _classify(code: str | None, flag: str | None) -> tuple[str, Decimal | None]:
    """An attendance record's type and absence fraction by the codes seed; without
    a code, its PresenceFlag; an unknown code is neither."""
    codes = {
        row["attendance_code"]: (
            row["attendance_type"],
            Decimal(row["absence_fraction"]),
        )
        for row in _seed("attendance_codes")
    }
    if code in codes:
        return codes[code]
    if not (code or "").strip():
        presence = _bool(flag)
        if presence is True:
            return "present", Decimal(0)
        if presence is False:
            return "unexcused_absence", Decimal(1)
    return "unknown_code", None


def _student_years(
    attendance: list[tuple], roles: list[Role], digital: dict[str, set[date]]
) -> dict[tuple[str, int], StudentYear]:
    """The student-years and their school days, from the attendance records and the
    roster's roles: enrollments (first to last record of a school year, widened to
    the roster's role dates), each school's instructional days (the dates it
    recorded more than the configured share of its enrolled students), the school
    days within the enrollments, and each day's type by the codes seed."""
    windows: dict[tuple[str, str, int], list[date]] = {}
    recorded: dict[tuple[str, date], set[str]] = defaultdict(set)
    records: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    for sis_id, school_id, day, record_id, code, flag in attendance:
        kind, fraction = _classify(code, flag)
        records[sis_id, day].append((fraction, kind, record_id, school_id))
        if not school_id:
            continue
        recorded[school_id, day].add(sis_id)
        window = windows.setdefault((sis_id, school_id, school_year(day)), [day, day])
        window[0], window[1] = min(window[0], day), max(window[1], day)
    # enrollments: widened to the roster's role dates within the school year
    enrollments = {}
    for (sis_id, school_id, year), (first, last) in windows.items():
        year_first, year_last = _school_year_bounds(year)
        overlapping = [
            role
            for role in roles
            if role.sis_id == sis_id
            and role.school == school_id
            and role.start is not None
            and role.end is not None
            and role.start <= role.end
            and role.start <= year_last
            and role.end >= year_first
        ]
        if VARS["enrollment_includes_roster_dates"] and overlapping:
            first = min(first, min(max(r.start, year_first) for r in overlapping))
            last = max(last, max(min(r.end, year_last) for r in overlapping))
        enrollments[sis_id, school_id, year] = (first, last)
    # the calendar: instructional days, then the seed's closures and partial days
    share = Decimal(str(VARS["instructional_day_min_share"]))
    instructional = set()
    for (school_id, day), students in recorded.items():
        enrolled = {
            sis_id
            for (sis_id, school, _), (first, last) in enrollments.items()
            if school == school_id and first <= day <= last
        }
        if len(students) > share * len(enrolled):
            instructional.add((school_id, day))
    for row in _seed("school_calendar_exceptions"):
        key = (row["school_id"], date.fromisoformat(row["calendar_date"]))
        if row["exception_type"] == "closure":
            instructional.discard(key)
        elif row["exception_type"] == "partial_day":
            instructional.add(key)
    # school days: the school's instructional days within the enrollment; a
    # transfer day goes to the school that recorded the student, else the later
    # enrollment
    candidates: dict[tuple[str, date], list[tuple]] = defaultdict(list)
    for (sis_id, school_id, year), (first, last) in enrollments.items():
        for school, day in instructional:
            if (
                school == school_id
                and school_year(day) == year
                and first <= day <= last
            ):
                recorded_here = sis_id in recorded.get((school_id, day), set())
                candidates[sis_id, day].append(
                    (not recorded_here, -first.toordinal(), school_id)
                )
    # the student-years: school and grade from the roster's role of the year
    # (primary, active, newest snapshot first), else the latest enrollment's school
    years: dict[tuple[str, int], StudentYear] = {}
    ranked = sorted(
        roles,
        key=lambda r: (not r.is_primary, not r.is_active, _desc(r.snapshot), r.role_id),
    )
    for role in ranked:
        year = school_year(role.start or _snapshot_date(role.snapshot))
        years.setdefault((role.sis_id, year), StudentYear(role.school, role.grade))
    latest = sorted(
        enrollments.items(),
        key=lambda item: (-item[1][1].toordinal(), -item[1][0].toordinal(), item[0][1]),
    )
    for (sis_id, school_id, year), _ in latest:
        years.setdefault((sis_id, year), StudentYear(school_id, None))
    for sis_id, day in candidates:
        student_year = years[sis_id, school_year(day)]
        student_year.days.add(day)
        if day in digital.get(sis_id, set()):
            student_year.digital.add(day)
        if (sis_id, day) in records:
            fraction, kind, *_ = min(
                records[sis_id, day],
                key=lambda r: (
                    2 if r[0] is None else r[0],
                    TYPE_ORDER.index(r[1]) if r[1] in TYPE_ORDER else 9,
                    r[2],
                ),
            )
            student_year.types[day] = kind
            student_year.absence += fraction or 0
    return years


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(character) for character in text)


def _snapshot_date(snapshot: str) -> date:
    return date.fromisoformat(snapshot[:10])


def _subgroups(landing: Path, students: set[str]) -> dict[str, dict[str, str]]:
    """Each student's category of each subgroup: the SIS demographics (newest
    delivery of each student), else the Insights roster's PersonDemographic*
    mapped by the insights_demographic_codes seed, else `Not reported`."""
    sis: dict[str, dict[str, str]] = {}
    for path in sorted(landing.glob("contoso_sis/*/studentdemographics.csv")):
        for row in csv_rows(path):
            sis[row["SIS ID"]] = row
    roster = landing / "insights" / "roster"
    definitions = {
        row[0].lower(): (row[5].lower(), row[1].lower())
        for row in _headerless("*/RefDefinition/*", roster)
    }
    codes = {
        (row["ref_type"].lower(), row["code"].lower()): (
            row["subgroup"],
            row["subgroup_value"],
        )
        for row in _seed("insights_demographic_codes")
    }
    person_to_sis = _person_to_sis(landing)
    insights: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    for entity in ("Race", "Ethnicity", "PersonFlag"):
        for _, row in _latest(f"*/PersonDemographic{entity}/*.csv", roster):
            row = row + [""] * (5 - len(row))
            if row[3] in person_to_sis:
                code = codes.get(definitions.get(row[4].lower(), ("", "")))
                insights[person_to_sis[row[3]]].append(code or (None, None))
    result = {}
    for sis_id in students:
        delivered = sis.get(sis_id)
        found = insights.get(sis_id)
        values = {name: value for name, value in found or [] if name}
        races = {v for n, v in found or [] if n == "race" and v != "Hispanic"}
        insights_race = (
            "Hispanic"
            if any(v == "Hispanic" for _, v in found or [])
            else "Two or More Races"
            if len(races) > 1
            else next(iter(races), None)
        )

        def sis_value(
            column: str, row: dict[str, str] | None = delivered
        ) -> str | None:
            return ((row or {}).get(column) or "").strip() or None

        low_income = _bool(delivered.get("LowIncome")) if delivered else None
        fallback = found is not None
        result[sis_id] = {
            "race": sis_value("FederalRaceCategory") or insights_race or "Not reported",
            "primary_language": sis_value("PrimaryLanguage") or "Not reported",
            "ell_status": (
                sis_value("ELLStatus") or "Not an English learner"
                if delivered
                else values.get("ell_status", "Not an English learner")
                if fallback
                else "Not reported"
            ),
            "special_education": (
                sis_value("SpecialEducation") or "No special education"
                if delivered
                else values.get("special_education", "No special education")
                if fallback
                else "Not reported"
            ),
            "low_income": (
                "Low income"
                if low_income is True
                else "Not low income"
                if low_income is False
                else values.get("low_income", "Not low income")
                if fallback
                else "Not reported"
            ),
        }
    return result


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
    digital = _digital_dates(conn, landing)
    years = _student_years(attendance, _roles(landing), digital)
    school_days: dict[str, set[date]] = defaultdict(set)
    present_days: dict[str, set[date]] = defaultdict(set)
    for (sis_id, _), student_year in years.items():
        school_days[sis_id] |= student_year.days
        present_days[sis_id] |= student_year.present
    latest_school: dict[str, tuple] = {}
    for sis_id, school_id, day, record_id, _, _ in attendance:
        if sis_id not in latest_school or (day, record_id) > latest_school[sis_id][:2]:
            latest_school[sis_id] = (day, record_id, school_id)
    roster = _roster(landing)
    students = set(roster) | {sis_id for sis_id, *_ in attendance}
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
        digital_dates=digital,
        raw_person_ids={person for person, _, _ in roster.values() if person},
        raw_names={name for pair in names for name in pair if name and len(name) > 2},
        years=years,
        subgroups=_subgroups(landing, students),
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
    # (each student-year's school and grade)
    want: dict[tuple, list] = defaultdict(lambda: [set(), 0, 0, 0, 0])
    for (sis_id, _), student_year in expected.years.items():
        for day in student_year.days:
            key = (student_year.school, student_year.grade, monday(day))
            cell = want[key]
            cell[0].add(sis_id)
            category = (day in student_year.present, day in student_year.digital)
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


STUDENT_YEAR_COLUMNS = (
    "school_id",
    "grade",
    "school_days",
    "present_days",
    "digital_days",
    "excused_absence_days",
    "unexcused_absence_days",
    "tardy_days",
    "partial_days",
    "unrecorded_days",
    "unknown_code_days",
    "absence_days",
    "is_chronically_absent",
)


def _year_measures(student_year: StudentYear) -> tuple:
    return (
        student_year.school,
        student_year.grade,
        len(student_year.days),
        len(student_year.present),
        len(student_year.digital),
        student_year.count("excused_absence"),
        student_year.count("unexcused_absence"),
        student_year.count("tardy"),
        student_year.count("partial_day"),
        len(student_year.days) - len(student_year.types),
        student_year.count("unknown_code"),
        student_year.absence,
        student_year.is_chronically_absent(),
    )


def test_student_years_absence_types_and_chronic_absence_match_the_delivered_files(
    district: District, expected: Expected
) -> None:
    # GIVEN per student and school year, from the landing tree: the school days
    # (instructional days within the enrollment), each day's attendance type by the
    # codes seed, absence days with partial days' missed share, chronic absence
    want = {
        (pseudonym(sis_id), year): _year_measures(student_year)
        for (sis_id, year), student_year in expected.years.items()
    }
    # WHEN the student-year mart and the published student_engagement are read
    columns = ", ".join(STUDENT_YEAR_COLUMNS)
    got = {
        tuple(row[:2]): tuple(row[2:])
        for row in district.query(
            f"select student_id_pseudonym, school_year, {columns} "
            "from hybrid_engagement.rpt_student_year_engagement"
        )
    }
    served = {
        tuple(row[:2]): tuple(row[2:])
        for row in district.query(
            f"select student_id_pseudonym, school_year, {columns} "
            "from sqls3_hybrid_engagement.student_engagement",
            "serving",
        )
    }
    # THEN every student-year is there with exactly the same days and types
    assert got == want
    assert served == want
    # AND the district spans two school years, with several attendance types,
    # days the SIS left unrecorded and chronically absent students
    assert len({year for _, year in want}) >= 2
    totals = {
        column: sum(values[n] for values in want.values())
        for n, column in enumerate(STUDENT_YEAR_COLUMNS)
        if column not in ("school_id", "grade")
    }
    for column in (
        "excused_absence_days",
        "unexcused_absence_days",
        "tardy_days",
        "partial_days",
        "is_chronically_absent",
    ):
        assert totals[column] > 0, column
    print(
        f"\nstudent-year check: {len(want)} student-years over "
        f"{sorted({year for _, year in want})}; "
        + ", ".join(f"{column} {value}" for column, value in totals.items())
    )


def test_school_year_rollups_match_the_delivered_files(
    district: District, expected: Expected
) -> None:
    # GIVEN per school and school year, from the landing tree: students, the
    # chronically absent, school days and absence types
    want: dict[tuple, list] = defaultdict(lambda: [0] * 8)
    for (_, year), student_year in expected.years.items():
        cell = want[student_year.school, year]
        measures = _year_measures(student_year)
        cell[0] += 1
        cell[1] += measures[-1]
        for n, index in enumerate((2, 5, 6, 7, 8, 11), start=2):
            cell[n] += measures[index]
    # WHEN engagement_by_school is read from the published file
    got = {
        tuple(row[:2]): row[2:]
        for row in district.query(
            "select school_id, school_year, students, chronically_absent_students, "
            "school_days, excused_absence_days, unexcused_absence_days, tardy_days, "
            "partial_days, absence_days, is_suppressed "
            "from sqls3_hybrid_engagement.engagement_by_school",
            "serving",
        )
    }
    # THEN every school-year is there; those of at least the minimum students have
    # exactly the counted figures, the others keep only students and school days
    assert set(got) == set(want)
    minimum = VARS["small_cell_min_students"]
    for key, (students, *figures, suppressed) in got.items():
        assert students == want[key][0], key
        assert suppressed == (students < minimum), key
        if suppressed:
            assert figures[0] is None and figures[2:] == [None] * 5, key
        else:
            assert [figures[0], *figures[1:]] == want[key][1:], key
    print(f"\nschool-year check: {len(want)} school-years")


def _subgroup_cells(expected: Expected) -> dict[tuple, list]:
    """The equity cells from the landing tree: (school year, scope, school,
    subgroup, category) -> [students, chronically absent, school days, present
    days, digital days, excused, unexcused, absence days]."""
    cells: dict[tuple, list] = defaultdict(lambda: [0] * 7 + [Decimal(0)])
    for (sis_id, year), student_year in expected.years.items():
        measures = _year_measures(student_year)
        for subgroup, category in expected.subgroups[sis_id].items():
            for scope, school in (("school", student_year.school), ("district", None)):
                cell = cells[year, scope, school, subgroup, category]
                cell[0] += 1
                cell[1] += measures[-1]
                for n, index in enumerate((2, 3, 4, 5, 6, 11), start=2):
                    cell[n] += measures[index]
    return cells


SUBGROUP_FIGURES = (
    "students, chronically_absent_students, school_days, present_days, "
    "digital_days, excused_absence_days, unexcused_absence_days, absence_days"
)


def test_subgroup_cells_match_the_delivered_files(
    district: District, expected: Expected
) -> None:
    # GIVEN the equity cells counted from the landing tree: each student-year in one
    # category of each subgroup (SIS demographics, else Insights'), per school and
    # district-wide
    want = _subgroup_cells(expected)
    # WHEN the mart and the published view are read
    keys = "school_year, scope, school_id, subgroup, subgroup_value"
    got = {
        tuple(row[:5]): [*row[5:-1], row[-1]]
        for row in district.query(
            f"select {keys}, {SUBGROUP_FIGURES}, is_primary_suppressed "
            "from hybrid_engagement.rpt_engagement_by_subgroup"
        )
    }
    served = {
        tuple(row[:5]): list(row[5:])
        for row in district.query(
            f"select {keys}, {SUBGROUP_FIGURES}, is_suppressed "
            "from sqls3_hybrid_engagement.engagement_by_subgroup",
            "serving",
        )
    }
    # THEN the mart holds exactly the counted cells, those of fewer than the
    # minimum students marked for suppression
    minimum = VARS["small_cell_min_students"]
    assert {key: value[:-1] for key, value in got.items()} == dict(want)
    for key, value in got.items():
        assert value[-1] == (want[key][0] < minimum), key
    # AND the published view has every cell: a suppressed one with no figure at all,
    # the others with the counted figures; every small cell is suppressed, and some
    # of at least the minimum are too (complementary)
    assert set(served) == set(want)
    complementary = 0
    for key, (*figures, suppressed) in served.items():
        if suppressed:
            assert figures == [None] * len(figures), key
            complementary += want[key][0] >= minimum
        else:
            assert want[key][0] >= minimum, key
            assert figures == want[key], key
    assert any(value[0] < minimum for value in want.values())
    assert complementary > 0
    subgroups = sorted({key[3] for key in want})
    print(
        f"\nsubgroup check: {len(want)} cells over {subgroups}; "
        f"{sum(1 for *_, s in served.values() if s)} suppressed, of which "
        f"{complementary} complementary"
    )


def _recover(
    cells: dict[tuple, int | None], totals: dict[tuple, int]
) -> dict[tuple, int]:
    """What an analyst can work out from published figures by subtraction: in
    every row (a school's, or the district's, categories of one subgroup, whose
    total is published) and every column (one category's school cells, whose
    total is the published district cell) with a single unknown cell, that cell
    is the total minus the others; repeated while anything new is found."""
    known = {key: value for key, value in cells.items() if value is not None}
    equations: list[tuple[int | None, tuple, list[tuple]]] = []
    rows: dict[tuple, list[tuple]] = defaultdict(list)
    columns: dict[tuple, list[tuple]] = defaultdict(list)
    for key in cells:
        year, scope, school, subgroup, category = key
        rows[year, scope, school, subgroup].append(key)
        if scope == "school":
            columns[year, subgroup, category].append(key)
    for (year, _, school, _), members in rows.items():
        equations.append((totals.get((year, school)), (), members))
    for (year, subgroup, category), members in columns.items():
        equations.append((None, (year, "district", None, subgroup, category), members))
    recovered: dict[tuple, int] = {}
    found = True
    while found:
        found = False
        for total, total_key, members in equations:
            if total_key:
                total = known.get(total_key)
            if total is None:
                continue
            unknown = [key for key in members if key not in known]
            if len(unknown) == 1:
                value = total - sum(known[key] for key in members if key in known)
                known[unknown[0]] = recovered[unknown[0]] = value
                found = True
    return recovered


def test_no_suppressed_subgroup_cell_can_be_recovered_by_subtraction(
    district: District, expected: Expected
) -> None:
    # GIVEN the published equity cells' student counts and the published totals
    # they add up to: each school's students per school year (engagement_by_school)
    # and the district's (the sum of its schools)
    keys = "school_year, scope, school_id, subgroup, subgroup_value"
    published = {
        tuple(row[:5]): row[5]
        for row in district.query(
            f"select {keys}, students from sqls3_hybrid_engagement."
            "engagement_by_subgroup",
            "serving",
        )
    }
    schools = district.query(
        "select school_year, school_id, students "
        "from sqls3_hybrid_engagement.engagement_by_school",
        "serving",
    )
    totals: dict[tuple, int] = {(year, school): n for year, school, n in schools}
    for year, _, students in schools:
        totals[year, None] = totals.get((year, None), 0) + students
    truth = {key: value[0] for key, value in _subgroup_cells(expected).items()}
    # (the totals are what the cells add up to: the equations an analyst would use)
    for (year, scope, school, subgroup, _), _ in truth.items():
        members = [
            v for k, v in truth.items() if k[:4] == (year, scope, school, subgroup)
        ]
        assert sum(members) == totals[year, school]
    # WHEN an analyst subtracts, row by row and column by column, as long as
    # anything new comes out
    recovered = _recover(published, totals)
    # THEN nothing suppressed comes out
    suppressed = [key for key, value in published.items() if value is None]
    assert suppressed
    assert not set(recovered) & set(suppressed), {
        key: (recovered[key], truth[key]) for key in set(recovered) & set(suppressed)
    }
    # AND the same subtraction on the cells with primary suppression only (fewer
    # than the minimum students) recovers suppressed cells, exactly: the attack is
    # real, and complementary suppression is what stops it
    minimum = VARS["small_cell_min_students"]
    primary_only = {key: (n if n >= minimum else None) for key, n in truth.items()}
    exposed = _recover(primary_only, totals)
    assert exposed
    assert all(truth[key] == value for key, value in exposed.items())
    print(
        f"\nsubtraction check: {len(suppressed)} suppressed cells, none recovered; "
        f"primary suppression alone would expose {len(exposed)}"
    )


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
