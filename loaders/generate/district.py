"""The synthetic sample district every generated source describes.

Everything is computed in DuckDB, set-wise, so a district-year of 70,000 students is
as easy to make as the demo's thousand. Randomness comes from hashing the seed with
the row's keys (never from a random-number stream), so the output is the same
whatever the thread count or the order DuckDB happens to work in.

Tables made in the given connection:

    schools       one row per school, with how it tilts presence and digital use
    students      one row per student: ids shared by every source, school, grade
                  (of the latest school year), names, subgroups, and the
                  propensities that shape their attendance and digital activity
    teachers      one row per teacher, staff one row per staff member
    calendar      one row per calendar day of each school year's term, from its
                  first to its last school day (weekends, holidays marked)
    closures      one row per school and day it was closed (no attendance taken)
    enrollments   one row per student and school year they attend (a student is
                  in high school from grade 9: this year's freshmen were not there
                  last year), with its first and last day
    student_days  one row per student and calendar day of their enrollment, with
                  that day's chance of being present and of being digitally active

The demo is meant to be worth looking at: schools, grades and subgroups differ in
presence and digital use; presence dips on Mondays and Fridays; one school's
digital use wanes over the term and another's grows; a few students' engagement
falls over the last school weeks (the engagement-drop list); each school year has
holidays, and one school a closure; several years lie side by side (by default two,
so year-over-year views have something to compare).

A district of one more school day is the same district with that day added once its
term is ten weeks long (about 45 school days): only the new day's files and the
current week's weekly files change, as in a real daily delivery (in a shorter term, a
day that starts a new week also moves the dropping students' last two weeks). The
benchmark's one-day delivery relies on it.

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
    """`days` school days per school year, `years` school years ending with the one
    that starts on `start` (each earlier one starts 52 weeks before the next)."""

    seed: int = 42
    students: int = 1000
    schools: int = 5
    days: int = 45
    start: date = date(2024, 9, 3)
    years: int = 2

    def __post_init__(self) -> None:
        if min(self.students, self.schools, self.days, self.years) < 1:
            raise ValueError(
                "students, schools, days and years must each be at least 1"
            )
        if self.years > 10:
            raise ValueError("at most 10 school years")
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
    _enrollments(conn, spec)


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
            55535 + school_idx as school_number,
            -- how the school tilts presence and digital use, and how its digital
            -- use moves per school week (one wanes over the term, one grows)
            [0.01, 0.0, -0.03, 0.005, -0.015][school_idx % 5 + 1] as present_shift,
            [0.1, -0.15, 0.05, -0.05, 0.0][school_idx % 5 + 1] as digital_shift,
            [0.0, 0.0, -0.02, 0.012, 0.0][school_idx % 5 + 1] as digital_trend
        from range({spec.schools}) as t(school_idx)
        """
    )


# Dropping students fall off over the last two school weeks of a term of up to ten
# weeks (the demo's 45 school days: its engagement-drop list), from the ninth week on
# in a longer one, so that one more day does not move it (the module's docstring).
DROP_FROM_WEEK = 8

RACES = ("Hispanic", "White", "Black", "Asian", "Two or More Races")
LANGUAGES = ("English", "Spanish", "Vietnamese", "Arabic")


