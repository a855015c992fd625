"""The report's sections, one function each: what a section asks the published file
(`queries`), which charts it shows (`charts`), its static text and tables, and the
data it embeds for the browser to draw and filter.

A section whose tables are not published (yet) lists them in `missing` and leaves
out the parts that read them; the page shows a note in their place. To add a
section, write a function like the ones below and add it to `write_report`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from loaders.report import queries
from loaders.report.charts import (
    CLEVER_CHARTS,
    DIGITAL_CHARTS,
    DROP_CHARTS,
    EQUITY_CHARTS,
    HYBRID_CHARTS,
    Chart,
)
from loaders.report.formatting import (
    as_count,
    as_threshold,
    grade_order,
    plain_table,
    suppressed_text,
)
from loaders.report.queries import Serving, Settings


@dataclass
class Section:
    section_id: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (title, HTML)
    figures: list[tuple[str, str]] = field(default_factory=list)  # static tiles
    tiles: bool = False  # the filtered headline figures go here
    html: str = ""  # free text after the intro (About)
    data: dict[str, Any] = field(default_factory=dict)  # embedded for report.js


def _missing(serving: Serving, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not serving.has(name)]


# -- about -----------------------------------------------------------------------------


def about_section(
    serving: Serving, config: Settings, published_at: datetime
) -> Section:
    """OEA's first page: what the report is for, its sources, its definitions, how
    small groups are protected, and when the data was published."""
    threshold = as_threshold(config.chronic_threshold)
    target = as_threshold(config.target)
    minimum = config.minimum
    if config.drop_min_points is not None:
        drop = (
            f"a student's hybrid rate over the last {config.drop_recent_weeks} school "
            f"weeks is at least {config.drop_min_points} points below their rate "
            f"over the {config.drop_previous_weeks} school weeks before, with at "
            f"least {config.drop_min_days} school days in each window"
        )
    else:
        drop = "as defined in the description of the published table"
    sources = (
        queries.source_status(serving) if serving.has(queries.SOURCE_STATUS) else []
    )
    delivered = (
        "<p>Sources in this publication, with their latest delivery:</p>"
        + plain_table(
            ("source", "latest delivery", "files in use"),
            sources,
            ("source", "last_delivered_at", "files_in_use"),
        )
        if sources
        else ""
    )
    published = published_at.strftime("%Y-%m-%d %H:%M UTC")
    text = f"""
