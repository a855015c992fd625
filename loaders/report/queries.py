"""The report's data access: the published serving.duckdb, read-only, and every query
the sections ask of it.

The report opens the file the way a BI tool does (read-only) and reads only the
published tables. Each query is one function returning plain rows (dicts), grouped
below by the section that draws them; whether a table is published is asked with
`Serving.has`, so a section can leave out what is not there (yet).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from loaders.settings import PROJECT_DIR

HYBRID = "sqls3_hybrid_engagement"
CLEVER = "sqls2_clever"
QUALITY = "sqls2_quality"
DROP_VIEW = f"{HYBRID}.engagement_drop"
SMALL_CELL_VAR = "small_cell_min_students"


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

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".", 1)
        return (schema, table) in self.tables

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
        return project_small_cell_default()


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


def project_small_cell_default() -> int:
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    found = re.search(rf"^\s*{SMALL_CELL_VAR}:\s*(\d+)", text, re.MULTILINE)
    if not found:
        raise ReportError(f"dbt_project.yml has no {SMALL_CELL_VAR} var")
    return int(found.group(1))


# -- data quality ----------------------------------------------------------------------

QUALITY_TABLES = (f"{QUALITY}.delivery_findings", f"{QUALITY}.source_status")
QUALITY_FINDINGS_SHOWN = 50


def silent_sources(serving: Serving) -> list[dict[str, Any]]:
    """The sources whose status is a finding (e.g. silent), by name."""
    return serving.rows(
        f"select source, last_delivered_at, finding from {QUALITY}.source_status "
        "where finding is not null order by source"
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
ENGAGEMENT_BY_SCHOOL = f"{HYBRID}.engagement_by_school"
ENGAGEMENT_BY_GRADE = f"{HYBRID}.engagement_by_grade"
ENGAGEMENT_BY_WEEK = f"{HYBRID}.engagement_by_school_grade_week"
HYBRID_TABLES = (
    ENGAGEMENT_BY_SCHOOL,
    ENGAGEMENT_BY_GRADE,
    ENGAGEMENT_BY_WEEK,
    STUDENT_ENGAGEMENT,
    DROP_VIEW,
)


def rollup_rows(serving: Serving, name: str, key: str) -> list[dict[str, Any]]:
    """A by-school or by-grade rollup, in the order it is drawn."""
    order = (
        "try_cast(grade as integer) nulls last, grade"
        if key == "grade"
        else "school_name, school_id"
    )
    return serving.rows(f"select * from {name} order by {order}")


def student_counts(serving: Serving) -> tuple[int, int]:
    """Students, and of them the chronically absent."""
    total, absent = serving.conn.execute(
        f"select count(*), count(*) filter (where is_chronically_absent) "
        f"from {STUDENT_ENGAGEMENT}"
    ).fetchone()
    return total, absent


def drop_list_count(serving: Serving) -> int:
    """Students on the engagement-drop list."""
    return serving.conn.execute(f"select count(*) from {DROP_VIEW}").fetchone()[0]


def weekly_rates(serving: Serving, name: str) -> list[dict[str, Any]]:
    """The three rates per week, pooled over the school-grade-week cells that are
    not suppressed; a week with no such cell is suppressed itself."""
    rows = serving.rows(
        f"""
        select
            week_start,
            sum(school_days) filter (where not is_suppressed) as school_days,
            sum(in_person_and_digital_days + in_person_only_days)
                filter (where not is_suppressed) as present_days,
            sum(in_person_and_digital_days + digital_only_days)
                filter (where not is_suppressed) as digital_days,
            sum(school_days - not_engaged_days)
                filter (where not is_suppressed) as engaged_days,
            count(*) filter (where is_suppressed) as suppressed_cells,
            count(*) as cells
        from {name}
        group by week_start
        order by week_start
        """
    )
    for row in rows:
        days = row["school_days"]
        for column, count in (
            ("in_person_rate", "present_days"),
            ("digital_rate", "digital_days"),
            ("hybrid_rate", "engaged_days"),
        ):
            row[column] = row[count] / days if days else None
        row["is_suppressed"] = not days
    return rows


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
