"""Microsoft Graph reports for the sample district, as the Graph API returns them:
JSON pages, one `{"value": [...]}` object per line.

    graph/Users/<first day>/part-00000.json                      every account
    graph/M365_App_User_Detail/<refresh day>/part-00000.json     weekly, period 7
    graph/Teams_Activity_User_Detail/<refresh day>/part-00000.json

Reports refresh every Sunday (or on the last day, if the term has none) and cover
every licensed user (students while enrolled), active or not, with the last
weekday of use as lastActivityDate, including a few guest accounts that users
does not list (they stay unmatched). users.id is the SIS id; the reports name users
by userPrincipalName, never concealed here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from loaders.generate.files import copy_to

# (app flag, share of digitally active users who use it in a week)
APPS = (
    ("excel", 0.3), ("oneNote", 0.4), ("outlook", 0.6),
    ("powerPoint", 0.5), ("teams", 0.9), ("word", 0.7),
)  # fmt: skip
PLATFORMS = (("Mac", 0.15), ("Mobile", 0.35), ("Web", 0.6), ("Windows", 0.7))
PAGE_SIZE = 50


def write(conn: duckdb.DuckDBPyConnection, landing_dir: Path) -> dict[str, int]:
    """Write users and both reports below <landing>/graph/; return record counts."""
    root = landing_dir / "graph"
    _weeks(conn)
    _users(conn)
    _m365(conn)
    _teams(conn)
    first_day = conn.execute("select min(day) from calendar").fetchone()[0]
    copy_to(
        conn,
        _pages("graph_users", "true"),
        root / "Users" / f"{first_day:%Y-%m-%d}" / "part-00000.json",
        "json",
    )
    refreshes = [
        day
        for (day,) in conn.execute("select day from graph_weeks order by 1").fetchall()
    ]
    for table, folder in (
        ("graph_m365", "M365_App_User_Detail"),
        ("graph_teams", "Teams_Activity_User_Detail"),
    ):
        for day in refreshes:
            copy_to(
                conn,
                _pages(table, f"refresh_day = '{day}'"),
                root / folder / f"{day:%Y-%m-%d}" / "part-00000.json",
                "json",
            )
    return {
        "users": _count(conn, "graph_users"),
        "m365_app_user_detail": _count(conn, "graph_m365"),
        "teams_activity_user_detail": _count(conn, "graph_teams"),
    }


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def _pages(table: str, where: str) -> str:
    """One row per page: `value`, the page's records in order."""
    return f"""
        with numbered as (
            select
                record,
                row_number() over (order by user_order) - 1 as position
            from {table}
            where {where}
        )

        select list(record order by position) as value
        from numbered
        group by position // {PAGE_SIZE}
        order by position // {PAGE_SIZE}
    """


def _users(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        """
        create or replace temp table graph_accounts as
        select 0 as kind, student_idx as idx, sis_id, user_principal_name,
            given_name, surname
        from students
        union all
        select 1, teacher_idx, sis_id, user_principal_name, given_name, surname
        from teachers
        union all
        select 3, idx, null, 'guest' || idx || '@partner.org', 'Guest', 'User'
        from range(greatest((select count(*) from students) // 200, 1)) as guests(idx)
        """
    )
    # each account's weeks: students' within their enrollment, with their chance of
    # use that week; teachers' every week; guests' every week at one in two
    conn.execute(
        """
        create or replace temp table graph_account_weeks as
        select
            graph_accounts.*,
            graph_weeks.day as refresh_day,
            graph_weeks.week_idx,
            coalesce(user_days.p_digital, 0.5) as p_digital
        from graph_accounts
        cross join graph_weeks
        left join user_days
            on graph_accounts.kind = user_days.kind
            and graph_accounts.idx = user_days.idx
            and graph_weeks.day = user_days.day
        where graph_accounts.kind = 3 or user_days.idx is not null
        """
    )
    conn.execute(
        """
        create or replace temp table graph_users as
        select
            kind * 10000000 + idx as user_order,
            {
                'surname': surname,
                'givenName': given_name,
                'userPrincipalName': user_principal_name,
                'id': sis_id
            } as record
        from graph_accounts
        where kind < 2
        """
    )


def _weeks(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        """
        create or replace temp table graph_weeks as
        select day, row_number() over (order by day) as week_idx
        from calendar
        where isodow(day) = 7
        union all
        select max(day), 1
        from calendar
        having count(*) filter (where isodow(day) = 7) = 0
        """
    )