def _people(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    given, surnames = list_literal(GIVEN_NAMES), list_literal(SURNAMES)
    races, languages = list_literal(RACES), list_literal(LANGUAGES)
    # Archetypes: a few students are never digitally active, a few never present,
    # some chronically absent, a few whose engagement falls at the end of the
    # latest term; the rest vary around typical rates. School, grade and subgroup
    # tilt every student's rates (grade is the latest school year's).
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
                uniform(student_idx, 7) as u_archetype,
                uniform(student_idx, 9) as u_enrollment
            from range({spec.students}) as t(student_idx)
        ),

        described as (
            select
                drawn.*,
                cast(floor(u_school * {spec.schools}) as integer) as school_idx,
                9 + cast(floor(u_grade * 4) as integer) as grade,
                {races}[cast(floor(uniform(student_idx, 61) * {len(RACES)})
                    as integer) + 1] as race,
                {languages}[cast(floor(pow(uniform(student_idx, 62), 3)
                    * {len(LANGUAGES)}) as integer) + 1] as language,
                uniform(student_idx, 63) < 0.12 as is_learner,
                uniform(student_idx, 64) < 0.1 as has_special_education,
                uniform(student_idx, 65) < 0.4 as is_low_income
            from drawn
        ),

        tilted as (
            select
                described.*,
                schools.digital_trend,
                schools.present_shift
                + case grade when 9 then 0.01 when 12 then -0.02 else 0 end
                + case when is_low_income then -0.01 else 0 end
                + case when has_special_education then -0.02 else 0 end
                    as present_tilt,
                schools.digital_shift
                + case grade when 9 then -0.05 when 12 then 0.05 else 0 end
                + case when is_low_income then -0.12 else 0 end
                + case when is_learner then -0.08 else 0 end
                    as digital_tilt
            from described
            inner join schools on described.school_idx = schools.school_idx
        )

        select
            student_idx,
            hex_id('student', student_idx) as sis_id,
            uuid_id('clever_user', student_idx) as clever_user_id,
            school_idx,
            grade,
            {given}[cast(floor(u_given * {len(GIVEN_NAMES)}) as integer) + 1]
                as given_name,
            {surnames}[cast(floor(u_surname * {len(SURNAMES)}) as integer) + 1]
                as surname,
            chr(65 + cast(floor(uniform(student_idx, 8) * 26) as integer))
                as middle_initial,
            race,
            language,
            is_learner,
            has_special_education,
            is_low_income,
            digital_trend,
            case
                when u_archetype < 0.05 then 0.0
                else greatest(0.05, least(0.98,
                    0.25 + 0.7 * sqrt(u_digital) + digital_tilt))
            end as p_digital,
            case
                when u_archetype >= 0.05 and u_archetype < 0.07 then 0.0
                when u_archetype >= 0.07 and u_archetype < 0.19
                    then 0.55 + 0.3 * u_presence + present_tilt
                else least(0.995, 0.94 + 0.06 * u_presence + present_tilt)
            end as p_present,
            -- engagement falls over the last school weeks of the latest year
            -- (from its ninth week at most: DROP_FROM_WEEK)
            u_archetype >= 0.19 and u_archetype < 0.23 as is_dropping,
            -- enrolls after the latest term started, or leaves before it ends
            u_enrollment < 0.03 as enrolls_late,
            u_enrollment >= 0.03 and u_enrollment < 0.05 as leaves_early
        from tilted
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
    """One term per school year, `days` school days each, the latest starting on
    `start` and each earlier one 52 weeks before (same weekday). Weekdays are
    school days except holidays: the second Monday of October, November 11 and
    the Thursday and Friday of Thanksgiving when a term reaches them, and about
    one other weekday in thirty. `day_idx` numbers the days across terms."""
    span = spec.days * 2 + 21
    conn.execute(
        f"""
        create or replace temp table calendar as
        with terms as (
            select
                year_idx,
                date '{spec.start.isoformat()}'
                - cast(364 * ({spec.years} - 1 - year_idx) as integer) as first_day
            from range({spec.years}) as t(year_idx)
        ),

        offsets as (
            select
                terms.year_idx,
                offsets.offset_idx,
                terms.first_day + cast(offsets.offset_idx as integer) as day
            from terms
            cross join range({span}) as offsets(offset_idx)
        ),

        days as (
            select
                *,
                isodow(day) >= 6 as is_weekend,
                year(day) + case when month(day) >= 7 then 1 else 0 end
                    as school_year
            from offsets
        ),

        flagged as (
            select
                *,
                not is_weekend and offset_idx > 0 and (
                    (month(day) = 10 and isodow(day) = 1 and day(day) between 8 and 14)
                    or (month(day) = 11 and day(day) = 11)
                    or (month(day) = 11 and isodow(day) in (4, 5)
                        and day(day) - (isodow(day) - 4) between 22 and 28)
                    or uniform(year_idx * 1000 + offset_idx, 21) < 1 / 30
                ) as is_holiday
            from days
        ),

        numbered as (
            select
                *,
                not is_weekend and not is_holiday as is_school_day,
                sum(case when not is_weekend and not is_holiday then 1 else 0 end)
                    over (partition by year_idx order by offset_idx)
                    as school_days_so_far
            from flagged
        ),

        kept as (
            select *
            from numbered
            where school_days_so_far < {spec.days}
                or (school_days_so_far = {spec.days} and is_school_day)
        ),

        weeks as (
            select
                *,
                date_trunc('week', day) as week,
                max(date_trunc('week', day)) over (partition by year_idx) as last_week
            from kept
        )

        select
            cast(row_number() over (order by day) - 1 as integer) as day_idx,
            day,
            year_idx,
            school_year,
            is_weekend,
            is_holiday,
            is_school_day,
            school_days_so_far as school_day_no,
            cast(datediff('week', week, last_week) as integer) as weeks_to_end,
            cast(datediff('week', min(week) over (partition by year_idx), week)
                as integer) as week_no
        from weeks
        """
    )


