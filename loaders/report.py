"""The HTML report: OEA's two dashboards as one self-contained file.

`write_report` reads the published `serving.duckdb` (read-only, like any BI tool) and
writes `report/index.html` beside it with two sections:

* Hybrid engagement overview (`sqls3_hybrid_engagement`): the four engagement
  categories and the three rates by school and by grade, the weekly trend, the
  chronically absent count and the number of students on the engagement-drop list;
* Clever app usage (`sqls2_clever`): logins and resources per student per day by
  school, each school's top 5 resources, logins and resources over time, and the top
  resources overall.

The charts are plotly's, with plotly's JavaScript embedded once in the page: the file
opens from disk, offline, with no server and no CDN. Rows the serving views suppress
(fewer students than `small_cell_min_students`) are shown as "suppressed (fewer than
N students)", never with a value. A serving table that is not published (yet) gives a
note in its place, not a failure. The file is written beside its final name and
renamed into place, so a browser never loads half a report.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from loaders.publish import SERVING_FILE_MODE
from loaders.settings import PROJECT_DIR, Paths

log = logging.getLogger(__name__)

HYBRID = "sqls3_hybrid_engagement"
CLEVER = "sqls2_clever"
DROP_VIEW = f"{HYBRID}.engagement_drop"
# The drop list's page on the docs site (written beside the report by `docs`).
DROP_DOCS_PAGE = (
    "../docs/index.html#!/model/model.hybrid_engagement."
    "sqls3_hybrid_engagement__engagement_drop"
)

CATEGORIES = (
    ("in_person_and_digital_days", "In person and digital"),
    ("in_person_only_days", "In person only"),
    ("digital_only_days", "Digital only"),
    ("not_engaged_days", "Not engaged"),
)
CATEGORY_COLORS = ("#1b7837", "#7fbf7b", "#6baed6", "#d6604d")
RATES = (
    ("in_person_rate", "In-person rate"),
    ("digital_rate", "Digital rate"),
    ("hybrid_rate", "Hybrid rate"),
)
TOP_RESOURCES_SHOWN = 10
CHART_HEIGHT = 360
SMALL_CELL_VAR = "small_cell_min_students"


class ReportError(Exception):
    """The report could not be written; the message says why."""


@dataclass
class Chart:
    """One plotly chart, the table of the numbers it draws, and notes under it."""

    chart_id: str
    title: str
    source: str
    figure: go.Figure | None
    table: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    section_id: str
    title: str
    intro: str
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    charts: list[Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (title, HTML)


@dataclass(frozen=True)
class Report:
    path: Path
    charts: int
    hybrid_published: bool
    clever_published: bool


class Serving:
    """Read-only access to the published file's tables."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
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


def project_small_cell_default() -> int:
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    found = re.search(rf"^\s*{SMALL_CELL_VAR}:\s*(\d+)", text, re.MULTILINE)
    if not found:
        raise ReportError(f"dbt_project.yml has no {SMALL_CELL_VAR} var")
    return int(found.group(1))


def write_report(paths: Paths) -> Report:
    """Write the report for the published file of `paths`; return where and what."""
    serving_db = paths.serving_db
    if not serving_db.exists():
        raise ReportError(
            f"nothing published yet: {serving_db} does not exist. Run "
            "`hybrid-engagement pipeline` (or `publish`) first."
        )
    published_at = datetime.fromtimestamp(serving_db.stat().st_mtime, UTC)
    with duckdb.connect(str(serving_db), read_only=True) as conn:
        serving = Serving(conn)
        minimum = serving.small_cell_min_students()
        hybrid = hybrid_section(serving, minimum)
        clever = clever_section(serving, minimum)
        quality = quality_section(serving)
    sections = [quality, hybrid, clever] if quality.figures else [hybrid, clever]
    page = render_page(sections, serving_db, published_at, minimum)
    target = paths.report_file
    _write_atomically(target, page)
    charts = sum(1 for s in sections for c in s.charts if c.figure is not None)
    log.info("report with %s charts written to %s", charts, target)
    return Report(
        target,
        charts,
        hybrid_published=not hybrid.missing,
        clever_published=not clever.missing,
    )


