"""The HTML report: one self-contained file from serving.duckdb, drawn in a real
headless browser (Debian's chromium) with the network off, and compared with the
published tables it was drawn from.
"""

from __future__ import annotations

import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers.cli import PROJECT_DIR, ok, run_cli
from helpers.district import District, PublishedDistrict

pytestmark = pytest.mark.slow

SCREENSHOT = PROJECT_DIR / "build" / "artifacts" / "report.png"
HYBRID = "sqls3_hybrid_engagement"
SUPPRESSED = "suppressed (fewer than 10 students)"


def copy_published(district: District, target: Path) -> District:
    target.mkdir(parents=True)
    shutil.copyfile(district.serving, target / "serving.duckdb")
    return District(target)


def rows(serving: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(serving), read_only=True) as conn:
        cursor = conn.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def report_district(
    published_district: PublishedDistrict, tmp_path_factory: pytest.TempPathFactory
) -> District:
    """A copy of the published file and its report."""
    district = copy_published(
        published_district, tmp_path_factory.mktemp("report") / "district"
    )
    ok(run_cli("report", data_dir=district.data_dir))
    return district


def test_pipeline_writes_the_report_and_names_it(
    published_district: PublishedDistrict,
) -> None:
    # GIVEN the pipeline's run of a small district (conftest)
    report = published_district.data_dir / "report" / "index.html"
    # THEN its report step is done and the summary names the file
    output = published_district.pipeline_output
    assert re.search(r"report\s+done\s+[\d.]+ s\s+\d+ charts -> ", output)
    assert f"Report (open in a browser, works offline): {report}" in output
    # AND the file is complete, read-only to its owner and the BI group, with nothing
    # left beside it
    page = report.read_text()
    assert page.rstrip().endswith("</html>")
    assert stat.S_IMODE(report.stat().st_mode) == 0o440
    assert [p.name for p in report.parent.iterdir()] == ["index.html"]
    # AND it loads nothing from anywhere: no script or style by URL
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)


def test_report_without_a_published_file_says_so(tmp_path: Path) -> None:
    result = run_cli("report", data_dir=tmp_path / "empty")
    assert result.returncode != 0
    assert "nothing published yet" in result.stderr


def test_hybrid_section_says_when_its_views_are_not_published(
    published_district: PublishedDistrict, tmp_path: Path
) -> None:
    # GIVEN a published file without the sqls3_hybrid_engagement tables
    district = copy_published(published_district, tmp_path / "district")
    with duckdb.connect(str(district.serving)) as conn:
        conn.execute(f"drop schema if exists {HYBRID} cascade")
    # WHEN the report is written
    result = ok(run_cli("report", data_dir=district.data_dir))
    page = (district.data_dir / "report" / "index.html").read_text()
    # THEN the hybrid section names what is missing, and Clever's is drawn
    assert "report/index.html" in result.stdout
    assert "Not in serving.duckdb (not published yet)" in page
    assert f"<code>{HYBRID}.engagement_by_school</code>" in page
    assert f"<code>{HYBRID}.engagement_drop</code>" in page
    assert 'id="hybrid-rates-by-school"' not in page
    assert 'id="clever-usage-by-school"' in page


# What each plotly chart of the page drew: its svg layers, its marks, and its data.
DRAWN_CHARTS = """() => [...document.querySelectorAll('.plotly-graph-div')].map(
    (div) => ({
        id: div.id,
        svgs: div.querySelectorAll('.main-svg').length,
        bars: div.querySelectorAll('.bars .point path').length,
        lines: div.querySelectorAll('.scatterlayer .trace .js-line').length,
        data: div.data.map((t) => ({name: t.name, x: t.x, y: t.y})),
    }))"""


def _expected_charts(serving: Path) -> int:
    """Charts the page must draw: one per view and measure with a row to show (the
    top 5 per school: one per school)."""

    def count(sql: str) -> int:
        return rows(serving, f"select count(*) as n from ({sql})")[0]["n"]

    def any_shown(table: str, where: str = "") -> int:
        return int(count(f"select 1 from {table} where not is_suppressed {where}") > 0)

    return (
        2 * any_shown(f"{HYBRID}.engagement_by_school")
        + 2 * any_shown(f"{HYBRID}.engagement_by_grade")
        + any_shown(f"{HYBRID}.engagement_by_school_grade_week")
        + any_shown("sqls2_clever.clever_usage_by_school")
        + count(
            "select distinct clever_school_id "
            "from sqls2_clever.clever_top_resources_by_school where not is_suppressed"
        )
        + any_shown("sqls2_clever.clever_daily_usage")
        + any_shown("sqls2_clever.clever_top_resources", "and resource_rank <= 10")
    )


@dataclass
class Drawn:
    """What the browser drew of a report, and what went wrong while it did."""

    charts: dict[str, dict[str, Any]]
    text: str
    errors: list[str]
    outside: list[str]


def draw(page_file: Path, browser: Any, screenshot: Path | None = None) -> Drawn:
    """Open the report from disk with the network off, wait for plotly to draw every
    chart, and collect the charts, the page's text and any error or request."""
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.route(
        re.compile(r"^https?://"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else 0,
    )
    page.goto(page_file.as_uri())
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".every((div) => div.querySelector('.main-svg'))"
    )
    charts = {chart["id"]: chart for chart in page.evaluate(DRAWN_CHARTS)}
    text = page.inner_text("body")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return Drawn(charts, text, errors, outside)


