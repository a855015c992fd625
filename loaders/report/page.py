"""The report's page: one self-contained HTML file with its CSS, its data, plotly's
JavaScript and report.js.

Everything the page needs is inside it: plotly's JavaScript and report.js are
embedded once, the data as one JSON block. The file opens from disk, offline, with
no server and no CDN, and can be mailed. It names no path of the machine that wrote
it, and links only within itself.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime
from importlib.resources import files
from typing import Any

from plotly.offline import get_plotlyjs

from loaders.manifest import utc_now
from loaders.report.charts import Chart
from loaders.report.formatting import suppressed_text
from loaders.report.queries import Settings
from loaders.report.sections import Section, tile_definitions

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1280px;
       padding: 0 2rem 2rem; color: #222; }
h1 { margin: 1rem 0 0.2rem; }
.meta { color: #555; font-size: 0.9rem; margin: 0.2rem 0; }
nav a { margin-right: 1rem; }
.filters { position: sticky; top: 0; z-index: 10; background: #f7f7f7;
           border-bottom: 1px solid #ddd; padding: 0.5rem 0.8rem;
           margin: 0.5rem -0.8rem; display: flex; flex-wrap: wrap;
           gap: 0.4rem 1.2rem; align-items: center; }
.filters label { font-size: 0.9rem; }
.filters select { font-size: 0.9rem; margin-left: 0.3rem; }
#filter-summary { color: #555; font-size: 0.85rem; flex-basis: 100%; }
section { margin-top: 2rem; }
.definitions { display: grid; grid-template-columns: 11rem 1fr; gap: 0.3rem 1rem;
               font-size: 0.92rem; }
.definitions dt { font-weight: 600; }
.definitions dd { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
.figure, .tile { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; }
.tile { flex: 1 1 13rem; max-width: 18rem; }
.figure .value, .tile .value { font-size: 1.5rem; font-weight: 600; }
.tile .share { color: #333; font-size: 0.9rem; min-height: 1.1rem; }
.tile .definition { color: #666; font-size: 0.8rem; margin-top: 0.3rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr));
          gap: 1.5rem; }
.chart { border: 1px solid #eee; border-radius: 6px; padding: 0.5rem 1rem;
         min-width: 0; }
.chart h3 { font-size: 1rem; margin: 0.3rem 0; }
.chart .controls { font-size: 0.85rem; margin: 0.3rem 0; }
.source, .note, .applies, .empty { color: #555; font-size: 0.85rem; margin: 0.2rem 0; }
.missing { background: #fff4e5; border: 1px solid #f0c36d; padding: 0.6rem 1rem;
           border-radius: 6px; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #eee; padding: 0.2rem 0.5rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.suppressed { color: #8a6d3b; font-style: italic; }
details { margin: 0.3rem 0; }
"""

TILES = (
    ("students", "Students"),
    ("in-person", "In-person rate"),
    ("chronic", "Chronically absent"),
    ("at-target", "At or above the target in person"),
    ("drop", "Engagement dropped"),
)


