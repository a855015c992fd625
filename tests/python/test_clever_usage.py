"""The Clever usage views (OEA's Clever app usage dashboard), checked independently:
every number recomputed with Python's csv module from the students' report files
delivered in the landing tree, and compared exactly with the published tables.

The definitions recomputed here (docs/clever_usage.md): a student-day is one row of
the students' daily participation report; it is active when `active` is True or
`num_logins` > 0; resource usage counts rows with `num_access` > 0; top 5 per school
by distinct students, top overall by accesses, ties broken by resource name then id;
a row describing fewer than 10 students keeps its keys and students and nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb
import pytest
from helpers.district import District, PublishedDistrict, csv_rows

pytestmark = pytest.mark.slow

SMALL_CELL = 10  # dbt_project.yml's small_cell_min_students
SUPPRESSED = {"is_suppressed": True}


# The published district (conftest), and one of 22 students in schools of 5, 6 and 11
# students: two small schools, one not.
@pytest.fixture(params=["published", "few_students"])
def district(
    request: pytest.FixtureRequest, published_district: PublishedDistrict
) -> District:
    if request.param == "published":
        return published_district
    return request.getfixturevalue("few_students_district")


# -- the independent side: the delivered files, read with csv -------------------------


def participation(district: District) -> list[dict[str, str]]:
    return [
        row
        for path in district.files("clever/daily-participation/*-students.csv")
        for row in csv_rows(path)
    ]


def resource_usage(district: District) -> list[dict[str, str]]:
    return [
        row
        for path in district.files("clever/resource-usage/*-students.csv")
        for row in csv_rows(path)
        if int(row["num_access"]) > 0
    ]


def suppress(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """What a serving view publishes for a computed row."""
    if row["students"] < SMALL_CELL:
        return {
            **{key: row[key] for key in keys},
            "students": row["students"],
            **SUPPRESSED,
        }
    return {**row, "is_suppressed": False}


def is_used(row: dict[str, str]) -> bool:
    return row["active"] == "True" or int(row["num_logins"]) > 0


def expected_usage_by_school(district: District) -> dict[str, dict[str, Any]]:
    schools: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in participation(district):
        schools[row["clever_school_id"]].append(row)
    expected = {}
    for school_id, rows in schools.items():
        logins = sum(int(row["num_logins"]) for row in rows)
        resources = sum(int(row["num_resources_accessed"]) for row in rows)
        computed = {
            "clever_school_id": school_id,
            "school_name": max(row["school_name"] for row in rows),
            "students": len({row["clever_user_id"] for row in rows}),
            "active_students": len(
                {row["clever_user_id"] for row in rows if is_used(row)}
            ),
            "student_days": len(rows),
            "active_student_days": sum(1 for row in rows if is_used(row)),
            "logins": logins,
            "resources_accessed": resources,
            "avg_logins_per_student_day": logins / len(rows),
            "avg_resources_accessed_per_student_day": resources / len(rows),
        }
        expected[school_id] = suppress(computed, ("clever_school_id", "school_name"))
    return expected


def expected_daily_usage(district: District) -> dict[str, dict[str, Any]]:
    days: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in participation(district):
        days[row["date"]].append(row)
    expected = {}
    for day, rows in days.items():
        students = len({row["clever_user_id"] for row in rows})
        logins = sum(int(row["num_logins"]) for row in rows)
        resources = sum(int(row["num_resources_accessed"]) for row in rows)
        computed = {
            "usage_date": day,
            "students": students,
            "active_students": len(
                {row["clever_user_id"] for row in rows if is_used(row)}
            ),
            "logins": logins,
            "resources_accessed": resources,
            "avg_logins_per_student": logins / students,
            "avg_resources_accessed_per_student": resources / students,
        }
        expected[day] = suppress(computed, ("usage_date",))
    return expected


def _by_resource(rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    resources: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        resources[row["resource_id"]].append(row)
    return {
        resource_id: {
            "resource_id": resource_id,
            "resource_name": max(row["resource_name"] for row in used),
            "resource_type": max(row["resource_type"] for row in used),
            "students": len({row["clever_user_id"] for row in used}),
            "schools": len({row["clever_school_id"] for row in used}),
            "accesses": sum(int(row["num_access"]) for row in used),
        }
        for resource_id, used in resources.items()
    }


def expected_top_resources_by_school(district: District) -> list[dict[str, Any]]:
    schools: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in resource_usage(district):
        schools[row["clever_school_id"]].append(row)
    expected = []
    for school_id, rows in schools.items():
        ranked = sorted(
            _by_resource(rows).values(),
            key=lambda r: (-r["students"], r["resource_name"], r["resource_id"]),
        )
        for rank, resource in enumerate(ranked[:5], start=1):
            computed = {
                "clever_school_id": school_id,
                "school_name": max(row["school_name"] for row in rows),
                "resource_rank": rank,
                "resource_id": resource["resource_id"],
                "resource_name": resource["resource_name"],
                "resource_type": resource["resource_type"],
                "students": resource["students"],
                "accesses": resource["accesses"],
            }
            expected.append(
                suppress(
                    computed,
                    (
                        "clever_school_id",
                        "school_name",
                        "resource_rank",
                        "resource_id",
                        "resource_name",
                        "resource_type",
                    ),
                )
            )
    return sorted(expected, key=lambda r: (r["clever_school_id"], r["resource_rank"]))


def expected_top_resources(district: District) -> list[dict[str, Any]]:
    ranked = sorted(
        _by_resource(resource_usage(district)).values(),
        key=lambda r: (-r["accesses"], r["resource_name"], r["resource_id"]),
    )
    return [
        suppress(
            {"resource_rank": rank, **resource},
            ("resource_rank", "resource_id", "resource_name", "resource_type"),
        )
        for rank, resource in enumerate(ranked, start=1)
    ]


# -- the published side ---------------------------------------------------------------


def published(district: District, view: str, order: str) -> list[dict[str, Any]]:
    """Rows of a published table, without the NULL measures of suppressed rows (the
    expected side leaves them out)."""
    path = district.data_dir / "serving.duckdb"
    with duckdb.connect(str(path), read_only=True) as conn:
        cursor = conn.execute(f"select * from sqls2_clever.{view} order by {order}")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for name, value in list(row.items()):
            if hasattr(value, "isoformat"):
                row[name] = value.isoformat()
            if row["is_suppressed"] and value is None:
                del row[name]
    return rows


def test_usage_by_school_matches_the_delivered_files(district: District) -> None:
    # GIVEN the students' daily participation files as delivered
    expected = expected_usage_by_school(district)
    # WHEN the published view is read
    rows = published(district, "clever_usage_by_school", "clever_school_id")
    # THEN every school and every number is the recomputed one, exactly
    assert {row["clever_school_id"]: row for row in rows} == expected
    assert len(expected) == 3


def test_daily_usage_matches_the_delivered_files(district: District) -> None:
    expected = expected_daily_usage(district)
    rows = published(district, "clever_daily_usage", "usage_date")
    assert {row["usage_date"]: row for row in rows} == expected
    # Clever reports every calendar day, weekends included
    assert len(expected) == len(
        district.files("clever/daily-participation/*-students*")
    )


def test_top_resources_by_school_match_the_delivered_files(district: District) -> None:
    expected = expected_top_resources_by_school(district)
    rows = published(
        district, "clever_top_resources_by_school", "clever_school_id, resource_rank"
    )
    assert rows == expected
    assert len(rows) == 15  # 20 resources in the generator: 5 per school


def test_top_resources_match_the_delivered_files(district: District) -> None:
    expected = expected_top_resources(district)
    rows = published(district, "clever_top_resources", "resource_rank")
    assert rows == expected


def test_small_schools_are_suppressed(few_students_district: District) -> None:
    # GIVEN a district with schools on both sides of the boundary (the delivered
    # files give 5, 6 and 11 students)
    expected = expected_usage_by_school(few_students_district)
    sizes = sorted(row["students"] for row in expected.values())
    assert sizes[0] < SMALL_CELL <= sizes[-1]
    # WHEN the published views are read
    path = few_students_district.data_dir / "serving.duckdb"
    with duckdb.connect(str(path), read_only=True) as conn:
        schools = conn.execute(
            "select students, is_suppressed, logins is null, "
            "avg_logins_per_student_day is null, active_students is null "
            "from sqls2_clever.clever_usage_by_school"
        ).fetchall()
        days = conn.execute(
            "select count(*), count(*) filter (where students >= 10 and not "
            "is_suppressed and logins is not null) from sqls2_clever.clever_daily_usage"
        ).fetchone()
    # THEN a small school shows its student count and nothing else, a school of 10
    # or more everything
    small = [n < SMALL_CELL for n in sizes]
    assert sorted(schools) == sorted(
        (n, hidden, hidden, hidden, hidden)
        for n, hidden in zip(sizes, small, strict=True)
    )
    # AND the district-wide days (22 students) are published whole
    assert days[0] == days[1] > 0


def test_published_district_has_no_small_school(
    published_district: PublishedDistrict,
) -> None:
    # The other side of the boundary: schools of 10 or more students publish all.
    expected = expected_usage_by_school(published_district)
    assert all(row["students"] >= SMALL_CELL for row in expected.values())
    assert not any(row["is_suppressed"] for row in expected.values())