def _write_atomically(target: Path, page: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(page)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(partial, SERVING_FILE_MODE)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# -- formatting ----------------------------------------------------------------------


def suppressed_text(minimum: int) -> str:
    return f"suppressed (fewer than {minimum} students)"


def _count(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _rate(value: Any) -> str:
    return "" if value is None else f"{value:.1%}"


def _decimal(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


def _table(
    headers: Sequence[str],
    rows: Sequence[dict[str, Any]],
    cells: Sequence[tuple[str, Any]],
    keys: int,
    minimum: int,
) -> str:
    """An HTML table: `cells` are (column, formatter) pairs; the first `keys` are
    shown on every row, the rest replaced by the suppression text on a suppressed
    row."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        shown = [
            f"<td>{html.escape(fmt(row[column]))}</td>" for column, fmt in cells[:keys]
        ]
        if row.get("is_suppressed"):
            shown.append(
                f'<td class="suppressed" colspan="{len(cells) - keys}">'
                f"{html.escape(suppressed_text(minimum))}</td>"
            )
        else:
            shown += [
                f'<td class="number">{html.escape(fmt(row[column]))}</td>'
                for column, fmt in cells[keys:]
            ]
        body.append(f"<tr>{''.join(shown)}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _figure(**layout: Any) -> go.Figure:
    settings: dict[str, Any] = {
        "template": "plotly_white",
        "height": CHART_HEIGHT,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    figure = go.Figure()
    figure.update_layout(**{**settings, **layout})
    return figure


def _suppressed_note(labels: Sequence[str], minimum: int) -> list[str]:
    if not labels:
        return []
    listed = ", ".join(html.escape(label) for label in labels)
    return [f"Not drawn, {suppressed_text(minimum)}: {listed}."]


# -- hybrid engagement ---------------------------------------------------------------

HYBRID_TABLES = (
    f"{HYBRID}.engagement_by_school",
    f"{HYBRID}.engagement_by_grade",
    f"{HYBRID}.engagement_by_school_grade_week",
    f"{HYBRID}.student_engagement",
    DROP_VIEW,
)


QUALITY_FINDINGS_SHOWN = 50


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
    needed = ["sqls2_quality.delivery_findings", "sqls2_quality.source_status"]
    if not all(serving.has(name) for name in needed):
        return section
    silent = serving.rows(
        "select source, last_delivered_at, finding from sqls2_quality.source_status "
        "where finding is not null order by source"
    )
    findings = serving.rows(
        "select file_path, version_number, delivery_status, finding_kind, rule, "
        "rows_affected, first_lines from sqls2_quality.delivery_findings "
        "order by file_path desc, finding_kind, rule "
        f"limit {QUALITY_FINDINGS_SHOWN}"
    )
    if not (silent or findings):
        return section
    files = {row["file_path"] for row in findings}
    section.figures = [
        ("Sources that look silent", _count(len(silent))),
        ("Files with findings (newest shown)", _count(len(files))),
    ]
    if silent:
        section.tables.append(
            (
                "Sources",
                _plain_table(
                    ("source", "last delivery", "finding"),
                    silent,
                    ("source", "last_delivered_at", "finding"),
                ),
            )
        )
    section.tables.append(
        (
            "Findings by file (sqls2_quality.delivery_findings)",
            _plain_table(
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


def _plain_table(
    headers: Sequence[str], rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_text(row[column]))}</td>" for column in columns)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
    missing = [name for name in HYBRID_TABLES if not serving.has(name)]
    section.missing = missing
    if len(missing) == len(HYBRID_TABLES):
        return section
    section.figures += _hybrid_figures(serving)
    for name, label, key in (
        (f"{HYBRID}.engagement_by_school", "school", "school_name"),
        (f"{HYBRID}.engagement_by_grade", "grade", "grade"),
    ):
        if serving.has(name):
            rows = serving.rows(_rollup_sql(name, key))
            section.charts.append(_categories_chart(name, label, key, rows, minimum))
            section.charts.append(_rates_chart(name, label, key, rows, minimum))
    week = f"{HYBRID}.engagement_by_school_grade_week"
    if serving.has(week):
        section.charts.append(_weekly_trend_chart(serving, week, minimum))
    return section


def _rollup_sql(name: str, key: str) -> str:
    order = (
        "try_cast(grade as integer) nulls last, grade"
        if key == "grade"
        else "school_name, school_id"
    )
    return f"select * from {name} order by {order}"


def _hybrid_figures(serving: Serving) -> list[tuple[str, str]]:
    figures = []
    students = f"{HYBRID}.student_engagement"
    if serving.has(students):
        total, absent = serving.conn.execute(
            f"select count(*), count(*) filter (where is_chronically_absent) "
            f"from {students}"
        ).fetchone()
        figures += [
            ("Students", _count(total)),
            ("Chronically absent students", _count(absent)),
        ]
    if serving.has(DROP_VIEW):
        flagged = serving.conn.execute(f"select count(*) from {DROP_VIEW}").fetchone()
        figures.append(
            (
                "Students on the engagement-drop list",
                f"{flagged[0]:,} (the list: <code>{DROP_VIEW}</code> in "
                f'serving.duckdb; <a href="{DROP_DOCS_PAGE}">its definition</a>)',
            )
        )
    return figures


def _label(row: dict[str, Any], key: str) -> str:
    return _text(row[key] if row[key] is not None else row.get("school_id"))


def _categories_chart(
    name: str, label: str, key: str, rows: list[dict[str, Any]], minimum: int
) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(barmode="stack", yaxis_title="student-days")
    x = [_label(row, key) for row in shown]
    for (column, title), color in zip(CATEGORIES, CATEGORY_COLORS, strict=True):
        figure.add_trace(
            go.Bar(
                name=title,
                x=x,
                y=[row[column] for row in shown],
                marker_color=color,
            )
        )
    table = _table(
        [label.capitalize(), "Students", *(t for _, t in CATEGORIES), "School days"],
        rows,
        [
            (key, _text),
            ("students", _count),
            *((column, _count) for column, _ in CATEGORIES),
            ("school_days", _count),
        ],
        2,
        minimum,
    )
    suppressed = [_label(row, key) for row in rows if row["is_suppressed"]]
    return Chart(
        f"hybrid-categories-by-{label}",
        f"Engagement categories by {label} (student-days)",
        name,
        figure if shown else None,
        table,
        _suppressed_note(suppressed, minimum),
    )


def _rates_chart(
    name: str, label: str, key: str, rows: list[dict[str, Any]], minimum: int
) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1]})
    x = [_label(row, key) for row in shown]
    for column, title in RATES:
        figure.add_trace(go.Bar(name=title, x=x, y=[row[column] for row in shown]))
    extra = (
        [("chronically_absent_students", _count)]
        if rows and "chronically_absent_students" in rows[0]
        else []
    )
    table = _table(
        [
            label.capitalize(),
            "Students",
            *(t for _, t in RATES),
            *(["Chronically absent"] if extra else []),
        ],
        rows,
        [
            (key, _text),
            ("students", _count),
            *((column, _rate) for column, _ in RATES),
            *extra,
        ],
        2,
        minimum,
    )
    suppressed = [_label(row, key) for row in rows if row["is_suppressed"]]
    return Chart(
        f"hybrid-rates-by-{label}",
        f"In-person, digital and hybrid rates by {label}",
        name,
        figure if shown else None,
        table,
        _suppressed_note(suppressed, minimum),
    )


def _weekly_trend_chart(serving: Serving, name: str, minimum: int) -> Chart:
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
    figure = _figure(
        yaxis={"tickformat": ".0%", "range": [0, 1]},
        xaxis={"type": "category", "title": "week of (Monday)"},
    )
    x = [row["week_start"].isoformat() for row in rows]
    for column, title in RATES:
        figure.add_trace(
            go.Scatter(
                name=title, x=x, y=[row[column] for row in rows], mode="lines+markers"
            )
        )
    table = _table(
        ["Week of", "Cells left out", *(t for _, t in RATES), "School days"],
        rows,
        [
            ("week_start", _text),
            ("suppressed_cells", _count),
            *((column, _rate) for column, _ in RATES),
            ("school_days", _count),
        ],
        2,
        minimum,
    )
    left_out = sum(row["suppressed_cells"] for row in rows)
    notes = [
        "District-wide, pooled over the school-grade-week cells of "
        f"<code>{name}</code>."
    ]
    if left_out:
        notes.append(
            f"{left_out:,} of {sum(row['cells'] for row in rows):,} cells are "
            f"{suppressed_text(minimum)} and are left out of the weekly rates."
        )
    return Chart(
        "hybrid-weekly-trend",
        "Weekly trend of the three rates",
        name,
        figure if any(not row["is_suppressed"] for row in rows) else None,
        table,
        notes,
    )


# -- Clever app usage ----------------------------------------------------------------

CLEVER_TABLES = (
    f"{CLEVER}.clever_usage_by_school",
    f"{CLEVER}.clever_top_resources_by_school",
    f"{CLEVER}.clever_daily_usage",
    f"{CLEVER}.clever_top_resources",
)


def clever_section(serving: Serving, minimum: int) -> Section:
    section = Section(
        "clever",
        "Clever app usage",
        "Students' use of the Clever portal (Clever's daily participation and "
        "resource usage reports, students only). A student-day is a day Clever "
        "reported the student, weekends included; averages are per student-day.",
    )
    by_school, top_by_school, daily, top = CLEVER_TABLES
    section.missing = [name for name in CLEVER_TABLES if not serving.has(name)]
    if serving.has(by_school):
        rows = serving.rows(
            f"select * from {by_school} order by school_name, clever_school_id"
        )
        section.charts.append(_clever_by_school_chart(by_school, rows, minimum))
    if serving.has(top_by_school):
        rows = serving.rows(
            f"select * from {top_by_school} "
            "order by school_name, clever_school_id, resource_rank"
        )
        section.charts += _top_by_school_charts(top_by_school, rows, minimum)
    if serving.has(daily):
        rows = serving.rows(f"select * from {daily} order by usage_date")
        section.charts.append(_daily_chart(daily, rows, minimum))
    if serving.has(top):
        rows = serving.rows(
            f"select * from {top} where resource_rank <= {TOP_RESOURCES_SHOWN} "
            "order by resource_rank"
        )
        section.charts.append(_top_resources_chart(top, rows, minimum))
    return section


def _clever_by_school_chart(
    name: str, rows: list[dict[str, Any]], minimum: int
) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(barmode="group", yaxis_title="per student per day")
    x = [_text(row["school_name"]) for row in shown]
    for column, title in (
        ("avg_logins_per_student_day", "Logins"),
        ("avg_resources_accessed_per_student_day", "Resources accessed"),
    ):
        figure.add_trace(go.Bar(name=title, x=x, y=[row[column] for row in shown]))
    table = _table(
        [
            "School",
            "Students",
            "Active students",
            "Logins",
            "Resources accessed",
            "Logins per student-day",
            "Resources per student-day",
        ],
        rows,
        [
            ("school_name", _text),
            ("students", _count),
            ("active_students", _count),
            ("logins", _count),
            ("resources_accessed", _count),
            ("avg_logins_per_student_day", _decimal),
            ("avg_resources_accessed_per_student_day", _decimal),
        ],
        2,
        minimum,
    )
    suppressed = [_text(row["school_name"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-usage-by-school",
        "Logins and resources accessed per student per day, by school",
        name,
        figure if shown else None,
        table,
        _suppressed_note(suppressed, minimum),
    )


def _top_by_school_charts(
    name: str, rows: list[dict[str, Any]], minimum: int
) -> list[Chart]:
    schools: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        schools.setdefault(row["clever_school_id"], []).append(row)
    charts = []
    for number, school_rows in enumerate(schools.values(), start=1):
        school = _text(school_rows[0]["school_name"])
        shown = [row for row in school_rows if not row["is_suppressed"]]
        figure = _figure(
            yaxis={"autorange": "reversed"},
            xaxis_title="distinct students",
            height=60 + 45 * max(len(shown), 1),
            margin={"l": 140, "r": 20, "t": 10, "b": 40},
        )
        figure.add_trace(
            go.Bar(
                name="Students",
                orientation="h",
                y=[_text(row["resource_name"]) for row in shown],
                x=[row["students"] for row in shown],
            )
        )
        table = _table(
            ["Rank", "Resource", "Type", "Students", "Accesses"],
            school_rows,
            [
                ("resource_rank", _text),
                ("resource_name", _text),
                ("resource_type", _text),
                ("students", _count),
                ("accesses", _count),
            ],
            3,
            minimum,
        )
        suppressed = [
            _text(row["resource_name"]) for row in school_rows if row["is_suppressed"]
        ]
        charts.append(
            Chart(
                f"clever-top-resources-school-{number}",
                f"Top 5 resources of {school} (by distinct students)",
                name,
                figure if shown else None,
                table,
                _suppressed_note(suppressed, minimum),
            )
        )
    return charts


def _daily_chart(name: str, rows: list[dict[str, Any]], minimum: int) -> Chart:
    figure = _figure(yaxis={"title": "students' total that day", "rangemode": "tozero"})
    x = [row["usage_date"].isoformat() for row in rows]
    for column, title in (("logins", "Logins"), ("resources_accessed", "Resources")):
        figure.add_trace(
            go.Scatter(
                name=title,
                x=x,
                y=[row[column] for row in rows],
                mode="lines+markers",
                connectgaps=False,
            )
        )
    table = _table(
        [
            "Day",
            "Students",
            "Active students",
            "Logins",
            "Resources accessed",
            "Logins per student",
            "Resources per student",
        ],
        rows,
        [
            ("usage_date", _text),
            ("students", _count),
            ("active_students", _count),
            ("logins", _count),
            ("resources_accessed", _count),
            ("avg_logins_per_student", _decimal),
            ("avg_resources_accessed_per_student", _decimal),
        ],
        2,
        minimum,
    )
    suppressed = [_text(row["usage_date"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-daily-usage",
        "Students' logins and resources accessed over time",
        name,
        figure if len(suppressed) < len(rows) else None,
        table,
        ["Every calendar day Clever reported, weekends included.",
         *_suppressed_note(suppressed, minimum)],
    )  # fmt: skip


def _top_resources_chart(name: str, rows: list[dict[str, Any]], minimum: int) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(
        yaxis={"autorange": "reversed"},
        xaxis_title="accesses",
        height=80 + 32 * max(len(shown), 1),
        margin={"l": 140, "r": 20, "t": 10, "b": 40},
    )
    figure.add_trace(
        go.Bar(
            name="Accesses",
            orientation="h",
            y=[_text(row["resource_name"]) for row in shown],
            x=[row["accesses"] for row in shown],
        )
    )
    table = _table(
        ["Rank", "Resource", "Type", "Students", "Schools", "Accesses"],
        rows,
        [
            ("resource_rank", _text),
            ("resource_name", _text),
            ("resource_type", _text),
            ("students", _count),
            ("schools", _count),
            ("accesses", _count),
        ],
        4,
        minimum,
    )
    suppressed = [_text(row["resource_name"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-top-resources",
        f"Top {TOP_RESOURCES_SHOWN} resources overall (by accesses)",
        name,
        figure if shown else None,
        table,
        _suppressed_note(suppressed, minimum),
    )


# -- the page ------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1rem 2rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
.meta { color: #555; font-size: 0.9rem; }
nav a { margin-right: 1rem; }
section { margin-top: 2rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; }
.figure .value { font-size: 1.4rem; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
          gap: 1.5rem; }
.chart { border: 1px solid #eee; border-radius: 6px; padding: 0.5rem 1rem;
         min-width: 0; }
.chart h3 { font-size: 1rem; margin: 0.3rem 0; }
.source, .note { color: #555; font-size: 0.85rem; margin: 0.2rem 0; }
.missing { background: #fff4e5; border: 1px solid #f0c36d; padding: 0.6rem 1rem;
           border-radius: 6px; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #eee; padding: 0.2rem 0.5rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.suppressed { color: #8a6d3b; font-style: italic; }
"""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def render_page(
    sections: Sequence[Section],
    serving_db: Path,
    published_at: datetime,
    minimum: int,
) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(
        f'<a href="#{s.section_id}">{html.escape(s.title)}</a>' for s in sections
    )
    body = "".join(_render_section(section, minimum) for section in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hybrid engagement report</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>Hybrid engagement report</h1>
<p class="meta">From <code>{html.escape(str(serving_db))}</code>, published
{published_at.strftime("%Y-%m-%d %H:%M UTC")}; report generated {generated}.
Rows describing fewer than {minimum} students are shown as
"{html.escape(suppressed_text(minimum))}". This file needs no network.</p>
<nav>{nav}</nav>
{body}
</body>
</html>
"""


def _render_section(section: Section, minimum: int) -> str:
    parts = [
        f'<section id="{section.section_id}">',
        f"<h2>{html.escape(section.title)}</h2>",
        f"<p>{section.intro}</p>",
    ]
    if section.missing:
        parts.append(
            '<p class="missing">Not in serving.duckdb (not published yet): '
            + ", ".join(f"<code>{html.escape(name)}</code>" for name in section.missing)
            + ". The parts of this section that read them are left out; they appear "
            "once a build that includes them is published.</p>"
        )
    if section.figures:
        parts.append('<div class="figures">')
        parts += [
            f'<div class="figure"><div>{html.escape(label)}</div>'
            f'<div class="value">{value}</div></div>'
            for label, value in section.figures
        ]
        parts.append("</div>")
    parts += [
        f"<h3>{html.escape(title)}</h3>{table}" for title, table in section.tables
    ]
    parts.append('<div class="charts">')
    parts += [_render_chart(chart) for chart in section.charts]
    parts.append("</div></section>")
    return "\n".join(parts)


def _render_chart(chart: Chart) -> str:
    drawn = (
        chart.figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=chart.chart_id,
            config=PLOTLY_CONFIG,
            default_height=f"{chart.figure.layout.height}px",
        )
        if chart.figure is not None
        else '<p class="note">Nothing to draw: every row is suppressed.</p>'
    )
    notes = "".join(f'<p class="note">{note}</p>' for note in chart.notes)
    return (
        f'<div class="chart" data-source="{html.escape(chart.source)}">'
        f"<h3>{html.escape(chart.title)}</h3>{drawn}{notes}"
        f"<details><summary>The numbers</summary>{chart.table}</details>"
        f'<p class="source">Source: <code>{html.escape(chart.source)}</code></p>'
        "</div>"
    )
