"""The report's data access: the published serving.duckdb, read-only, and every query
the sections ask of it.

The report opens the file the way a BI tool does (read-only) and reads only the
published tables. Each query is one function returning plain rows (dicts), grouped
below by the section that draws them; whether a table is published is asked with
`Serving.has`, so a section can leave out what is not there (yet).

Suppression. The finest groups the report embeds are the published rollup rows (a
school, grade and week; a Clever school) and the groups it counts itself from the
student-level tables (a school and grade). A group of fewer than
`small_cell_min_students` students is suppressed: its measures are returned as None
(the published rows already hold NULL), so the page never holds them, and the page
only ever adds up groups that are not suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from loaders.settings import PROJECT_DIR
from loaders.sql import literal

HYBRID = "sqls3_hybrid_engagement"
CLEVER = "sqls2_clever"
QUALITY = "sqls2_quality"
SMALL_CELL_VAR = "small_cell_min_students"

# The in-person target the report draws (the usual 90 % attendance goal); the
# chronic-absence threshold is the build's own (`Settings`).
TARGET_RATE = 0.90


class ReportError(Exception):
    """The report could not be written; the message says why."""


class Serving:
    """Read-only access to the published file's tables, and when it was published."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, published_at: datetime) -> None:
        self.conn = conn
        self.published_at = published_at
        self.tables = {
            (schema, table): comment or ""
            for schema, table, comment in conn.execute(
                "select schema_name, table_name, comment from duckdb_tables() "
                "where database_name = current_database()"
            ).fetchall()
        }
        self.column_comments = {
            (schema, table, column): comment or ""
            for schema, table, column, comment in conn.execute(
                "select schema_name, table_name, column_name, comment "
                "from duckdb_columns() where database_name = current_database()"
            ).fetchall()
        }

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".", 1)
        return (schema, table) in self.tables

    def comment(self, qualified: str, column: str | None = None) -> str:
        schema, table = qualified.split(".", 1)
        if column is None:
            return self.tables.get((schema, table), "")
        return self.column_comments.get((schema, table, column), "")

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def small_cell_min_students(self) -> int:
        """The threshold the published views were built with: their descriptions
        (published as table comments) state it; else the project's default."""
        for (schema, _), comment in sorted(self.tables.items()):
            if not schema.startswith(("sqls2_", "sqls3_")):
                continue
            found = re.search(r"fewer than (\d+) students", comment)
            if found:
                return int(found.group(1))
        return project_var_default(SMALL_CELL_VAR)


@contextmanager
def open_serving(serving_db: Path) -> Iterator[Serving]:
    """The published file, read-only, and when it was published (its mtime);
    ReportError when nothing is published yet."""
    if not serving_db.exists():
        raise ReportError(
            f"nothing published yet: {serving_db} does not exist. Run "
            "`hybrid-engagement pipeline` (or `publish`) first."
        )
    published_at = datetime.fromtimestamp(serving_db.stat().st_mtime, UTC)
    with duckdb.connect(str(serving_db), read_only=True) as conn:
        yield Serving(conn, published_at)


def project_var_default(name: str) -> float:
    """A dbt var's value in dbt_project.yml (the default a build uses)."""
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    found = re.search(rf"^\s*{name}:\s*([\d.]+)", text, re.MULTILINE)
    if not found:
        raise ReportError(f"dbt_project.yml has no {name} var")
    value = float(found.group(1))
    return int(value) if value.is_integer() else value


# -- the build's settings, as the published descriptions state them --------------------


@dataclass(frozen=True)
class Settings:
    """The definitions' settings of the build that was published."""

    minimum: int  # small_cell_min_students
    chronic_threshold: float
    chronic_min_days: int
    drop_recent_weeks: int | None
    drop_previous_weeks: int | None
    drop_min_points: int | None
    drop_min_days: int | None
    target: float = TARGET_RATE


