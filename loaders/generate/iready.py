"""i-Ready exports for the sample district: weekly comprehensive lesson activity
(ELA and Math) and a fall diagnostic per subject, with i-Ready's column names and
MM/DD/YYYY dates.

    iready/comprehensive_student_lesson_activity_with_standards_ela/<Monday>.csv
    iready/comprehensive_student_lesson_activity_with_standards_math/<week>.csv
    iready/diagnostic_results_ela/<first day>.csv        (… _math)

Most digitally active students use i-Ready; a few lessons are listed while still in
progress, without a completion date (digital_activity excludes them, with that
reason). Student ID is the SIS id.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.generate.files import copy_to
from loaders.sources.iready import (
    COMPREHENSIVE_LESSON_ACTIVITY_HEADER,
    DIAGNOSTIC_ELA_HEADER,
    DIAGNOSTIC_MATH_HEADER,
)
from loaders.sql import list_literal, quote_ident

SUBJECTS = {
    "ela": ("Reading", "CA-ELA", ("Phonics", "Vocabulary", "Comprehension")),
    "math": (
        "Math",
        "CA-MATH",
        ("Number and Operations", "Algebra and Algebraic Thinking", "Geometry"),
    ),
}
REPORT = "comprehensive_student_lesson_activity_with_standards"
DIAGNOSTICS = {"ela": DIAGNOSTIC_ELA_HEADER, "math": DIAGNOSTIC_MATH_HEADER}


def write(conn: duckdb.DuckDBPyConnection, landing_dir: Path) -> dict[str, int]:
    """Write i-Ready's reports below <landing>/iready/; return row counts."""
    root = landing_dir / "iready"
    _lessons(conn)
    _diagnostics(conn)
    columns = ", ".join(
        quote_ident(name) for name in COMPREHENSIVE_LESSON_ACTIVITY_HEADER
    )
    weeks = [
        week
        for (week,) in conn.execute(
            "select distinct week_file from iready_lessons order by 1"
        ).fetchall()
    ]
    for subject in SUBJECTS:
        for week in weeks:
            copy_to(
                conn,
                f"select {columns} from iready_lessons "
                f"where subject_key = '{subject}' and week_file = '{week}' "
                "order by lesson_day, student_idx",
                root / f"{REPORT}_{subject}" / f"{week}.csv",
                "csv",
            )
    first_day = conn.execute(
        "select min(day) from calendar "
        "where year_idx = (select max(year_idx) from calendar)"
    ).fetchone()[0]
    for subject, header in (
        ("ela", DIAGNOSTIC_ELA_HEADER),
        ("math", DIAGNOSTIC_MATH_HEADER),
    ):
        columns = ", ".join(quote_ident(name) for name in header)
        copy_to(
            conn,
            f"select {columns} from iready_diagnostics_{subject} order by student_idx",
            root / f"diagnostic_results_{subject}" / f"{first_day:%Y-%m-%d}.csv",
            "csv",
        )
    counts = {
        f"{REPORT}_{subject}": conn.execute(
            f"select count(*) from iready_lessons where subject_key = '{subject}'"
        ).fetchone()[0]
        for subject in SUBJECTS
    }
    for subject in ("ela", "math"):
        counts[f"diagnostic_results_{subject}"] = conn.execute(
            f"select count(*) from iready_diagnostics_{subject}"
        ).fetchone()[0]
    return counts


def _subjects_sql() -> str:
    rows = []
    for n, (key, (name, standards, domains)) in enumerate(SUBJECTS.items()):
        domain_list = list_literal(domains)
        rows.append(f"({n}, '{key}', '{name}', '{standards}', {domain_list})")
    return "(values " + ", ".join(rows) + ")"