def _enrollments(conn: duckdb.DuckDBPyConnection, spec: DistrictSpec) -> None:
    """Who attends when, and how likely they are to be present and digitally
    active on each day of their enrollment."""
    latest = spec.years - 1
    conn.execute(
        f"""
        create or replace temp table closures as
        select schools.school_idx, calendar.day
        from schools
        inner join calendar
            on calendar.is_school_day
            and calendar.school_day_no = {max(min(spec.days // 3, 10), 1)}
            and calendar.year_idx = {latest}
        where schools.school_idx = {1 % spec.schools}
            and {spec.days} >= 6
        """
    )
    late_day_no = max(min(spec.days // 4, 7), 1)
    early_day_no = max(min(spec.days - spec.days // 5, 24), 1)
    conn.execute(
        f"""
        create or replace temp table enrollments as
        with years as (
            select
                year_idx,
                min(school_year) as school_year,
                min(day) as first_day,
                max(day) as last_day,
                min(case when school_day_no = {late_day_no}
                    and is_school_day then day end) as late_day,
                min(case when school_day_no = {early_day_no}
                    and is_school_day then day end) as early_day
            from calendar
            group by year_idx
        )

        select
            students.student_idx,
            years.year_idx,
            years.school_year,
            students.grade - ({latest} - years.year_idx) as grade,
            case when years.year_idx = {latest} and students.enrolls_late
                then years.late_day else years.first_day end as first_day,
            case when years.year_idx = {latest} and students.leaves_early
                then years.early_day else years.last_day end as last_day
        from students
        cross join years
        where students.grade - ({latest} - years.year_idx) >= 9
        """
    )
    # digital use grows a little from one year to the next; presence dips on
    # Mondays and Fridays, digital use on Fridays and weekends; the dropping
    # students lose most of both over the last two school weeks of the latest year
    # (from its ninth week on in a longer term: DROP_FROM_WEEK)
    conn.execute(
        f"""
        create or replace temp table student_days as
        with days as (
            select
                enrollments.student_idx,
                enrollments.year_idx,
                calendar.day_idx,
                calendar.day,
                calendar.is_school_day,
                students.is_dropping
                    and enrollments.year_idx = {latest}
                    and calendar.week_no >= least(
                        calendar.week_no + calendar.weeks_to_end - 1, {DROP_FROM_WEEK}
                    ) as is_dropped,
                students.p_present
                + case isodow(calendar.day) when 1 then -0.015 when 5 then -0.03
                    else 0 end as present_today,
                case when students.p_digital = 0 then 0.0 else
                students.p_digital
                + 0.05 * (enrollments.year_idx - {latest})
                + students.digital_trend * (
                    cast(calendar.day_idx as double)
                    - min(calendar.day_idx) over (partition by enrollments.year_idx)
                ) / 7 end as digital_this_week
            from enrollments
            inner join students on enrollments.student_idx = students.student_idx
            inner join calendar
                on calendar.year_idx = enrollments.year_idx
                and calendar.day between enrollments.first_day
                    and enrollments.last_day
        )

        select
            student_idx,
            year_idx,
            day_idx,
            day,
            is_school_day,
            greatest(0.0, least(1.0, present_today))
                * case when is_dropped then 0.4 else 1.0 end as p_present_day,
            case when digital_this_week <= 0 then 0.0 else
                greatest(0.0, least(1.0, digital_this_week))
                * case when is_dropped then 0.3 else 1.0 end
            end as p_digital_week
        from days
        """
    )
    # Everyone who can be digitally active, on each calendar day they are around:
    # students within their enrollment (0), teachers (1) and staff (2) every day,
    # with that day's chance of use before the sources' weekend and holiday dips.
    # Teachers and staff vary: some barely use the apps, most do.
    conn.execute(
        """
        create or replace temp table user_days as
        select
            0 as kind,
            student_days.student_idx as idx,
            student_days.day_idx,
            student_days.day,
            student_days.is_school_day,
            student_days.p_digital_week
                * case when isodow(student_days.day) = 5 then 0.85 else 1.0 end
                as p_digital
        from student_days
        union all
        select
            people.kind,
            people.idx,
            calendar.day_idx,
            calendar.day,
            calendar.is_school_day,
            people.p_digital
        from (
            select 1 as kind, teacher_idx as idx,
                0.45 + 0.5 * sqrt(uniform(teacher_idx, 13)) as p_digital
            from teachers
            union all
            select 2, staff_idx, 0.3 + 0.5 * uniform(staff_idx, 14)
            from staff
        ) as people
        cross join calendar
        """
    )