def settings(serving: Serving) -> Settings:
    chronic = re.search(
        r"threshold ([\d.]+), minimum (\d+) school days",
        serving.comment(STUDENT_ENGAGEMENT, "is_chronically_absent"),
    )
    drop = re.search(
        r"last (\d+) school weeks fell by at least (\d+) points against the (\d+) "
        r"school weeks before them, with at least (\d+) school days",
        serving.comment(DROP_VIEW),
    )
    recent, points, previous, days = (
        (int(value) for value in drop.groups()) if drop else (None,) * 4
    )
    return Settings(
        minimum=serving.small_cell_min_students(),
        chronic_threshold=(
            float(chronic.group(1))
            if chronic
            else project_var_default("chronic_absence_threshold")
        ),
        chronic_min_days=(
            int(chronic.group(2))
            if chronic
            else int(project_var_default("chronic_absence_min_school_days"))
        ),
        drop_recent_weeks=recent,
        drop_previous_weeks=previous,
        drop_min_points=points,
        drop_min_days=days,
    )


# -- data quality ----------------------------------------------------------------------

QUALITY_TABLES = (f"{QUALITY}.delivery_findings", f"{QUALITY}.source_status")
SOURCE_STATUS = f"{QUALITY}.source_status"
QUALITY_FINDINGS_SHOWN = 50


def silent_sources(serving: Serving) -> list[dict[str, Any]]:
    """The sources whose status is a finding (e.g. silent), by name."""
    return serving.rows(
        f"select source, last_delivered_at, finding from {SOURCE_STATUS} "
        "where finding is not null order by source"
    )


def source_status(serving: Serving) -> list[dict[str, Any]]:
    """Every source and its last delivery (for "About this report")."""
    return serving.rows(
        "select source, strftime(last_delivered_at, '%Y-%m-%d %H:%M') "
        f"as last_delivered_at, files_in_use from {SOURCE_STATUS} "
        "order by source"
    )


def delivery_findings(serving: Serving) -> list[dict[str, Any]]:
    """The findings of the newest files, at most QUALITY_FINDINGS_SHOWN rows."""
    return serving.rows(
        "select file_path, version_number, delivery_status, finding_kind, rule, "
        f"rows_affected, first_lines from {QUALITY}.delivery_findings "
        "order by file_path desc, finding_kind, rule "
        f"limit {QUALITY_FINDINGS_SHOWN}"
    )


# -- hybrid engagement -----------------------------------------------------------------

STUDENT_ENGAGEMENT = f"{HYBRID}.student_engagement"
ENGAGEMENT_BY_WEEK = f"{HYBRID}.engagement_by_school_grade_week"
DROP_VIEW = f"{HYBRID}.engagement_drop"
DIGITAL_ACTIVITY = "sqls2_digital_activity.digital_activity"
ATTENDANCE = "sqls2_contoso_sis.studentattendance_pseudo"
HYBRID_TABLES = (ENGAGEMENT_BY_WEEK, STUDENT_ENGAGEMENT, DROP_VIEW)
SOURCE_TABLES = (DIGITAL_ACTIVITY, ATTENDANCE, STUDENT_ENGAGEMENT, ENGAGEMENT_BY_WEEK)

WEEK_MEASURES = (
    "in_person_and_digital_days",
    "in_person_only_days",
    "digital_only_days",
    "not_engaged_days",
)

# digital_activity's event_object -> the source as a reader knows it.
SOURCE_FAMILIES = (
    ("Clever_", "Clever"),
    ("MS_Insights", "Insights"),
    ("iReady_", "i-Ready"),
    ("MS_GraphAPI_", "Microsoft Graph"),
)


def week_cells(serving: Serving) -> list[dict[str, Any]]:
    """engagement_by_school_grade_week: school x grade x week, the finest grain of
    the engagement categories; a suppressed row's measures are None."""
    measures = ", ".join(
        f"case when is_suppressed then null else {column} end as {column}"
        for column in WEEK_MEASURES
    )
    return serving.rows(
        "select school_id, school_name, grade, school_year, week_start, students, "
        f"school_days, "
        f"is_suppressed, {measures} from {ENGAGEMENT_BY_WEEK} "
        "order by school_name, school_id, grade, week_start"
    )


