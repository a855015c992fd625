"""The report's page: one self-contained HTML file, its CSS and plotly's JavaScript.

plotly's JavaScript is embedded once in the page and every chart is drawn from it,
so the file opens from disk, offline, with no server and no CDN. The page renders
the sections in the order given, each with its figures, tables and charts.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from plotly.offline import get_plotlyjs

from loaders.manifest import utc_now
from loaders.report.charts import Chart
from loaders.report.formatting import suppressed_text
from loaders.report.sections import Section

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
    generated = utc_now().strftime("%Y-%m-%d %H:%M UTC")
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
