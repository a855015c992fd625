"""Contoso SIS exports for the sample district: one batch folder per school week.

Each week's batch (named by the week's Monday, so batches sort in time and a district
generated again with more days restates its last week instead of adding a second
batch for it) holds that week's attendance records; the first batch also holds the
demographics of every student but a few (whom only Insights describes) and the
term's section marks. A later batch re-sends a few demographics records with a
change (a student becomes an English learner) and restates a few marks, the way
incremental SIS exports do. Attendance: one all-day record per enrolled student per
school day, except in every third school, which takes attendance per period (two
periods a day). Weekends, holidays and a school's closure day have none. Codes:
P present, T tardy, S school activity, H half day, L left early, E excused, U
unexcused, A absent (no reason given); PresenceFlag 1 for the first five.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.generate.files import copy_to
from loaders.sources.contoso_sis import (
    STUDENT_ATTENDANCE_HEADER,
    STUDENT_DEMOGRAPHICS_HEADER,
    STUDENT_SECTION_MARK_HEADER,
)
from loaders.sql import quote_ident


def write(conn: duckdb.DuckDBPyConnection, landing_dir: Path) -> dict[str, int]:
    """Write the batches below <landing>/contoso_sis/; return row counts per table."""
    root = landing_dir / "contoso_sis"
    _attendance(conn)
    _demographics(conn)
    _section_marks(conn)
    weeks = conn.execute(
        "select week_batch, list(day order by day) from sis_weeks "
        "group by week_batch order by week_batch"
    ).fetchall()
    first, restating = weeks[0][0], weeks[len(weeks) // 2][0]
    attendance = _select(STUDENT_ATTENDANCE_HEADER)
    for batch, _ in weeks:
        copy_to(
            conn,
            f"select {attendance} from sis_attendance where week_batch = '{batch}' "
            "order by attendance_date, student_idx, period_order",
            root / batch / "studentattendance.csv",
            "csv",
        )
    for table, header, file_name in (
        ("sis_demographics", STUDENT_DEMOGRAPHICS_HEADER, "studentdemographics"),
        ("sis_section_marks", STUDENT_SECTION_MARK_HEADER, "studentsectionmark"),
    ):
        versions = [(first, 1)] + ([(restating, 2)] if restating != first else [])
        for batch, version in versions:
            copy_to(
                conn,
                f"select {_select(header)} from {table} where version = {version} "
                "order by student_idx, mark_order",
                root / batch / f"{file_name}.csv",
                "csv",
            )
    return {
        "studentattendance": _count(conn, "sis_attendance"),
        "studentdemographics": _count(conn, "sis_demographics"),
        "studentsectionmark": _count(conn, "sis_section_marks"),
    }


def _select(header: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(name) for name in header)


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def _attendance(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        """
        create or replace temp table sis_weeks as
        select
            day,
            day_idx,
            strftime(date_trunc('week', day), '%Y-%m-%d') as week_batch
        from calendar
        where is_school_day
        """
    )
    conn.execute(
        """
        create or replace temp table sis_attendance as
        with days as (
            select
                students.student_idx,
                students.sis_id,
                students.school_idx,
                sis_weeks.day,
                sis_weeks.day_idx,
                sis_weeks.week_batch,
                uniform(students.student_idx, sis_weeks.day_idx, 51)
                    < student_days.p_present_day as is_present_today,
                uniform(students.student_idx, sis_weeks.day_idx, 53) as u_present,
                uniform(students.student_idx, sis_weeks.day_idx, 54) as u_absent
            from student_days
            inner join students on student_days.student_idx = students.student_idx
            inner join sis_weeks on student_days.day_idx = sis_weeks.day_idx
            left join closures
                on students.school_idx = closures.school_idx
                and sis_weeks.day = closures.day
            where closures.day is null
        ),

        coded as (
            select
                *,
                case
                    when not is_present_today and u_absent < 0.45 then 'E'
                    when not is_present_today and u_absent < 0.75 then 'U'
                    when not is_present_today then 'A'
                    when u_present < 0.06 then 'T'
                    when u_present < 0.075 then 'S'
                    when u_present < 0.095 then 'H'
                    when u_present < 0.105 then 'L'
                    else 'P'
                end as day_code
            from days
        ),

        records as (
            select
                coded.*,
                periods.period,
                -- a present student occasionally misses one period, unexcused
                case
                    when periods.period is not null
                        and is_present_today
                        and uniform(student_idx, day_idx, 52, periods.period) < 0.04
                        then 'U'
                    when periods.period = 2 and day_code in ('T', 'H') then 'P'
                    else day_code
                end as code
            from coded
            left join (select unnest([1, 2]) as period) as periods
                on coded.school_idx % 3 = 2
        )

        select
            records.student_idx,
            records.week_batch,
            records.day as attendance_date_value,
            coalesce(records.period, 0) as period_order,
            'att-' || records.student_idx || '-' || records.day_idx
                || coalesce('-' || records.period, '') as id,
            records.sis_id as student_id,
            cast(
                year(records.day) + case when month(records.day) >= 7 then 1 else 0 end
                as varchar
            ) as school_year,
            schools.school_id,
            strftime(records.day, '%Y-%m-%d') as attendance_date,
            case when records.period is null then 'Yes' else 'No' end as all_day,
            cast(records.period as varchar) as "Period",
            case when records.period is not null
                then 'sec-' || records.school_idx || '-' || records.period
            end as section_id,
            records.code as "AttendanceCode",
            case when records.code in ('P', 'T', 'S', 'H', 'L') then '1' else '0' end
                as "PresenceFlag",
            case records.code
                when 'P' then 'Present' when 'T' then 'Tardy'
                when 'S' then 'School activity' when 'H' then 'Half day'
                when 'L' then 'Left early' when 'E' then 'Excused absence'
                when 'U' then 'Unexcused absence' else 'Absent'
            end as attendance_status,
            'ClassSectionAttendance' as attendance_type,
            cast(records.period as varchar) as attendance_sequence
        from records
        inner join schools on records.school_idx = schools.school_idx
        """
    )


def _demographics(conn: duckdb.DuckDBPyConnection) -> None:
    """The students' subgroups (drawn with the district, see district.py), but for
    a few students the SIS has no record of: Insights' demographics cover them."""
    conn.execute(
        """
        create or replace temp table sis_demographics as
        with people as (
            select
                student_idx,
                sis_id,
                race,
                language,
                is_learner,
                has_special_education,
                is_low_income,
                uniform(student_idx, 66) < 0.02 as changes
            from students
            where uniform(student_idx, 67) >= 0.03
        ),

        versions as (
            select *, 1 as version, is_learner as learner_now from people
            union all
            select *, 2 as version, true as learner_now from people where changes
        )

        select
            student_idx,
            0 as mark_order,
            version,
            sis_id as "SIS ID",
            race as "FederalRaceCategory",
            language as "PrimaryLanguage",
            case when learner_now then 'English Learner' end as "ELLStatus",
            case when has_special_education then 'Resource Specialist Program' end
                as "SpecialEducation",
            case when is_low_income then '1' else '0' end as "LowIncome"
        from versions
        """
    )