def student_cells(serving: Serving, config: Settings) -> list[dict[str, Any]]:
    """Per school and grade, from the student-level table: students; of those with
    at least the chronic-absence minimum of school days (eligible), the chronically
    absent and those at or above the in-person target. A group of fewer than the
    minimum students keeps only its keys and its student count."""
    eligible = f"school_days >= {int(config.chronic_min_days)}"
    rows = serving.rows(
        f"""
        select
            school_id,
            school_name,
            grade,
            count(*) as students,
            count(*) filter (where {eligible}) as eligible,
            count(*) filter (where is_chronically_absent) as chronically_absent,
            count(*) filter (
                where {eligible}
                and present_days * 100 >= {round(config.target * 100)} * school_days
            ) as at_target
        from {STUDENT_ENGAGEMENT}
        group by school_id, school_name, grade
        order by school_name, school_id, grade
        """
    )
    return [_suppress(row, config.minimum, ("students",)) for row in rows]


def drop_cells(serving: Serving, config: Settings) -> list[dict[str, Any]]:
    """Students on the engagement-drop list per school and grade, by what dropped
    (in person, digital, both). Only groups (school and grade, in the school year
    of the list) of at least the minimum students: a smaller group's row is left
    out entirely, since even its existence would say that one of its few students
    is on the list."""
    return serving.rows(
        f"""
        with sizes as (
            select school_id, grade, school_year, count(*) as students
            from {STUDENT_ENGAGEMENT}
            group by school_id, grade, school_year
        ),
        flagged as (
            select
                school_id,
                any_value(school_name) as school_name,
                grade,
                school_year,
                count(*) as flagged,
                count(*) filter (where dropped_channel = 'in_person') as in_person,
                count(*) filter (where dropped_channel = 'digital') as digital,
                count(*) filter (where dropped_channel = 'both') as both_channels
            from {DROP_VIEW}
            group by school_id, grade, school_year
        )
        select flagged.*, sizes.students
        from flagged
        inner join sizes
            on flagged.school_id is not distinct from sizes.school_id
            and flagged.grade is not distinct from sizes.grade
            and flagged.school_year = sizes.school_year
        where sizes.students >= {int(config.minimum)}
        order by flagged.school_name, flagged.school_id, flagged.grade
        """
    )


def source_cells(serving: Serving) -> list[dict[str, Any]]:
    """Students active in each source per school, grade and week: distinct students
    of the group with a school day that week and at least one digital_activity row
    that week showing use (`..._metric_used` true or an access count above zero).
    Only for the weeks' groups that are not suppressed; their `students` is the
    denominator. A student counts with the school and grade of the week's school
    year (student_engagement has one row per student and school year)."""
    family = "case " + " ".join(
        f"when event_object like {literal(prefix + '%')} then {literal(name)}"
        for prefix, name in SOURCE_FAMILIES
    )
    family += " else event_object end"
    return serving.rows(
        f"""
        with used as (
            select distinct
                event_actor as student_id_pseudonym,
                {family} as source,
                cast(date_trunc('week', "event_eventTime") as date) as week_start
            from {DIGITAL_ACTIVITY}
            where
                event_actor is not null
                and (
                    coalesce("generated_aggregateMeasure_metric_used", false)
                    or coalesce("generated_aggregateMeasure_metric_numAccess", 0) > 0
                )
        ),
        school_weeks as (
            select distinct
                student_id_pseudonym,
                cast(date_trunc('week', attendance_date) as date) as week_start
            from {ATTENDANCE}
        ),
        students as (
            select student_id_pseudonym, school_year, school_id, grade
            from {STUDENT_ENGAGEMENT}
        ),
        active as (
            select
                students.school_id,
                students.grade,
                students.school_year,
                used.week_start,
                used.source,
                count(*) as active
            from used
            inner join school_weeks
                on used.student_id_pseudonym = school_weeks.student_id_pseudonym
                and used.week_start = school_weeks.week_start
            inner join students
                on used.student_id_pseudonym = students.student_id_pseudonym
            group by
                students.school_id,
                students.grade,
                students.school_year,
                used.week_start,
                used.source
        )
        select active.*, weeks.students
        from active
        inner join {ENGAGEMENT_BY_WEEK} as weeks
            on active.school_id is not distinct from weeks.school_id
            and active.grade is not distinct from weeks.grade
            and active.week_start = weeks.week_start
            and active.school_year = weeks.school_year
        where not weeks.is_suppressed
        order by active.school_id, active.grade, active.week_start, active.source
        """
    )


