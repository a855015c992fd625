"""Clever Participation Reports for the sample district, as Clever's SFTP delivers them.

One file per report, user type and calendar day (weekends included: Clever reports
every day), flat in the report folder, with Clever's columns and value styles
(`True`/`False`; staff files name the id `staff_id`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.sources.clever import (
    DAILY_PARTICIPATION_HEADER,
    RESOURCE_USAGE_HEADER,
    USER_TYPES,
    header_for,
)
from loaders.sql import list_literal

# (resource_type, resource_name); popularity falls with the position in the list.
RESOURCES = (
    ("app", "Big Ideas Math"), ("app", "Khan Academy"), ("app", "i-Ready"),
    ("app", "Newsela"), ("app", "Quizlet"), ("app", "Desmos"), ("app", "Kahoot!"),
    ("app", "Google Classroom"), ("app", "Microsoft Teams"), ("app", "BrainPOP"),
    ("app", "Edpuzzle"), ("app", "Nearpod"),
    ("clever-district-added", "Library Catalog"),
    ("clever-district-added", "Student Email"), ("district-link", "Lunch Menu"),
    ("district-link", "Bell Schedule"), ("teacher-link", "Class Syllabus"),
    ("teacher-link", "Homework Padlet"), ("clever-teacher-added", "Flashcards Plus"),
    ("clever-teacher-added", "Typing Club"),
)  # fmt: skip


def write(conn: duckdb.DuckDBPyConnection, landing_dir: Path) -> dict[str, int]:
    """Write both reports below <landing>/clever/; return row counts per report."""
    root = landing_dir / "clever"
    _participation(conn)
    _resource_usage(conn)
    counts = {}
    for table, folder, header in (
        (
            "clever_daily_participation",
            "daily-participation",
            DAILY_PARTICIPATION_HEADER,
        ),
        ("clever_resource_usage", "resource-usage", RESOURCE_USAGE_HEADER),
    ):
        counts[folder] = _write_files(conn, table, root / folder, folder, header)
    return counts


def _participation(conn: duckdb.DuckDBPyConnection) -> None:
    """Every user every calendar day they are around (students: within their
    enrollment); activity follows the user's propensity that day, lower on
    weekends and holidays."""
    conn.execute(
        """
        create or replace temp table clever_daily_participation as
        with users as (
            select 'students' as user_type, 0 as kind, student_idx as idx, sis_id,
                clever_user_id, school_idx
            from students
            union all
            select 'teachers', 1, teacher_idx, sis_id, clever_user_id, school_idx
            from teachers
            union all
            select 'staff', 2, staff_idx, staff_id, clever_user_id, school_idx
            from staff
        ),

        days as (
            select
                users.*,
                user_days.day_idx,
                user_days.day,
                uniform(users.idx, user_days.day_idx, 31, users.kind)
                    < user_days.p_digital
                    * case when user_days.is_school_day then 1.0 else 0.3 end
                    as is_active,
                uniform(users.idx, user_days.day_idx, 32, users.kind) as u_logins,
                uniform(users.idx, user_days.day_idx, 33, users.kind) as u_resources
            from users
            inner join user_days
                on users.kind = user_days.kind and users.idx = user_days.idx
        ),

        counted as (
            select
                *,
                case when is_active then 1 + cast(floor(u_logins * 9) as integer)
                    else 0 end as num_logins
            from days
        )

        select
            user_type,
            kind,
            idx,
            0 as slot,
            day_idx,
            strftime(counted.day, '%Y-%m-%d') as date,
            counted.sis_id,
            counted.clever_user_id,
            schools.clever_school_id,
            schools.school_name,
            case when is_active then 'True' else 'False' end as active,
            num_logins,
            least(num_logins, 1 + cast(floor(u_resources * 3) as integer))
                * cast(is_active as integer) as num_resources_accessed
        from counted
        inner join schools on counted.school_idx = schools.school_idx
        """
    )


def _resource_usage(conn: duckdb.DuckDBPyConnection) -> None:
    """One row per resource an active user opened that day; popular resources are
    picked more often, and a user-day never lists a resource twice."""
    resources = list_literal(f"{kind}|{name}" for kind, name in RESOURCES)
    n = len(RESOURCES)
    conn.execute(
        f"""
        create or replace temp table clever_resource_usage as
        with opened as (
            select
                participation.user_type,
                participation.kind,
                participation.idx,
                participation.day_idx,
                participation.date,
                participation.sis_id,
                participation.clever_user_id,
                participation.clever_school_id,
                participation.school_name,
                slots.slot,
                cast(floor(pow(uniform(
                    participation.idx, participation.day_idx, 41, participation.kind
                ), 2) * {n}) as integer) as first_pick
            from clever_daily_participation as participation
            cross join range(3) as slots(slot)
            where slots.slot < participation.num_resources_accessed
        ),

        picked as (
            select
                *,
                ({resources})[(first_pick + slot * 7) % {n} + 1] as resource
            from opened
        )

        select
            user_type,
            kind,
            idx,
            slot,
            day_idx,
            date,
            sis_id,
            clever_user_id,
            clever_school_id,
            school_name,
            split_part(resource, '|', 1) as resource_type,
            split_part(resource, '|', 2) as resource_name,
            md5('resource:' || split_part(resource, '|', 2)) as resource_id,
            1 + cast(floor(uniform(idx, day_idx, 42 + slot, kind) * 4) as integer)
                as num_access
        from picked
        """
    )


def _write_files(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    folder: Path,
    report: str,
    header: tuple[str, ...],
) -> int:
    """One CSV per user type and calendar day, named as Clever names them, rows in a
    fixed order so the same seed always gives the same bytes. Clever delivers every
    report every day, with just the header when nobody of a user type did anything.
    Each file is written beside its final name and then renamed into place."""
    folder.mkdir(parents=True, exist_ok=True)
    conn.execute(
        f"create or replace temp table {table}_by_day as "
        f"select * from {table} order by date, user_type, idx, slot"
    )
    days = conn.execute(
        "select strftime(day, '%Y-%m-%d') from calendar order by day"
    ).fetchall()
    for (day,) in days:
        for user_type in USER_TYPES:
            select = ", ".join(
                f"sis_id as {name}" if name == "staff_id" else name
                for name in header_for(header, user_type)
            )
            path = folder / f"{day}-{report}-{user_type}.csv"
            partial = path.with_name(f".{path.name}.part")
            conn.execute(
                f"""
                copy (
                    select {select}
                    from {table}_by_day
                    where date = '{day}' and user_type = '{user_type}'
                    order by idx, slot
                ) to '{partial}' (format csv, header)
                """
            )
            partial.replace(path)
    conn.execute(f"drop table {table}_by_day")
    return conn.execute(f"select count(*) from {table}").fetchone()[0]
