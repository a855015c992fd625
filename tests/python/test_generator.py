"""The sample-district generator writes Clever's delivered formats, repeatably."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from pathlib import Path

from conftest import District, csv_rows, generate

from loaders.sources.clever import DAILY_PARTICIPATION_HEADER, RESOURCE_USAGE_HEADER


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
    # GIVEN a district of 40 students in 2 schools over 5 school days
    district = generate(
        tmp_path / "d", "--students", "40", "--schools", "2", "--days", "5"
    )
    student_files = district.files("clever/daily-participation/*-students.csv")
    # THEN each day's students file lists all 40 students once
    for path in student_files:
        ids = [row["sis_id"] for row in csv_rows(path)]
        assert len(ids) == 40 and len(set(ids)) == 40
    # AND the students attend 2 schools
    rows = district.rows("clever/daily-participation/*-students.csv")
    assert len({row["school_name"] for row in rows}) == 2
    # AND the calendar covers at least 5 weekdays and ends on a weekday
    days = sorted(date.fromisoformat(p.name[:10]) for p in student_files)
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