def _suppress(
    row: dict[str, Any], minimum: int, kept: tuple[str, ...]
) -> dict[str, Any]:
    """The row, with every measure but `kept` None when it describes fewer than
    `minimum` students."""
    suppressed = row["students"] < minimum
    keys = ("school_id", "school_name", "grade", *kept)
    return {
        column: value if (not suppressed or column in keys) else None
        for column, value in row.items()
    } | {"is_suppressed": suppressed}


# -- equity breakdowns and absence types ----------------------------------------------

SUBGROUP_VIEW = f"{HYBRID}.engagement_by_subgroup"
ENGAGEMENT_BY_SCHOOL = f"{HYBRID}.engagement_by_school"
EQUITY_TABLES = (SUBGROUP_VIEW, ENGAGEMENT_BY_SCHOOL)


def subgroup_cells(serving: Serving) -> list[dict[str, Any]]:
    """engagement_by_subgroup as published: one cell per school year, scope
    (`district`, `school`), school, subgroup and category. A suppressed cell (too
    few students, or complementary: suppressed with one) holds NULL in every
    figure, its student count too; the report never derives one."""
    return serving.rows(
        "select school_year, scope, school_id, school_name, subgroup, "
        "subgroup_value, students, chronically_absent_students, school_days, "
        "in_person_rate, digital_rate, hybrid_rate, absence_rate, "
        "excused_absence_days, unexcused_absence_days, is_suppressed "
        f"from {SUBGROUP_VIEW} "
        "order by school_year, scope, school_name, school_id, subgroup, "
        "subgroup_value"
    )


def absence_cells(serving: Serving) -> list[dict[str, Any]]:
    """engagement_by_school's attendance types per school and school year; a
    suppressed school's figures are NULL (its students and school days stay)."""
    return serving.rows(
        "select school_year, school_id, school_name, students, school_days, "
        "excused_absence_days, unexcused_absence_days, tardy_days, partial_days, "
        "unrecorded_days, absence_days, absence_rate, is_suppressed "
        f"from {ENGAGEMENT_BY_SCHOOL} "
        "order by school_year, school_name, school_id"
    )


# -- Clever app usage ------------------------------------------------------------------

CLEVER_USAGE_BY_SCHOOL = f"{CLEVER}.clever_usage_by_school"
CLEVER_TOP_BY_SCHOOL = f"{CLEVER}.clever_top_resources_by_school"
CLEVER_DAILY_USAGE = f"{CLEVER}.clever_daily_usage"
CLEVER_TOP_RESOURCES = f"{CLEVER}.clever_top_resources"
CLEVER_TABLES = (
    CLEVER_USAGE_BY_SCHOOL,
    CLEVER_TOP_BY_SCHOOL,
    CLEVER_DAILY_USAGE,
    CLEVER_TOP_RESOURCES,
)
TOP_RESOURCES_SHOWN = 10


def clever_usage_by_school(serving: Serving) -> list[dict[str, Any]]:
    return serving.rows(
        f"select * from {CLEVER_USAGE_BY_SCHOOL} order by school_name, clever_school_id"
    )


def clever_top_by_school(serving: Serving) -> list[dict[str, Any]]:
    return serving.rows(
        f"select * from {CLEVER_TOP_BY_SCHOOL} "
        "order by school_name, clever_school_id, resource_rank"
    )


def clever_daily_usage(serving: Serving) -> list[dict[str, Any]]:
    return serving.rows(f"select * from {CLEVER_DAILY_USAGE} order by usage_date")


def clever_top_resources(serving: Serving) -> list[dict[str, Any]]:
    """The TOP_RESOURCES_SHOWN resources with the most accesses."""
    return serving.rows(
        f"select * from {CLEVER_TOP_RESOURCES} "
        f"where resource_rank <= {TOP_RESOURCES_SHOWN} order by resource_rank"
    )
