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

The package, one job a module:

    queries.py     the read-only `Serving` wrapper and every query the sections ask
    charts.py      the plotly figure builders (rows in, a `Chart` out)
    formatting.py  numbers and the HTML tables beside the charts, suppression text
    sections.py    one function per section: its queries, figures, tables and charts
    page.py        the HTML page: layout, CSS, plotly's JavaScript embedded once
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from loaders.publish import SERVING_FILE_MODE
from loaders.report.page import render_page
from loaders.report.queries import ReportError, open_serving
from loaders.report.sections import clever_section, hybrid_section, quality_section
from loaders.settings import Paths

__all__ = ["Report", "ReportError", "write_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    path: Path
    charts: int
    hybrid_published: bool
    clever_published: bool


def write_report(paths: Paths) -> Report:
    """Write the report for the published file of `paths`; return where and what."""
    serving_db = paths.serving_db
    with open_serving(serving_db) as serving:
        published_at = serving.published_at
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
