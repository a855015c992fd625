"""The synthetic sample district every generated source describes.

Everything is computed in DuckDB, set-wise, so a district-year of 70,000 students is
as easy to make as the demo's thousand. Randomness comes from hashing the seed with
the row's keys (never from a random-number stream), so the output is the same
whatever the thread count or the order DuckDB happens to work in.

Tables made in the given connection:

    schools   one row per school
    students  one row per student: ids shared by every source, school, grade, names,
              and the propensities that shape their attendance and digital activity
    teachers  one row per teacher, staff one row per staff member
    calendar  one row per calendar day from the first to the last school day

Ids line up across sources as in OEA's test data: the SIS student id (`sis_id`) is
Clever's sis_id, the SIS student_id, Insights' AadUser.ObjectId and StudentId, Graph's
users.id and i-Ready's Student ID; Clever's clever_user_id is Insights' Person.Id
(which Insights activity names as ActorId); `user_principal_name` is the account's
sign-in name in Insights and Graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from loaders.sql import list_literal

SCHOOL_NAMES = (
    "Mitchell High", "Hampton High", "Robinson High", "Thompson High",
    "Gallagher High", "Maple Ridge High", "Redwood Academy", "Pioneer Academy",
    "Waterfall Academy", "Ridgeview Academy", "Littlewood School",
    "Central Secondary School",
)  # fmt: skip

GIVEN_NAMES = (
    "Carole", "Elouise", "Alesia", "Ralph", "Jenny", "Marianne", "Mildred", "David",
    "George", "Joshua", "Charles", "Maria", "Jason", "Louise", "Nancy", "Mary",
    "Amir", "Priya", "Kenji", "Fatima", "Diego", "Olga", "Tariq", "Mei", "Sofia",
    "Liam", "Noah", "Ava", "Zoe", "Ethan", "Isla", "Omar",
)  # fmt: skip

SURNAMES = (
    "Benefield", "Cronan", "Johnson", "Warner", "Patrick", "Lopez", "Riley",
    "Lindsley", "Petrella", "Rice", "Ward", "Craig", "Parsons", "Bond", "Skeen",
    "Martindale", "Nguyen", "Okafor", "Haddad", "Kowalski", "Yamamoto", "Silva",
    "Fischer", "Novak", "Mendez", "Osei", "Larsen", "Dubois", "Ivanova", "Khan",
)  # fmt: skip


@dataclass(frozen=True)
class DistrictSpec:
    seed: int = 42
    students: int = 1000
    schools: int = 5
    days: int = 45
    start: date = date(2024, 9, 3)

    def __post_init__(self) -> None:
        if self.students < 1 or self.schools < 1 or self.days < 1:
            raise ValueError("students, schools and days must each be at least 1")
        if self.schools > len(SCHOOL_NAMES) * 100:
            raise ValueError(f"at most {len(SCHOOL_NAMES) * 100} schools")


def build(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    """Create the district tables in `conn`."""
    conn.execute(f"set variable he_seed = {int(spec.seed)}")
    # uniform(key, ...) is a number in [0, 1) fixed by the seed and the keys.
    conn.execute(
        "create or replace temp macro uniform(a, b := 0, c := 0, d := 0) as "
        "(hash(getvariable('he_seed'), a, b, c, d) % 1000003) / 1000003.0"
    )
    conn.execute(
        "create or replace temp macro hex_id(kind, n) as "
        "md5(getvariable('he_seed') || ':' || kind || ':' || n)"
    )
    conn.execute(
        "create or replace temp macro uuid_id(kind, n) as "
        "regexp_replace(hex_id(kind, n), "
        "'^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5')"
    )
    _schools(conn, spec)
    _people(conn, spec)
    _calendar(conn, spec)


def _schools(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    names = list_literal(SCHOOL_NAMES)
    conn.execute(
        f"""
        create or replace temp table schools as
        select
            school_idx,
            uuid_id('school', school_idx) as school_id,
            uuid_id('clever_school', school_idx) as clever_school_id,
            {names}[school_idx % {len(SCHOOL_NAMES)} + 1]
                || case when school_idx >= {len(SCHOOL_NAMES)}
                    then ' ' || (school_idx // {len(SCHOOL_NAMES)} + 1) else '' end
                as school_name,
            55535 + school_idx as school_number
        from range({spec.schools}) as t(school_idx)
        """
    )


def _people(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    given, surnames = list_literal(GIVEN_NAMES), list_literal(SURNAMES)
    # Archetypes: a few students are never digitally active, a few never present,
    # some chronically absent; the rest vary around typical rates.
    conn.execute(
        f"""
        create or replace temp table students as
        with drawn as (
            select
                student_idx,
                uniform(student_idx, 1) as u_school,
                uniform(student_idx, 2) as u_grade,
                uniform(student_idx, 3) as u_given,
                uniform(student_idx, 4) as u_surname,
                uniform(student_idx, 5) as u_digital,
                uniform(student_idx, 6) as u_presence,
                uniform(student_idx, 7) as u_archetype
            from range({spec.students}) as t(student_idx)
        )
        select
            student_idx,
            hex_id('student', student_idx) as sis_id,
            uuid_id('clever_user', student_idx) as clever_user_id,
            cast(floor(u_school * {spec.schools}) as integer) as school_idx,
            9 + cast(floor(u_grade * 4) as integer) as grade,
            {given}[cast(floor(u_given * {len(GIVEN_NAMES)}) as integer) + 1]
                as given_name,
            {surnames}[cast(floor(u_surname * {len(SURNAMES)}) as integer) + 1]
                as surname,
            chr(65 + cast(floor(uniform(student_idx, 8) * 26) as integer))
                as middle_initial,
            case
                when u_archetype < 0.05 then 0.0
                else 0.25 + 0.7 * sqrt(u_digital)
            end as p_digital,
            case
                when u_archetype >= 0.05 and u_archetype < 0.07 then 0.0
                when u_archetype >= 0.07 and u_archetype < 0.19
                    then 0.55 + 0.3 * u_presence
                else 0.9 + 0.095 * u_presence
            end as p_present
        from drawn
        """
    )
    conn.execute(
        "create or replace temp table students as "
        "select *, given_name || middle_initial || surname || student_idx "
        "|| '@contoso.org' as user_principal_name from students"
    )
    for table, kind, id_column, per, minimum in (
        ("teachers", "teacher", "sis_id", 25, spec.schools),
        ("staff", "staff", "staff_id", 100, 1),
    ):
        conn.execute(
            f"""
            create or replace temp table {table} as
            select
                idx as {kind}_idx,
                hex_id('{kind}', idx) as {id_column},
                uuid_id('clever_{kind}', idx) as clever_user_id,
                idx % {spec.schools} as school_idx,
                {given}[cast(floor(uniform(idx, 11) * {len(GIVEN_NAMES)}) as integer)
                    + 1] as given_name,
                {surnames}[cast(floor(uniform(idx, 12) * {len(SURNAMES)}) as integer)
                    + 1] as surname,
                '{kind}.' || idx || '@contoso.org' as user_principal_name
            from range({max(spec.students // per, minimum)}) as t(idx)
            """
        )


def _calendar(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    """Weekdays are school days except about one in thirty, a holiday. The calendar
    runs until `days` school days have passed."""
    span = spec.days * 2 + 14
    conn.execute(
        f"""
        create or replace temp table calendar as
        with offsets as (
            select
                day_idx,
                date '{spec.start.isoformat()}' + cast(day_idx as integer) as day
            from range({span}) as t(day_idx)
        ),

        days as (
            select day_idx, day, isodow(day) >= 6 as is_weekend
            from offsets
        ),

        flagged as (
            select
                *,
                not is_weekend and day_idx > 0 and uniform(day_idx, 21) < 1 / 30
                    as is_holiday
            from days
        ),

        numbered as (
            select
                *,
                not is_weekend and not is_holiday as is_school_day,
                sum(case when not is_weekend and not is_holiday then 1 else 0 end)
                    over (order by day_idx) as school_days_so_far
            from flagged
        )

        select day_idx, day, is_weekend, is_holiday, is_school_day
        from numbered
        where school_days_so_far < {spec.days}
            or (school_days_so_far = {spec.days} and is_school_day)
        """
    )