<p><strong>Purpose.</strong> How the district's students engage with school, in
person and online, so that principals and district leaders can see which schools,
grades and weeks need attention and act early. It replaces Open Education Analytics'
<em>Hybrid Student Engagement</em> dashboards and <em>Clever Participation
Reports</em> page. It names no student: every figure describes a group.</p>
<p><strong>Sources.</strong> In-person attendance from the student information system;
digital activity from Clever (daily participation and resource usage), Microsoft
Education Insights, i-Ready (completed lessons) and Microsoft Graph (Microsoft 365 and
Teams usage), joined on one student key. {delivered}</p>
<dl class="definitions">
<dt>School day</dt><dd>An instructional day of the student's school (a day the
school recorded attendance for most of its students, less closures) within the
student's enrollment. A school day without a record for the student is missing data,
not a day off.</dd>
<dt>Present in person</dt><dd>At least one of that day's records has a code that
means in person (present, tardy, school activity, partial day; the district's
attendance codes table says which).</dd>
<dt>Absence types</dt><dd>Each code is present, tardy, partial day (with the share
of the day missed), excused or unexcused absence. Absence days are excused and
unexcused days plus the missed share of partial days.</dd>
<dt>Digitally active</dt><dd>At least one activity row that day that shows use:
Clever active or logged in, a Clever resource opened, any Insights signal, a completed
i-Ready lesson, Microsoft 365 or Teams used (Microsoft Graph's reports cover a period:
they count on the user's last activity date).</dd>
<dt>Categories</dt><dd>Each student's school day is <em>in person and digital</em>,
<em>in person only</em>, <em>digital only</em> or <em>not engaged</em>; charts show
each as a share of student-days, so schools of any size compare.</dd>
<dt>Rates</dt><dd><em>In-person rate</em> = present school days / school days;
<em>digital rate</em> = digitally active school days / school days; <em>hybrid
rate</em> = school days present or digitally active / school days; pooled over the
students and days of a group. The target line is {target} in person.</dd>
<dt>Chronically absent</dt><dd>A student who attended less than {threshold} of
their school days in a school year (excused and unexcused absences both count) once
they have at least {config.chronic_min_days} school days; shares are of the students
with at least {config.chronic_min_days} school days. Over every school day of the
year to date, so the date range does not change it.</dd>
<dt>School years</dt><dd>From July to June, named by the year they end in. A student
enrolled in two school years counts once in each: the headline figures count
student-years. The equity charts show one school year: the latest the date range
reaches.</dd>
<dt>Subgroups</dt><dd>Race, primary language, English learner status, special
education and low income, from the student information system. Shown only as
categories of a group: a category of fewer than {minimum} students is suppressed,
and so is the next smallest category beside it, so that no suppressed figure can be
worked out from the others and a total.</dd>
<dt>Engagement drop</dt><dd>The early-warning list: {drop}. The report shows counts
by school and grade and which channel dropped (in person, digital, both); the list of
students is for the data team.</dd>
</dl>
<p><strong>Small groups are protected.</strong> A group of fewer than {minimum}
students is never shown: its rates and counts are suppressed in the published tables
(shown here as "{html.escape(suppressed_text(minimum))}"), and every figure in this
report, under any combination of filters, adds up only groups of at least {minimum}
students. Groups left out are counted under each chart; nothing is estimated from
other numbers. A school's figures here can therefore differ slightly from the
published by-school table, which counts its small grades within the school's
total.</p>
<p><strong>Filters.</strong> School, grade and date range (whole weeks, Monday to
Sunday) change every chart they can: each chart says which apply. The page works
offline and sends nothing anywhere.</p>
<p><strong>Published</strong> {published}. The numbers are those of that publication
of the serving tables; the data team's documentation site describes every table and
column.</p>
"""
    return Section("about", "About this report", "", html=text)


# -- data quality ----------------------------------------------------------------------


def quality_section(serving: Serving) -> Section:
    """The deliveries' findings (sqls2_quality): silent sources first, then the
    newest files with rejected or flagged lines, each rule with its first lines.
    Shown when there is anything to see."""
    section = Section(
        "quality",
        "Data quality: findings in the deliveries",
        "Problems of the delivered files, found while loading and building. They do "
        "not stop publication: the lines concerned are left out (rejected) or kept "
        "and flagged, everything else is in the tables below. Nothing here quotes a "
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


class Keys:
    """Schools, grades and weeks as indexes into the embedded lists, so the page's
    rows are short arrays."""

    def __init__(self) -> None:
        self.schools: dict[str | None, str] = {}  # id -> name
        self.grades: set[str | None] = set()
        self.weeks: set[str] = set()

    def add(self, row: dict[str, Any]) -> None:
        self.add_school(row)
        self.grades.add(row["grade"])
        if row.get("week_start") is not None:
            self.weeks.add(row["week_start"].isoformat())

    def add_school(self, row: dict[str, Any]) -> None:
        school = row["school_id"]
        if school not in self.schools or not self.schools[school]:
            self.schools[school] = row.get("school_name") or school or "(no school)"

    def freeze(self) -> None:
        self.school_list = sorted(
            self.schools, key=lambda school: (self.schools[school], school or "")
        )
        self.grade_list = sorted(self.grades, key=grade_order)
        self.week_list = sorted(self.weeks)
        self.school_index = {school: n for n, school in enumerate(self.school_list)}
        self.grade_index = {grade: n for n, grade in enumerate(self.grade_list)}
        self.week_index = {week: n for n, week in enumerate(self.week_list)}

    def s(self, row: dict[str, Any]) -> int:
        return self.school_index[row["school_id"]]

    def g(self, row: dict[str, Any]) -> int:
        return self.grade_index[row["grade"]]

    def w(self, row: dict[str, Any]) -> int:
        return self.week_index[row["week_start"].isoformat()]

    def data(self) -> dict[str, Any]:
        return {
            "schools": [self.schools[school] for school in self.school_list],
            "grades": [
                "(no grade)" if grade is None else grade for grade in self.grade_list
            ],
            "weeks": self.week_list,
        }


def hybrid_sections(serving: Serving, config: Settings) -> list[Section]:
    """The engagement overview (headline figures and the rate, category, trend and
    scatter charts), digital engagement by source, and the engagement-drop counts."""
    overview = Section(
        "hybrid",
        "Hybrid engagement overview",
        "How many school days students were in person, online, both or neither, by "
        "school, grade and week. Rates and shares are of student-days.",
        tiles=True,
    )
    digital = Section(
        "digital",
        "Digital engagement by source",
        "Which digital tools students used, source by source: Clever, Insights, "
        "i-Ready and Microsoft Graph.",
    )
    drop = Section(
        "drop",
        "Engagement drop",
        "Students whose engagement fell recently, counted by school and grade, with "
        "the channel that dropped.",
    )
    equity = Section(
        "equity",
        "Equity and absence types",
        "Engagement and absence by student subgroup (race, primary language, English "
        "learner status, special education, low income), district-wide or per "
        "school, and absence by type (excused, unexcused, partial days) per school. "
        "Subgroups appear only as categories of a group, never beside a student.",
    )
    overview.missing = _missing(serving, queries.HYBRID_TABLES)
    equity.missing = _missing(serving, queries.EQUITY_TABLES)
    digital.missing = _missing(serving, queries.SOURCE_TABLES)
    drop.missing = _missing(serving, (queries.DROP_VIEW, queries.STUDENT_ENGAGEMENT))
    keys = Keys()
    weeks = (
        queries.week_cells(serving) if serving.has(queries.ENGAGEMENT_BY_WEEK) else []
    )
    students = (
        queries.student_cells(serving, config)
        if serving.has(queries.STUDENT_ENGAGEMENT)
        else []
    )
    drops = queries.drop_cells(serving, config) if not drop.missing else []
    sources = queries.source_cells(serving) if not digital.missing else []
    subgroups = (
        queries.subgroup_cells(serving) if serving.has(queries.SUBGROUP_VIEW) else []
    )
    absences = (
        queries.absence_cells(serving)
        if serving.has(queries.ENGAGEMENT_BY_SCHOOL)
        else []
    )
    for row in (*weeks, *students, *drops):
        keys.add(row)
    for row in (*absences, *(row for row in subgroups if row["school_id"])):
        keys.add_school(row)
    keys.freeze()
    data: dict[str, Any] = keys.data()
    week_years = {row["week_start"].isoformat(): row["school_year"] for row in weeks}
    years = sorted(
        {*week_years.values(), *(row["school_year"] for row in (*subgroups, *absences))}
    )
    data["years"] = [str(year) for year in years]
    data["weekYears"] = [years.index(week_years[week]) for week in keys.week_list]
    if not equity.missing:
        equity.charts += EQUITY_CHARTS
        names = sorted(
            {row["subgroup"] for row in subgroups},
            key=lambda name: (
                SUBGROUP_ORDER.index(name) if name in SUBGROUP_ORDER else 99,
                name,
            ),
        )
        data["subgroups"] = names
        data["subgroupCells"] = [
            [
                years.index(row["school_year"]),
                keys.s(row) if row["scope"] == "school" else -1,
                names.index(row["subgroup"]),
                row["subgroup_value"],
                int(row["is_suppressed"]),
                *(
                    _plain(row[column])
                    for column in (
                        "students",
                        "chronically_absent_students",
                        "school_days",
                        "in_person_rate",
                        "digital_rate",
                        "hybrid_rate",
                        "absence_rate",
                        "excused_absence_days",
                        "unexcused_absence_days",
                    )
                ),
            ]
            for row in subgroups
        ]
        data["absenceCells"] = [
            [
                years.index(row["school_year"]),
                keys.s(row),
                int(row["is_suppressed"]),
                *(
                    _plain(row[column])
                    for column in (
                        "students",
                        "school_days",
                        "excused_absence_days",
                        "unexcused_absence_days",
                        "partial_days",
                        "tardy_days",
                        "unrecorded_days",
                        "absence_days",
                        "absence_rate",
                    )
                ),
            ]
            for row in absences
        ]
    if weeks:
        overview.charts += HYBRID_CHARTS
        data["weekCells"] = [
            [
                keys.s(row),
                keys.g(row),
                keys.w(row),
                row["students"],
                row["school_days"],
                int(row["is_suppressed"]),
                *(row[column] for column in queries.WEEK_MEASURES),
            ]
            for row in weeks
        ]
    if students:
        data["studentCells"] = [
            [
                keys.s(row),
                keys.g(row),
                row["students"],
                int(row["is_suppressed"]),
                row["eligible"],
                row["chronically_absent"],
                row["at_target"],
            ]
            for row in students
        ]
    if not drop.missing:
        drop.charts += DROP_CHARTS
        data["dropCells"] = [
            [
                keys.s(row),
                keys.g(row),
                row["students"],
                row["flagged"],
                row["in_person"],
                row["digital"],
                row["both_channels"],
            ]
            for row in drops
        ]
    if not digital.missing:
        digital.charts += DIGITAL_CHARTS
        names = sorted({row["source"] for row in sources}, key=_source_order)
        data["sources"] = names
        data["sourceCells"] = [
            [
                keys.s(row),
                keys.g(row),
                keys.w(row),
                names.index(row["source"]),
                row["active"],
                row["students"],
            ]
            for row in sources
        ]
    overview.data = data
    return [overview, digital, drop, equity]


SUBGROUP_ORDER = (
    "race",
    "primary_language",
    "ell_status",
    "special_education",
    "low_income",
)


def _plain(value: Any) -> Any:
    """A published number as JSON holds it (a DECIMAL as a float)."""
    return float(value) if isinstance(value, Decimal) else value


def _source_order(name: str) -> tuple[int, str]:
    known = [family for _, family in queries.SOURCE_FAMILIES]
    return (known.index(name) if name in known else len(known), name)


# -- Clever app usage ------------------------------------------------------------------


def clever_section(serving: Serving) -> Section:
    section = Section(
        "clever",
        "Clever app usage",
        "Students' use of the Clever portal (Clever's daily participation and "
        "resource usage reports, students only). A student-day is a day Clever "
        "reported the student, weekends included.",
    )
    section.missing = _missing(serving, queries.CLEVER_TABLES)
    data: dict[str, Any] = {}
    if serving.has(queries.CLEVER_USAGE_BY_SCHOOL):
        data["usage"] = [
            {
                "school": row["school_name"] or row["clever_school_id"],
                "students": row["students"],
                "suppressed": row["is_suppressed"],
                "active_students": row["active_students"],
                "student_days": row["student_days"],
                "logins": row["logins"],
                "resources": row["resources_accessed"],
                "avg_logins": row["avg_logins_per_student_day"],
                "avg_resources": row["avg_resources_accessed_per_student_day"],
            }
            for row in queries.clever_usage_by_school(serving)
        ]
        section.charts.append(CLEVER_CHARTS[0])
    if serving.has(queries.CLEVER_TOP_BY_SCHOOL) and "usage" in data:
        data["topBySchool"] = [
            {
                "school": row["school_name"] or row["clever_school_id"],
                "rank": row["resource_rank"],
                "resource": row["resource_name"] or row["resource_id"],
                "type": row["resource_type"],
                "students": row["students"],
                "suppressed": row["is_suppressed"],
                "accesses": row["accesses"],
            }
            for row in queries.clever_top_by_school(serving)
        ]
        if serving.has(queries.CLEVER_TOP_RESOURCES):
            data["top"] = [
                {
                    "rank": row["resource_rank"],
                    "resource": row["resource_name"] or row["resource_id"],
                    "students": row["students"],
                    "suppressed": row["is_suppressed"],
                    "schools": row["schools"],
                    "accesses": row["accesses"],
                }
                for row in queries.clever_top_resources(serving)
            ]
        section.charts.append(CLEVER_CHARTS[1])
    if serving.has(queries.CLEVER_DAILY_USAGE):
        data["daily"] = [
            {
                "date": row["usage_date"].isoformat(),
                "students": row["students"],
                "suppressed": row["is_suppressed"],
                "active_students": row["active_students"],
                "logins": row["logins"],
                "resources": row["resources_accessed"],
                "avg_logins": row["avg_logins_per_student"],
                "avg_resources": row["avg_resources_accessed_per_student"],
            }
            for row in queries.clever_daily_usage(serving)
        ]
        section.charts.append(CLEVER_CHARTS[2])
    section.data = {"clever": data}
    return section


def tile_definitions(config: Settings) -> dict[str, str]:
    """The definition printed under each headline figure."""
    threshold = as_threshold(config.chronic_threshold)
    target = as_threshold(config.target)
    days = config.chronic_min_days
    return {
        "students": "Students in the Insights roster or the SIS attendance, "
        "in the school and grade selected; a student of two school years counts "
        "in each.",
        "in-person": f"Present school days / school days, in the selection "
        f"(dates too). Target {target}.",
        "chronic": f"In-person rate below {threshold} once a student has {days} "
        f"school days; share of the students with at least {days} school days. "
        "All school days to date.",
        "at-target": f"In-person rate of {target} or more; share of the students "
        f"with at least {days} school days. All school days to date.",
        "drop": "On the early-warning list (see About); share of the students of "
        "the groups shown.",
    }
