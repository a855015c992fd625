"""The HTML report: OEA's dashboards as one self-contained file, with filters.

`write_report` reads the published `serving.duckdb` (read-only, like any BI tool) and
writes `report/index.html` beside it:

* About this report: purpose, sources, definitions (with the build's thresholds),
  how small groups are protected, when the data was published;
* Data quality: the deliveries' findings, when there are any;
* Hybrid engagement overview: headline figures (students, in-person rate,
  chronically absent, at or above the 90 % target, engagement drop), rates by
  school and grade against the target, categories as shares, weekly trends per
  school, in person against digital per school;
* Digital engagement by source (Clever, Insights, i-Ready, Microsoft Graph);
* Engagement drop: counts by school and grade and what dropped, never a student;
* Clever app usage: per school, one combined top-resources chart, day by day.

Filters (school, grade, date range) redraw every chart in the browser from the
data embedded in the page; plotly's JavaScript and report.js are embedded too, so the
file opens from disk, offline, with no server and no CDN. Groups of fewer students
than `small_cell_min_students` carry no measure into the page, and the page only adds
up the groups that are not suppressed. A serving table that is not published (yet)
gives a note in its place, not a failure. The file is written beside its final name
and renamed into place, so a browser never loads half a report.

The package, one job a module:

    queries.py     the read-only `Serving` wrapper, the build's settings, every query
    charts.py      what each chart shows, from which tables, which filters apply
    formatting.py  numbers, thresholds, grade order, the static tables, suppression
    sections.py    one function per section: its queries, text and embedded data
    page.py        the HTML page: filter bar, layout, CSS, the embedded scripts
    report.js      the browser side: filters, headline figures, every chart
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from loaders.publish import SERVING_FILE_MODE
from loaders.report.page import render_page
from loaders.report.queries import ReportError, open_serving, settings
from loaders.report.sections import (
    about_section,
    clever_section,
    hybrid_sections,
    quality_section,
)
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
    with open_serving(paths.serving_db) as serving:
        published_at = serving.published_at
        config = settings(serving)
        about = about_section(serving, config, published_at)
        quality = quality_section(serving)
        hybrid = hybrid_sections(serving, config)
        clever = clever_section(serving)
    sections = [about, *([quality] if quality.figures else []), *hybrid, clever]
    data = {key: value for section in sections for key, value in section.data.items()}
    page = render_page(sections, config, published_at, data)
    target = paths.report_file
    _write_atomically(target, page)
    charts = sum(len(section.charts) for section in sections)
    log.info("report with %s charts written to %s", charts, target)
    return Report(
        target,
        charts,
        hybrid_published=not hybrid[0].missing,
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
