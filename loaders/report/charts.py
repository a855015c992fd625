"""The report's charts: plotly figures built from the rows `queries` returned.

Each builder is a function of plain rows and the small-cell threshold, returning a
`Chart`: the figure (None when every row is suppressed), the HTML table of the
numbers it draws, and notes naming what it left out. Builders read no database and
write no page: a section picks the charts it shows, the page draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from loaders.report.formatting import (
    as_count,
    as_decimal,
    as_rate,
    as_text,
    numbers_table,
    suppressed_note,
    suppressed_text,
)
from loaders.report.queries import TOP_RESOURCES_SHOWN

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
CHART_HEIGHT = 360


@dataclass
class Chart:
    """One plotly chart, the table of the numbers it draws, and notes under it."""

    chart_id: str
    title: str
    source: str
    figure: go.Figure | None
    table: str
    notes: list[str] = field(default_factory=list)


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


# -- hybrid engagement -----------------------------------------------------------------


def _label(row: dict[str, Any], key: str) -> str:
    return as_text(row[key] if row[key] is not None else row.get("school_id"))


def categories_chart(
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
    table = numbers_table(
        [label.capitalize(), "Students", *(t for _, t in CATEGORIES), "School days"],
        rows,
        [
            (key, as_text),
            ("students", as_count),
            *((column, as_count) for column, _ in CATEGORIES),
            ("school_days", as_count),
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
        suppressed_note(suppressed, minimum),
    )


def rates_chart(
    name: str, label: str, key: str, rows: list[dict[str, Any]], minimum: int
) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1]})
    x = [_label(row, key) for row in shown]
    for column, title in RATES:
        figure.add_trace(go.Bar(name=title, x=x, y=[row[column] for row in shown]))
    extra = (
        [("chronically_absent_students", as_count)]
        if rows and "chronically_absent_students" in rows[0]
        else []
    )
    table = numbers_table(
        [
            label.capitalize(),
            "Students",
            *(t for _, t in RATES),
            *(["Chronically absent"] if extra else []),
        ],
        rows,
        [
            (key, as_text),
            ("students", as_count),
            *((column, as_rate) for column, _ in RATES),
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
        suppressed_note(suppressed, minimum),
    )


def weekly_trend_chart(name: str, rows: list[dict[str, Any]], minimum: int) -> Chart:
    """The three rates week by week (rows: queries.weekly_rates)."""
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
    table = numbers_table(
        ["Week of", "Cells left out", *(t for _, t in RATES), "School days"],
        rows,
        [
            ("week_start", as_text),
            ("suppressed_cells", as_count),
            *((column, as_rate) for column, _ in RATES),
            ("school_days", as_count),
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


# -- Clever app usage ------------------------------------------------------------------


def clever_by_school_chart(
    name: str, rows: list[dict[str, Any]], minimum: int
) -> Chart:
    shown = [row for row in rows if not row["is_suppressed"]]
    figure = _figure(barmode="group", yaxis_title="per student per day")
    x = [as_text(row["school_name"]) for row in shown]
    for column, title in (
        ("avg_logins_per_student_day", "Logins"),
        ("avg_resources_accessed_per_student_day", "Resources accessed"),
    ):
        figure.add_trace(go.Bar(name=title, x=x, y=[row[column] for row in shown]))
    table = numbers_table(
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
            ("school_name", as_text),
            ("students", as_count),
            ("active_students", as_count),
            ("logins", as_count),
            ("resources_accessed", as_count),
            ("avg_logins_per_student_day", as_decimal),
            ("avg_resources_accessed_per_student_day", as_decimal),
        ],
        2,
        minimum,
    )
    suppressed = [as_text(row["school_name"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-usage-by-school",
        "Logins and resources accessed per student per day, by school",
        name,
        figure if shown else None,
        table,
        suppressed_note(suppressed, minimum),
    )


def top_by_school_charts(
    name: str, rows: list[dict[str, Any]], minimum: int
) -> list[Chart]:
    schools: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        schools.setdefault(row["clever_school_id"], []).append(row)
    charts = []
    for number, school_rows in enumerate(schools.values(), start=1):
        school = as_text(school_rows[0]["school_name"])
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
                y=[as_text(row["resource_name"]) for row in shown],
                x=[row["students"] for row in shown],
            )
        )
        table = numbers_table(
            ["Rank", "Resource", "Type", "Students", "Accesses"],
            school_rows,
            [
                ("resource_rank", as_text),
                ("resource_name", as_text),
                ("resource_type", as_text),
                ("students", as_count),
                ("accesses", as_count),
            ],
            3,
            minimum,
        )
        suppressed = [
            as_text(row["resource_name"]) for row in school_rows if row["is_suppressed"]
        ]
        charts.append(
            Chart(
                f"clever-top-resources-school-{number}",
                f"Top 5 resources of {school} (by distinct students)",
                name,
                figure if shown else None,
                table,
                suppressed_note(suppressed, minimum),
            )
        )
    return charts


def daily_chart(name: str, rows: list[dict[str, Any]], minimum: int) -> Chart:
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
    table = numbers_table(
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
            ("usage_date", as_text),
            ("students", as_count),
            ("active_students", as_count),
            ("logins", as_count),
            ("resources_accessed", as_count),
            ("avg_logins_per_student", as_decimal),
            ("avg_resources_accessed_per_student", as_decimal),
        ],
        2,
        minimum,
    )
    suppressed = [as_text(row["usage_date"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-daily-usage",
        "Students' logins and resources accessed over time",
        name,
        figure if len(suppressed) < len(rows) else None,
        table,
        ["Every calendar day Clever reported, weekends included.",
         *suppressed_note(suppressed, minimum)],
    )  # fmt: skip


def top_resources_chart(name: str, rows: list[dict[str, Any]], minimum: int) -> Chart:
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
            y=[as_text(row["resource_name"]) for row in shown],
            x=[row["accesses"] for row in shown],
        )
    )
    table = numbers_table(
        ["Rank", "Resource", "Type", "Students", "Schools", "Accesses"],
        rows,
        [
            ("resource_rank", as_text),
            ("resource_name", as_text),
            ("resource_type", as_text),
            ("students", as_count),
            ("schools", as_count),
            ("accesses", as_count),
        ],
        4,
        minimum,
    )
    suppressed = [as_text(row["resource_name"]) for row in rows if row["is_suppressed"]]
    return Chart(
        "clever-top-resources",
        f"Top {TOP_RESOURCES_SHOWN} resources overall (by accesses)",
        name,
        figure if shown else None,
        table,
        suppressed_note(suppressed, minimum),
    )