def render_page(
    sections: Sequence[Section],
    config: Settings,
    published_at: datetime,
    data: dict[str, Any],
) -> str:
    generated = utc_now().strftime("%Y-%m-%d %H:%M UTC")
    published = published_at.strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(
        f'<a href="#{s.section_id}">{html.escape(s.title)}</a>' for s in sections
    )
    body = "".join(_render_section(section, config) for section in sections)
    payload = {
        **data,
        "settings": {
            "minimum": config.minimum,
            "target": config.target,
            "chronic_threshold": config.chronic_threshold,
            "chronic_min_days": config.chronic_min_days,
            "suppressed_text": suppressed_text(config.minimum),
        },
    }
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
<p class="meta">Data published {published}; report generated {generated}. Groups of
fewer than {config.minimum} students are never shown. This file needs no network:
keep it, mail it, open it offline.</p>
<nav>{nav}</nav>
{_filters(data)}
{body}
<script type="application/json" id="report-data">{_json(payload)}</script>
<script type="text/javascript">{_script()}</script>
</body>
</html>
"""


def _json(payload: dict[str, Any]) -> str:
    """The data as JSON that cannot end its <script> element early."""
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _script() -> str:
    return files("loaders.report").joinpath("report.js").read_text(encoding="utf-8")


def _options(labels: Sequence[str], every: str | None) -> str:
    options = [f'<option value="">{html.escape(every)}</option>'] if every else []
    options += [
        f'<option value="{number}">{html.escape(label)}</option>'
        for number, label in enumerate(labels)
    ]
    return "".join(options)


def _filters(data: dict[str, Any]) -> str:
    """The filter bar: school, grade and the first and last week."""
    weeks = data.get("weeks", [])
    parts = [
        '<form class="filters" id="filters" onsubmit="return false">',
        '<label>School <select id="filter-school">'
        f"{_options(data.get('schools', []), 'All schools')}</select></label>",
        '<label>Grade <select id="filter-grade">'
        f"{_options(data.get('grades', []), 'All grades')}</select></label>",
    ]
    if weeks:
        last = len(weeks) - 1
        parts += [
            '<label>From the week of <select id="filter-from">'
            f"{_options(weeks, None)}</select></label>",
            '<label>to the week of <select id="filter-to">'
            + _options(weeks, None).replace(
                f'<option value="{last}">', f'<option value="{last}" selected>'
            )
            + "</select></label>",
        ]
    parts += [
        '<button type="button" id="filter-reset">Show everything</button>',
        '<span id="filter-summary"></span>',
        "</form>",
    ]
    return "".join(parts)


def _render_section(section: Section, config: Settings) -> str:
    parts = [
        f'<section id="{section.section_id}">',
        f"<h2>{html.escape(section.title)}</h2>",
    ]
    if section.intro:
        parts.append(f"<p>{html.escape(section.intro)}</p>")
    if section.html:
        parts.append(section.html)
    if section.missing:
        parts.append(
            '<p class="missing">Not in serving.duckdb (not published yet): '
            + ", ".join(f"<code>{html.escape(name)}</code>" for name in section.missing)
            + ". The parts of this section that read them are left out; they appear "
            "once a build that includes them is published.</p>"
        )
    if section.tiles:
        parts.append(_tiles(section, config))
    if section.figures:
        parts.append('<div class="figures">')
        parts += [
            f'<div class="figure"><div>{html.escape(label)}</div>'
            f'<div class="value">{html.escape(value)}</div></div>'
            for label, value in section.figures
        ]
        parts.append("</div>")
    parts += [
        f"<h3>{html.escape(title)}</h3>{table}" for title, table in section.tables
    ]
    if section.charts:
        parts.append('<div class="charts">')
        parts += [_render_chart(chart) for chart in section.charts]
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def _tiles(section: Section, config: Settings) -> str:
    definitions = tile_definitions(config)
    shown = [
        (name, label)
        for name, label in TILES
        if name == "students"
        or (name == "in-person" and "weekCells" in section.data)
        or (name in ("chronic", "at-target") and "studentCells" in section.data)
        or (name == "drop" and "dropCells" in section.data)
    ]
    if "studentCells" not in section.data:
        return ""
    tiles = "".join(
        f'<div class="tile" id="tile-{name}"><div class="label">'
        f"{html.escape(label)}</div>"
        '<div class="value"></div><div class="share"></div>'
        f'<div class="definition">{html.escape(definitions[name])}</div></div>'
        for name, label in shown
    )
    return (
        f'<div class="figures tiles">{tiles}</div><p class="note" id="tiles-note"></p>'
    )


def _render_chart(chart: Chart) -> str:
    controls = f'<div class="controls">{chart.controls}</div>' if chart.controls else ""
    sources = ", ".join(f"<code>{html.escape(name)}</code>" for name in chart.sources)
    return (
        f'<div class="chart" id="chart-{chart.chart_id}">'
        f"<h3>{html.escape(chart.title)}</h3>"
        f'<p class="applies">{html.escape(chart.filters_text())}</p>'
        f"{controls}"
        f'<div class="plot" id="{chart.chart_id}" data-height="{chart.height}"></div>'
        f'<p class="empty" id="{chart.chart_id}-empty"></p>'
        f'<p class="note" id="{chart.chart_id}-note"></p>'
        f'<p class="note">{html.escape(chart.note)}</p>'
        "<details><summary>The numbers</summary>"
        f'<div id="{chart.chart_id}-table"></div></details>'
        f'<p class="source">Source: {sources}</p>'
        "</div>"
    )
