"""The sample-district generator writes every source's delivered formats, repeatably,
with ids that line up across sources and the variation a real district has."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from helpers import delivered
from helpers.district import District, csv_rows, generate

from loaders.sources.clever import DAILY_PARTICIPATION_HEADER, RESOURCE_USAGE_HEADER
from loaders.sources.contoso_sis import STUDENT_ATTENDANCE_HEADER
from loaders.sources.iready import COMPREHENSIVE_LESSON_ACTIVITY_HEADER

REPORT = "comprehensive_student_lesson_activity_with_standards"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    # GIVEN two districts generated with the same options
    first = generate(tmp_path / "a")
    second = generate(tmp_path / "b")
    # WHEN their files are compared THEN every file is byte-for-byte identical
    assert _digest(first.landing) == _digest(second.landing)
    assert len(_digest(first.landing)) > 0


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    # GIVEN districts that differ only in the seed
    options = ("--students", "30", "--schools", "2", "--days", "3")
    first = generate(tmp_path / "a", *options, "--seed", "1")
    second = generate(tmp_path / "b", *options, "--seed", "2")
    # THEN files of the same name hold different contents
    a, b = _digest(first.landing), _digest(second.landing)
    common = [name for name in a if name in b and "participation" in name]
    assert len(common) >= 9
    assert all(a[name] != b[name] for name in common)


def test_one_more_school_day_only_adds_that_day(tmp_path: Path) -> None:
    # GIVEN districts of 60 and 61 school days, otherwise the same
    options = ("--students", "120", "--schools", "3", "--seed", "5", "--years", "1")
    before = generate(tmp_path / "a", *options, "--days", "60").landing
    after = generate(tmp_path / "b", *options, "--days", "61").landing
    old, new = _digest(before), _digest(after)
    # THEN no file is gone, and a file that changed only gained lines at its end (the
    # current week's weekly files)
    assert set(old) <= set(new)
    changed = [name for name in old if old[name] != new[name]]
    for name in changed:
        assert (after / name).read_bytes().startswith((before / name).read_bytes())
        assert name.startswith(("contoso_sis/", "iready/")), name
    # AND every new file is of one day, later than any file there was
    added = sorted(set(new) - set(old))
    dates = {found for name in added for found in DATE.findall(name)}
    assert len(dates) == 1, added
    assert all(found < min(dates) for name in old for found in DATE.findall(name))
    # AND that day brought data from several sources
    assert {name.split("/")[0] for name in added} >= {"clever", "insights"}
    assert len(changed) >= 1


def test_files_are_named_and_shaped_as_clever_delivers_them(
    small_district: District,
) -> None:
    # GIVEN a generated district
    participation = small_district.files("clever/daily-participation/*.csv")
    usage = small_district.files("clever/resource-usage/*.csv")
    # THEN every file follows Clever's flat naming, one per user type per day
    for path in participation:
        day, user_type = path.name[:10], path.name[11:].split("-")[-1][:-4]
        assert date.fromisoformat(day)
        assert path.name == f"{day}-daily-participation-{user_type}.csv"
        assert user_type in {"students", "teachers", "staff"}
    days = {p.name[:10] for p in participation}
    assert len(participation) == 3 * len(days)
    assert len(usage) == 3 * len(days)
    assert {p.name[:10] for p in usage} == days
    # AND the headers are Clever's, staff files naming the id staff_id
    for paths, report_header in (
        (participation, DAILY_PARTICIPATION_HEADER),
        (usage, RESOURCE_USAGE_HEADER),
    ):
        for path in paths:
            header = tuple(path.read_text().splitlines()[0].split(","))
            expected = report_header
            if path.name.endswith("-staff.csv"):
                expected = tuple("staff_id" if c == "sis_id" else c for c in expected)
            assert header == expected, path.name
    # AND every row's date is its file's date, with True/False booleans
    for path in participation:
        rows = csv_rows(path)
        assert {row["date"] for row in rows} == {path.name[:10]}
        assert {row["active"] for row in rows} <= {"True", "False"}


def test_header_matches_oea_published_sample(
    small_district: District, oea_data: Path
) -> None:
    # GIVEN OEA's published Clever daily participation sample
    sample = oea_data / "clever/daily-participation/Students/Students.csv"
    published = sample.read_text().splitlines()[0]
    # WHEN compared with a generated students file
    generated = small_district.files("clever/daily-participation/*-students.csv")[0]
    # THEN the header is the same, and booleans are written the same way
    assert generated.read_text().splitlines()[0] == published
    assert {r["active"] for r in csv_rows(sample)} == {
        r["active"] for r in small_district.rows("clever/daily-participation/*.csv")
    }


def test_size_options_scale_the_district(tmp_path: Path) -> None:
    # GIVEN a district of 40 students in 2 schools over 5 school days a year, for
    # the default two school years
    district = generate(
        tmp_path / "d", "--students", "40", "--schools", "2", "--days", "5"
    )
    student_files = district.files("clever/daily-participation/*-students.csv")
    this_year = [path for path in student_files if path.name[:10] >= "2024-09-03"]
    last_year = [path for path in student_files if path.name[:10] < "2024-09-03"]
    # THEN each day's students file lists each student enrolled that day once:
    # all 40 on the first day of this year, fewer last year (this year's freshmen
    # were not in high school yet)
    for path in student_files:
        ids = [row["sis_id"] for row in csv_rows(path)]
        assert len(ids) == len(set(ids))
    assert len({row["sis_id"] for row in csv_rows(this_year[0])}) == 40
    last = {row["sis_id"] for row in csv_rows(last_year[0])}
    assert 0 < len(last) < 40
    # AND the students attend 2 schools
    rows = district.rows("clever/daily-participation/*-students.csv")
    assert len({row["school_name"] for row in rows}) == 2
    # AND each year's calendar covers at least 5 weekdays and ends on a weekday
    for files in (this_year, last_year):
        days = sorted(date.fromisoformat(p.name[:10]) for p in files)
        assert sum(1 for d in days if d.isoweekday() <= 5) >= 5
        assert days[-1].isoweekday() <= 5


def test_resource_usage_agrees_with_participation(small_district: District) -> None:
    # GIVEN both reports of a generated district
    participation = small_district.rows("clever/daily-participation/*-students.csv")
    usage = small_district.rows("clever/resource-usage/*-students.csv")
    # WHEN resource rows are counted per student-day
    opened = Counter((row["sis_id"], row["date"]) for row in usage)
    # THEN each student-day lists exactly num_resources_accessed distinct resources,
    # and inactive days list none
    for row in participation:
        key = (row["sis_id"], row["date"])
        assert opened.get(key, 0) == int(row["num_resources_accessed"])
        if row["active"] == "False":
            assert row["num_logins"] == "0" and key not in opened
    distinct = {(r["sis_id"], r["date"], r["resource_id"]) for r in usage}
    assert len(distinct) == len(usage)


def test_every_source_is_written_as_delivered(small_district: District) -> None:
    # GIVEN a generated district
    landing = small_district.landing
    # THEN the SIS exports weekly batches with OEA's headers
    batches = sorted(p.name for p in landing.glob("contoso_sis/*"))
    assert len(batches) >= 2
    for batch in batches:
        header = (landing / f"contoso_sis/{batch}/studentattendance.csv").read_text()
        assert header.startswith(",".join(STUDENT_ATTENDANCE_HEADER) + "\n")
    # AND Insights delivers schemas, two snapshots with manifests, headerless files
    # whose rows have the schema's number of fields (students' AadUser one fewer)
    schema = json.loads(
        (landing / "insights/schema/roster.v0.3.2.cdm.json").read_text()
    )
    widths = {d["entityName"]: len(d["hasAttributes"]) for d in schema["definitions"]}
    # (one at the start of last school year, two this year: start and mid-term)
    snapshots = sorted(landing.glob("insights/roster/*"))
    assert len(snapshots) == 3
    for snapshot in snapshots:
        assert (snapshot / "snapshot.roster.manifest.cdm.json").is_file()
        for entity, width in widths.items():
            for path in snapshot.glob(f"{entity}/*.csv"):
                with path.open(newline="") as handle:
                    lengths = {len(fields) for fields in csv.reader(handle)}
                if path.name == "aaduser.csv":
                    assert lengths == {width - 1}, path
                else:
                    assert lengths == {width}, path
    days = {p.name[:10] for p in small_district.files("clever/daily-participation/*")}
    assert {p.name for p in landing.glob("insights/activity/*")} == days
    # AND Graph pages are one {"value": [...]} object per line
    for path in landing.glob("graph/*/*/*.json"):
        for line in path.read_text().splitlines():
            assert isinstance(json.loads(line)["value"], list)
    # AND i-Ready writes its headers and MM/DD/YYYY dates
    for path in landing.glob(f"iready/{REPORT}_*/*.csv"):
        assert tuple(csv_rows(path)[0]) == COMPREHENSIVE_LESSON_ACTIVITY_HEADER
        for row in csv_rows(path):
            if row["Completion Date"]:
                assert datetime.strptime(row["Completion Date"], "%m/%d/%Y")


def test_ids_line_up_across_sources_as_in_oea(small_district: District) -> None:
    # GIVEN each source's student ids
    clever = small_district.rows("clever/daily-participation/*-students.csv")
    sis_ids = {row["sis_id"] for row in clever}
    attendance = small_district.rows("contoso_sis/*/studentattendance.csv")
    accounts = delivered.insights_rows(small_district, "AadUser")
    persons = delivered.insights_rows(small_district, "Person")
    users = delivered.graph_records(small_district, "Users")
    iready = small_district.rows("iready/*/*.csv")
    # THEN Clever's sis_id is the SIS student id, the students' AadUser ObjectId and
    # StudentId, their Graph users id; i-Ready's Student IDs are among them
    assert {row["student_id"] for row in attendance} == sis_ids
    students = [a for a in accounts if a["Role"] == "student"]
    assert {a["ObjectId"] for a in students} == sis_ids
    assert {a["StudentId"] for a in students} == sis_ids
    assert sis_ids <= {str(user["id"]) for user in users}
    assert {row["Student ID"] for row in iready} <= sis_ids
    # AND Clever's user id is the Insights Person id
    assert {row["clever_user_id"] for row in clever} <= {p["Id"] for p in persons}


def test_the_district_varies_like_a_real_one(tmp_path: Path) -> None:
    # GIVEN a larger district, read back from its files
    district = generate(
        tmp_path / "d", "--students", "400", "--schools", "3", "--days", "40"
    )
    attendance = district.rows("contoso_sis/*/studentattendance.csv")
    codes: dict[str, set[str]] = {}
    for row in attendance:
        codes.setdefault(row["student_id"], set()).add(row["AttendanceCode"])
    active: dict[str, bool] = {}
    for row in district.rows("clever/daily-participation/*-students.csv"):
        active[row["sis_id"]] = active.get(row["sis_id"], False) or (
            row["active"] == "True"
        )
    persons = delivered.insights_actor_sis_ids(district)
    signals = {
        persons.get(row["ActorId"])
        for row in delivered.insights_rows(district, "activity")
    }
    lessons = {row["Student ID"] for row in district.rows("iready/*/*.csv")}
    # THEN some students are never present, and some never digitally active in any
    # source
    absences = {"A", "E", "U"}
    never_present = [s for s, seen in codes.items() if seen <= absences]
    never_online = [
        s for s, was in active.items() if not was and s not in signals | lessons
    ]
    assert 0 < len(never_present) < 40 and 0 < len(never_online) < 60
    # AND the SIS uses several codes: present, tardy, a school activity, half days,
    # leaving early, excused, unexcused and plain absences
    assert set().union(*codes.values()) == {"P", "T", "S", "H", "L", "E", "U", "A"}
    # AND two school years lie side by side
    assert {row["school_year"] for row in attendance} == {"2024", "2025"}
    # AND nobody has attendance on a weekend or a holiday; weekdays do go missing
    days = {date.fromisoformat(row["attendance_date"]) for row in attendance}
    assert all(day.isoweekday() < 6 for day in days)
    this_year = {day for day in days if day >= date(2024, 7, 1)}
    first, last = min(this_year), max(this_year)
    weekdays = {
        first + timedelta(n)
        for n in range((last - first).days + 1)
        if (first + timedelta(n)).isoweekday() < 6
    }
    assert this_year < weekdays
    # AND one school was closed on a day the others had school
    by_school: dict[str, set[date]] = {}
    for row in attendance:
        day = date.fromisoformat(row["attendance_date"])
        by_school.setdefault(row["school_id"], set()).add(day)
    closed = [school for school, seen in by_school.items() if this_year - seen]
    assert len(closed) == 1
    # AND some students take attendance per period (two records a day)
    assert {row["all_day"] for row in attendance} == {"Yes", "No"}
