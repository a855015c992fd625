"""The report's sections, one function each: what a section asks the published file
(`queries`), which charts it draws (`charts`), its headline figures and its tables.

A section whose tables are not published (yet) lists them in `missing` and leaves
out the parts that read them; the page shows a note in their place. To add a
section, write a function like the ones below and add it to `write_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loaders.report import queries
from loaders.report.charts import (
    Chart,
    categories_chart,
    clever_by_school_chart,
    daily_chart,
    rates_chart,
    top_by_school_charts,
    top_resources_chart,
    weekly_trend_chart,
)
from loaders.report.formatting import as_count, plain_table
from loaders.report.queries import DROP_VIEW, Serving

# The drop list's page on the docs site (written beside the report by `docs`).
DROP_DOCS_PAGE = (
    "../docs/index.html#!/model/model.hybrid_engagement."
    "sqls3_hybrid_engagement__engagement_drop"
)


@dataclass
class Section:
    section_id: str
    title: str
    intro: str
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    charts: list[Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (title, HTML)


# -- data quality ----------------------------------------------------------------------


def quality_section(serving: Serving) -> Section:
    """The deliveries' findings (sqls2_quality): silent sources first, then the
    newest files with rejected or flagged lines, each rule with its first lines.
    Shown first when there is anything to see."""
    section = Section(
        "quality",
        "Data quality: findings in the deliveries",
        "Problems of the delivered files, found while loading and building. They do "
        "not stop publication: the lines concerned are left out (rejected) or kept "
        "and flagged, everything else is in the tables above. Nothing here quotes a "
        "delivered value; the data team finds the lines by file and line number.",
    )
    if not all(serving.has(name) for name in queries.QUALITY_TABLES):
        return section
    silent = queries.silent_sources(serving)
    findings = queries.delivery_findings(serving)
    if not (silent or findings):
        return section
    files = {row["file_path"] for row in findings}
    section.figures = [
        ("Sources that look silent", as_count(len(silent))),
        ("Files with findings (newest shown)", as_count(len(files))),
    ]
    if silent:
        section.tables.append(
            (
                "Sources",
                plain_table(
                    ("source", "last delivery", "finding"),
                    silent,
                    ("source", "last_delivered_at", "finding"),
                ),
            )
        )
    section.tables.append(
        (
            "Findings by file (sqls2_quality.delivery_findings)",
            plain_table(
                ("file", "version", "status", "kind", "rule", "lines", "first lines"),
                findings,
                (
                    "file_path",
                    "version_number",
                    "delivery_status",
                    "finding_kind",
                    "rule",
                    "rows_affected",
                    "first_lines",
                ),
            ),
        )
    )
    return section


# -- hybrid engagement -----------------------------------------------------------------


def hybrid_section(serving: Serving, minimum: int) -> Section:
    section = Section(
        "hybrid",
        "Hybrid engagement overview",
        "Each student's school days fall into one of four categories: in person and "
        "digital, in person only, digital only, or not engaged. Counts are "
        "student-days; rates are pooled (days in the category / school days). "
        "<em>In-person rate</em> = present / school days, <em>digital rate</em> = "
        "digitally active / school days, <em>hybrid rate</em> = present or digitally "
        "active / school days.",
    )
    tables = queries.HYBRID_TABLES
    missing = [name for name in tables if not serving.has(name)]
    section.missing = missing
    if len(missing) == len(tables):
        return section
    section.figures += _hybrid_figures(serving)
    for name, label, key in (
        (queries.ENGAGEMENT_BY_SCHOOL, "school", "school_name"),
        (queries.ENGAGEMENT_BY_GRADE, "grade", "grade"),
    ):
        if serving.has(name):
            rows = queries.rollup_rows(serving, name, key)
            section.charts.append(categories_chart(name, label, key, rows, minimum))
            section.charts.append(rates_chart(name, label, key, rows, minimum))
    week = queries.ENGAGEMENT_BY_WEEK
    if serving.has(week):
        rows = queries.weekly_rates(serving, week)
        section.charts.append(weekly_trend_chart(week, rows, minimum))
    return section


def _hybrid_figures(serving: Serving) -> list[tuple[str, str]]:
    figures = []
    if serving.has(queries.STUDENT_ENGAGEMENT):
        total, absent = queries.student_counts(serving)
        figures += [
            ("Students", as_count(total)),
            ("Chronically absent students", as_count(absent)),
        ]
    if serving.has(DROP_VIEW):
        flagged = queries.drop_list_count(serving)
        figures.append(
            (
                "Students on the engagement-drop list",
                f"{flagged:,} (the list: <code>{DROP_VIEW}</code> in "
                f'serving.duckdb; <a href="{DROP_DOCS_PAGE}">its definition</a>)',
            )
        )
    return figures


# -- Clever app usage ------------------------------------------------------------------


def clever_section(serving: Serving, minimum: int) -> Section:
    section = Section(
        "clever",
        "Clever app usage",
        "Students' use of the Clever portal (Clever's daily participation and "
        "resource usage reports, students only). A student-day is a day Clever "
        "reported the student, weekends included; averages are per student-day.",
    )
    section.missing = [name for name in queries.CLEVER_TABLES if not serving.has(name)]
    by_school = queries.CLEVER_USAGE_BY_SCHOOL
    if serving.has(by_school):
        rows = queries.clever_usage_by_school(serving)
        section.charts.append(clever_by_school_chart(by_school, rows, minimum))
    top_by_school = queries.CLEVER_TOP_BY_SCHOOL
    if serving.has(top_by_school):
        rows = queries.clever_top_by_school(serving)
        section.charts += top_by_school_charts(top_by_school, rows, minimum)
    daily = queries.CLEVER_DAILY_USAGE
    if serving.has(daily):
        rows = queries.clever_daily_usage(serving)
        section.charts.append(daily_chart(daily, rows, minimum))
    top = queries.CLEVER_TOP_RESOURCES
    if serving.has(top):
        rows = queries.clever_top_resources(serving)
        section.charts.append(top_resources_chart(top, rows, minimum))
    return section