def _lessons(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        f"""
        create or replace temp table iready_lessons as
        with users as (
            select students.*, schools.school_name
            from students
            inner join schools on students.school_idx = schools.school_idx
            where p_digital > 0 and uniform(student_idx, 121) < 0.85
        ),

        school_days as (
            select
                user_days.idx as student_idx,
                user_days.day,
                user_days.day_idx,
                user_days.p_digital,
                calendar.school_year,
                enrollments.grade as year_grade,
                strftime(date_trunc('week', user_days.day), '%Y-%m-%d') as week_file
            from user_days
            inner join calendar on user_days.day_idx = calendar.day_idx
            inner join enrollments
                on user_days.idx = enrollments.student_idx
                and calendar.year_idx = enrollments.year_idx
            where user_days.kind = 0 and user_days.is_school_day
        ),

        subjects as (
            select *
            from {_subjects_sql()} as subjects(
                subject_no, subject_key, subject_name, standards, domains
            )
        ),

        done as (
            select
                users.*,
                school_days.day as lesson_day,
                school_days.day_idx,
                school_days.week_file,
                school_days.school_year,
                school_days.year_grade,
                subjects.*,
                uniform(users.student_idx, school_days.day_idx, 123,
                    subjects.subject_no) as u_lesson,
                uniform(users.student_idx, school_days.day_idx, 124,
                    subjects.subject_no) as u_score
            from users
            inner join school_days on users.student_idx = school_days.student_idx
            cross join subjects
            where
                uniform(
                    users.student_idx, school_days.day_idx, 122, subjects.subject_no
                ) < 0.3 * school_days.p_digital
        ),

        lessons as (
            select
                *,
                domains[cast(floor(u_lesson * 3) as integer) + 1] as domain,
                cast(floor(u_lesson * 40) as integer) as lesson_no,
                40 + cast(floor(u_score * 61) as integer) as score,
                u_score < 0.005 as is_in_progress
            from done
        )

        select
            student_idx,
            subject_key,
            week_file,
            lesson_day,
            surname as "Last Name",
            given_name as "First Name",
            sis_id as "Student ID",
            cast(year_grade as varchar) as "Student Grade",
            (school_year - 1) || '-' || school_year as "Academic Year",
            school_name as "School",
            subject_name as "Subject",
            domain as "Domain",
            cast(year_grade - 1 + cast(floor(u_lesson * 2) as integer) as varchar)
                as "Lesson Grade",
            ['Early', 'Mid', 'Late'][lesson_no % 3 + 1] as "Lesson Level",
            'DI.' || upper(subject_key) || '.' || upper(left(domain, 2)) || '.'
                || year_grade || '.' || (1000 + lesson_no * 10) as "Lesson ID",
            domain || ': Lesson ' || (lesson_no + 1) as "Lesson Name",
            'Practice ' || lower(domain) || ' at grade ' || year_grade || '.'
                as "Lesson Objective",
            case when not is_in_progress then strftime(lesson_day, '%m/%d/%Y') end
                as "Completion Date",
            cast(5 + cast(floor(u_score * 1000) as integer) % 41 as varchar)
                as "Total Time on Lesson (min)",
            case when not is_in_progress then cast(score as varchar) end as "Score",
            case
                when is_in_progress then null
                when score >= 67 then 'Passed'
                else 'Not Passed'
            end as "Passed or Not Passed",
            case when lesson_no % 11 = 0 then 'Y' else 'N' end
                as "Teacher-Assigned Lesson",
            standards as "State Standards",
            'Direct' as "Type of Standard",
            upper(left(domain, 2)) || '.' || year_grade || '.' || (lesson_no % 9 + 1)
                as "Standard Code",
            'Standard ' || (lesson_no % 9 + 1) || ' of ' || domain || ', grade '
                || year_grade || '.' as "Standard Text"
        from lessons
        """
    )


def _diagnostics(conn: duckdb.DuckDBPyConnection) -> None:
    """One fall diagnostic per i-Ready student and subject, on an early school day of
    the latest school year."""
    for subject, header in (
        ("ela", DIAGNOSTIC_ELA_HEADER),
        ("math", DIAGNOSTIC_MATH_HEADER),
    ):
        salt = 170 if subject == "ela" else 180
        unit = "L" if subject == "ela" else "Q"  # Lexile or Quantile
        known = {
            "Last Name": "surname",
            "First Name": "given_name",
            "Student ID": "sis_id",
            "Student Grade": "cast(grade as varchar)",
            "Academic Year": "(school_year - 1) || '-' || school_year",
            "School": "school_name",
            "Start Date": "strftime(diagnostic_day, '%m/%d/%Y')",
            "Completion Date": "strftime(diagnostic_day, '%m/%d/%Y')",
            "Diagnostic used to establish Growth Measures (Y/N)": "'Y'",
            "Most Recent Diagnostic (Y/N)": "'Y'",
            "Duration (min)": "cast(30 + score % 60 as varchar)",
            "Rush Flag": "cast(null as varchar)",
            "Overall Scale Score": "cast(score as varchar)",
            "Percentile": "cast(1 + score % 99 as varchar)",
            "Grouping": "cast(1 + score % 5 as varchar)",
            "Diagnostic Language": "'English'",
        }
        columns = []
        for name in header:
            if name in known:
                expression = known[name]
            elif name.endswith("Scale Score") or name.endswith("Growth Measure"):
                expression = "cast(score - 20 + score % 41 as varchar)"
            elif name.endswith("Relative Placement"):
                expression = (
                    "case when score >= 540 then 'Mid or Above Grade Level' "
                    "else '1 Grade Level Below' end"
                )
            elif name.endswith("Placement"):
                expression = "'Early ' || grade"
            elif name.endswith("Measure"):
                expression = f"score + 300 || '{unit}'"
            elif name.endswith("Range"):
                expression = f"score + 250 || '{unit}-' || (score + 400) || '{unit}'"
            else:
                expression = "'Not Provided'"
            columns.append(f'{expression} as "{name}"')
        conn.execute(
            f"""
            create or replace temp table iready_diagnostics_{subject} as
            with takers as (
                select
                    students.student_idx,
                    students.sis_id,
                    students.given_name,
                    students.surname,
                    students.grade,
                    schools.school_name,
                    (select max(school_year) from calendar) as school_year,
                    (
                        select min(day) from calendar
                        where is_school_day
                            and year_idx = (select max(year_idx) from calendar)
                    )
                        + cast(floor(uniform(students.student_idx, {salt}) * 5)
                            as integer) as diagnostic_day,
                    420 + cast(floor(uniform(students.student_idx, {salt + 1}) * 200)
                        as integer) as score
                from students
                inner join schools on students.school_idx = schools.school_idx
                where
                    students.p_digital > 0
                    and uniform(students.student_idx, 121) < 0.85
            )

            select student_idx, {", ".join(columns)}
            from takers
            """
        )