def _m365(conn: duckdb.DuckDBPyConnection) -> None:
    used = {
        app: f"(is_active and uniform(idx, week_idx, {113 + n}, kind) < {share})"
        for n, (app, share) in enumerate(APPS)
    }
    platform = {
        name: f"(any_used and uniform(idx, week_idx, {131 + n}, kind) < {share})"
        for n, (name, share) in enumerate(PLATFORMS)
    }
    flags = {app: f"used_{app}" for app in used}
    flags |= {name.lower(): f"on_{name.lower()}" for name in platform}
    flags |= {
        f"{app}{name}": f"(used_{app} and on_{name.lower()})"
        for app in used
        for name, _ in PLATFORMS
    }
    flags["reportPeriod"] = "'7'"
    details = ", ".join(f"'{key}': {flags[key]}" for key in sorted(flags))
    conn.execute(
        f"""
        create or replace temp table graph_m365 as
        with weekly as (
            select
                *,
                uniform(idx, week_idx, 111, kind) < p_digital as is_active
            from graph_account_weeks
        ),

        apps as (
            select
                *,
                {", ".join(f"{rule} as used_{app}" for app, rule in used.items())}
            from weekly
        ),

        platforms as (
            select
                *,
                {" or ".join(f"used_{app}" for app in used)} as any_used
            from apps
        ),

        flagged as (
            select
                *,
                {
            ", ".join(f"{rule} as on_{name.lower()}" for name, rule in platform.items())
        }
            from platforms
        )

        select
            refresh_day,
            kind * 10000000 + idx as user_order,
            {{
                'details': [{{{details}}}],
                'lastActivationDate': strftime(refresh_day - 30, '%Y-%m-%d'),
                'lastActivityDate': case when any_used
                    then strftime(refresh_day - 2
                        - cast(floor(uniform(idx, week_idx, 141, kind) * 5) as integer),
                        '%Y-%m-%d') end,
                'reportRefreshDate': strftime(refresh_day, '%Y-%m-%d'),
                'userPrincipalName': user_principal_name
            }} as record
        from flagged
        """
    )


def _teams(conn: duckdb.DuckDBPyConnection) -> None:
    def count(salt: int, most: int) -> str:
        return (
            f"case when is_active then cast(floor(pow(uniform(idx, week_idx, {salt}, "
            f"kind), 2) * {most + 1}) as integer) else 0 end"
        )

    def duration(salt: int, most_seconds: int) -> str:
        seconds = (
            f"case when is_active then cast(floor(uniform(idx, week_idx, {salt}, "
            f"kind) * {most_seconds}) as integer) else 0 end"
        )
        return f"iso_duration({seconds})"

    conn.execute(
        """
        create or replace temp macro iso_duration(seconds) as
        case when seconds = 0 then 'PT0S' else
            'PT'
            || case when seconds >= 3600 then (seconds // 3600) || 'H' else '' end
            || case when seconds % 3600 >= 60
                then (seconds % 3600 // 60) || 'M' else '' end
            || case when seconds % 60 > 0 then (seconds % 60) || 'S' else '' end
        end
        """
    )
    conn.execute(
        f"""
        create or replace temp table graph_teams as
        with weekly as (
            select
                *,
                uniform(idx, week_idx, 151, kind) < p_digital * 0.9 as is_active
            from graph_account_weeks
        )

        select
            refresh_day,
            kind * 10000000 + idx as user_order,
            {{
                'adHocMeetingsAttendedCount': {count(152, 3)},
                'adHocMeetingsOrganizedCount': {count(153, 1)},
                'assignedProducts': ['OFFICE 365 A1 FOR STUDENTS'],
                'audioDuration': {duration(154, 1800)},
                'callCount': {count(155, 6)},
                'deletedDate': '',
                'hasOtherAction': false,
                'isDeleted': false,
                'isLicensed': true,
                'lastActivityDate': case when is_active
                    then strftime(refresh_day - 2
                        - cast(floor(uniform(idx, week_idx, 142, kind) * 5) as integer),
                        '%Y-%m-%d') end,
                'meetingCount': {count(156, 8)},
                'meetingsAttendedCount': {count(157, 10)},
                'meetingsOrganizedCount': {count(158, 2)},
                'privateChatMessageCount': {count(159, 30)},
                'reportPeriod': '7',
                'reportRefreshDate': strftime(refresh_day, '%Y-%m-%d'),
                'scheduledOneTimeMeetingsAttendedCount': {count(160, 4)},
                'scheduledOneTimeMeetingsOrganizedCount': {count(161, 1)},
                'scheduledRecurringMeetingsAttendedCount': {count(162, 5)},
                'scheduledRecurringMeetingsOrganizedCount': {count(163, 1)},
                'screenShareDuration': {duration(164, 900)},
                'teamChatMessageCount': {count(165, 20)},
                'userPrincipalName': user_principal_name,
                'videoDuration': {duration(166, 5400)}
            }} as record
        from weekly
        """
    )