def _section_marks(conn: duckdb.DuckDBPyConnection) -> None:
    """Three first-term marks per student; a few are restated later."""
    conn.execute(
        """
        create or replace temp table sis_section_marks as
        with marks as (
            select
                students.student_idx,
                students.sis_id,
                students.school_idx,
                slots.slot as mark_order,
                55 + cast(floor(uniform(students.student_idx, 71, slots.slot) * 45)
                    as integer) as grade,
                uniform(students.student_idx, 72, slots.slot) < 0.01 as is_restated
            from students
            cross join range(3) as slots(slot)
        ),

        versions as (
            select *, 1 as version, grade as grade_now from marks
            union all
            select *, 2 as version, least(grade + 5, 100) as grade_now
            from marks
            where is_restated
        )

        select
            student_idx,
            mark_order,
            version,
            'mark-' || student_idx || '-' || mark_order as id,
            sis_id as student_id,
            'sec-' || school_idx || '-' || (mark_order + 1) as section_id,
            (select cast(max(school_year) as varchar) from calendar) as school_year,
            'term1' as term_id,
            cast(grade_now as varchar) as numeric_grade_earned,
            case
                when grade_now >= 90 then 'A'
                when grade_now >= 80 then 'B'
                when grade_now >= 70 then 'C'
                when grade_now >= 60 then 'D'
                else 'F'
            end as alpha_grade_earned,
            'No' as is_final_grade,
            '5' as credits_attempted,
            case when grade_now >= 60 then '5' else '0' end as credits_earned,
            cast(null as varchar) as grad_credit_type
        from versions
        """
    )