def test_report_draws_every_chart_offline_with_the_published_numbers(
    report_district: District, browser: Any
) -> None:
    # GIVEN the report of a published district
    serving = report_district.serving
    # WHEN it is opened from disk with the network off and plotly has drawn
    page_file = report_district.data_dir / "report" / "index.html"
    drawn = draw(page_file, browser, SCREENSHOT)
    charts = drawn.charts
    # THEN there were no errors and nothing was fetched
    assert drawn.errors == []
    assert drawn.outside == []
    # AND every chart the published tables call for drew its svg and its marks
    assert len(charts) == _expected_charts(serving) >= 9
    for chart in charts.values():
        assert chart["svgs"] >= 1, chart["id"]
        assert chart["bars"] + chart["lines"] > 0, chart["id"]

    # AND the rates by school are the published ones
    schools = rows(
        serving,
        f"select * from {HYBRID}.engagement_by_school order by school_name, school_id",
    )
    shown = [row for row in schools if not row["is_suppressed"]]
    assert shown
    rates = charts["hybrid-rates-by-school"]["data"]
    assert [trace["name"] for trace in rates] == [
        "In-person rate",
        "Digital rate",
        "Hybrid rate",
    ]
    for trace, column in zip(
        rates, ("in_person_rate", "digital_rate", "hybrid_rate"), strict=True
    ):
        assert trace["x"] == [row["school_name"] for row in shown]
        assert trace["y"] == [row[column] for row in shown]
    assert charts["hybrid-categories-by-school"]["bars"] == 4 * len(shown)

    # AND so are Clever's logins and resources per student-day by school
    usage = rows(
        serving,
        "select * from sqls2_clever.clever_usage_by_school "
        "where not is_suppressed order by school_name, clever_school_id",
    )
    logins, resources = charts["clever-usage-by-school"]["data"]
    assert logins["y"] == [row["avg_logins_per_student_day"] for row in usage]
    assert resources["y"] == [
        row["avg_resources_accessed_per_student_day"] for row in usage
    ]
    # AND the top resources overall, by accesses
    top = rows(
        serving,
        "select * from sqls2_clever.clever_top_resources "
        "where resource_rank <= 10 and not is_suppressed order by resource_rank",
    )
    (accesses,) = charts["clever-top-resources"]["data"]
    assert accesses["x"] == [row["accesses"] for row in top]
    assert accesses["y"] == [row["resource_name"] for row in top]
    assert charts["clever-top-resources"]["bars"] == len(top)

    # AND the counts of chronically absent and flagged students are shown
    absent = rows(
        serving,
        f"select count(*) filter (where is_chronically_absent) as n "
        f"from {HYBRID}.student_engagement",
    )[0]["n"]
    flagged = rows(serving, f"select count(*) as n from {HYBRID}.engagement_drop")
    assert f"Chronically absent students\n{absent:,}" in drawn.text
    assert f"{flagged[0]['n']:,} (the list: {HYBRID}.engagement_drop" in drawn.text
    assert SCREENSHOT.stat().st_size > 50_000


def test_small_schools_are_named_as_suppressed_never_drawn(
    few_students_district: District, browser: Any, tmp_path: Path
) -> None:
    # GIVEN the report of a district whose schools have 5, 6 and 11 students
    district = copy_published(few_students_district, tmp_path / "district")
    ok(run_cli("report", data_dir=district.data_dir))
    schools = rows(
        district.serving,
        f"select * from {HYBRID}.engagement_by_school order by school_name, school_id",
    )
    small = [row["school_name"] for row in schools if row["is_suppressed"]]
    shown = [row["school_name"] for row in schools if not row["is_suppressed"]]
    assert small and shown
    # WHEN it is drawn
    drawn = draw(district.data_dir / "report" / "index.html", browser)
    # THEN the small schools are named as suppressed and appear in no chart
    assert drawn.errors == []
    assert f"Not drawn, {SUPPRESSED}: {', '.join(small)}." in drawn.text
    for chart in ("hybrid-rates-by-school", "hybrid-categories-by-school"):
        for trace in drawn.charts[chart]["data"]:
            assert trace["x"] == shown, chart


def test_suppressed_resources_show_no_value(report_district: District) -> None:
    # GIVEN the published top 5 per school, some rows suppressed (the small
    # district's schools have about 20 students each)
    suppressed = rows(
        report_district.serving,
        "select school_name, resource_rank, resource_name, students "
        "from sqls2_clever.clever_top_resources_by_school where is_suppressed",
    )
    assert suppressed
    page = (report_district.data_dir / "report" / "index.html").read_text()
    # THEN each is a table row of rank, name, type and the suppression text
    for row in suppressed:
        cells = (
            f"<td>{row['resource_rank']}</td><td>{re.escape(row['resource_name'])}"
            r'</td><td>[^<]*</td><td class="suppressed" colspan="2">'
            + re.escape(SUPPRESSED)
            + "</td>"
        )
        assert re.search(cells, page), row
