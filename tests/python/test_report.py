"""The HTML report: one self-contained file from serving.duckdb, drawn in a real
headless browser (Debian's chromium) with the network off.

Until the hybrid-engagement views are published, the browser test adds tables shaped
exactly as serving_contract.md describes them (`sqls3_hybrid_engagement.*`) to a
copy of the published file, so the hybrid section is drawn from contract-shaped
data; once the real views are published, it uses them as they are.
"""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, District, PublishedDistrict, ok, run_cli

pytestmark = pytest.mark.slow

SCREENSHOT = PROJECT_DIR / "build" / "artifacts" / "report.png"
HYBRID = "sqls3_hybrid_engagement"
SUPPRESSED = "suppressed (fewer than 10 students)"

# Contract-shaped stand-ins for the hybrid views: 45 students in three schools (the
# third has 5 students: a small cell), grades 9 and 10 plus a grade 12 of 3 students,
# 10 school days over two weeks, categories from a hash of student and day.
STAND_INS = f"""
create schema if not exists {HYBRID};

create temp table student_days as
with students as (
    select
        range as student,
        case when range < 20 then 'S1' when range < 40 then 'S2' else 'S3' end
            as school_id,
        case when range between 40 and 42 then '12'
            when range % 2 = 0 then '9' else '10' end as grade
    from range(45)
),
days as (
    select cast(day as date) as attendance_date
    from range(date '2024-09-02', date '2024-09-14', interval 1 day) as t(day)
    where dayofweek(day) between 1 and 5
)
select
    'p' || students.student as student_id_pseudonym,
    students.school_id,
    case students.school_id when 'S1' then 'Alder High' when 'S2' then 'Birch High'
        else 'Cedar Academy' end as school_name,
    students.grade,
    days.attendance_date,
    cast(date_trunc('week', days.attendance_date) as date) as week_start,
    hash(students.student, days.attendance_date) % 10 < 8 as is_present,
    hash(students.student, days.attendance_date, 1) % 10 < 5 as is_digital
from students cross join days;

create table {HYBRID}.student_engagement as
select
    student_id_pseudonym, school_id, school_name, grade,
    count(*) as school_days,
    count(*) filter (where is_present) as present_days,
    count(*) filter (where is_digital) as digital_days,
    count(*) filter (where is_present or is_digital) as engaged_days,
    count(*) filter (where is_present) / count(*) as in_person_rate,
    count(*) filter (where is_digital) / count(*) as digital_rate,
    count(*) filter (where is_present or is_digital) / count(*) as hybrid_rate,
    count(*) >= 10 and count(*) filter (where is_present) / count(*) < 0.9
        as is_chronically_absent
from student_days
group by student_id_pseudonym, school_id, school_name, grade;

create temp table flagged_days as
select student_days.*, student_engagement.is_chronically_absent
from student_days
inner join {HYBRID}.student_engagement
    on student_days.student_id_pseudonym = student_engagement.student_id_pseudonym;
"""


def _rollup(keys: str, chronic: bool) -> str:
    absent = (
        "case when count(distinct student_id_pseudonym) >= 10 then "
        "count(distinct case when is_chronically_absent then student_id_pseudonym "
        "end) end as chronically_absent_students,"
        if chronic
        else ""
    )
    measures = {
        "school_days": "count(*)",
        "in_person_and_digital_days": (
            "count(*) filter (where is_present and is_digital)"
        ),
        "in_person_only_days": "count(*) filter (where is_present and not is_digital)",
        "digital_only_days": "count(*) filter (where not is_present and is_digital)",
        "not_engaged_days": "count(*) filter (where not is_present and not is_digital)",
        "in_person_rate": "count(*) filter (where is_present) / count(*)",
        "digital_rate": "count(*) filter (where is_digital) / count(*)",
        "hybrid_rate": "count(*) filter (where is_present or is_digital) / count(*)",
    }
    published = ",\n".join(
        f"case when count(distinct student_id_pseudonym) >= 10 then {sql} end as {name}"
        for name, sql in measures.items()
    )
    return f"""
        select
            {keys},
            count(distinct student_id_pseudonym) as students,
            {absent}
            {published},
            count(distinct student_id_pseudonym) < 10 as is_suppressed
        from flagged_days
        group by {keys}
    """


def add_contract_stand_ins(serving: Path) -> None:
    with duckdb.connect(str(serving)) as conn:
        present = conn.execute(
            "select count(*) from duckdb_tables() where schema_name = ?", [HYBRID]
        ).fetchone()[0]
        if present:
            return  # the real views are published: use them
        conn.execute(STAND_INS)
        for view, keys, chronic in (
            ("engagement_by_school", "school_id, school_name", True),
            ("engagement_by_grade", "grade", True),
            (
                "engagement_by_school_grade_week",
                "school_id, school_name, grade, week_start",
                False,
            ),
            (
                "engagement_by_school_day",
                "school_id, school_name, attendance_date",
                False,
            ),
        ):
            conn.execute(f"create table {HYBRID}.{view} as {_rollup(keys, chronic)}")
        conn.execute(
            f"""
            create table {HYBRID}.engagement_drop as
            select
                student_id_pseudonym, school_id, school_name, grade,
                5 as previous_school_days, 5 as recent_school_days,
                0.9 as previous_hybrid_rate, 0.5 as recent_hybrid_rate,
                40.0 as hybrid_drop_points, 40.0 as in_person_drop_points,
                0.0 as digital_drop_points, 'in_person' as dropped_channel
            from {HYBRID}.student_engagement
            where in_person_rate < 0.7
            """
        )


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
    """A copy of the published file with the hybrid views (stand-ins until the real
    ones are published), and its report."""
    district = copy_published(
        published_district, tmp_path_factory.mktemp("report") / "district"
    )
    add_contract_stand_ins(district.serving)
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
    # AND the file is complete, private to the BI group, with nothing left beside it
    page = report.read_text()
    assert page.rstrip().endswith("</html>")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
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


def test_report_draws_every_chart_offline_with_the_published_numbers(
    report_district: District, browser: Any
) -> None:
    # GIVEN the report of a published district, opened from disk with the network off
    page_file = report_district.data_dir / "report" / "index.html"
    serving = report_district.serving
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
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
    # WHEN it loads and plotly has drawn
    page.goto(page_file.as_uri())
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".every((div) => div.querySelector('.main-svg'))"
    )
    charts = {chart["id"]: chart for chart in page.evaluate(DRAWN_CHARTS)}
    text = page.inner_text("body")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()
    # THEN there were no errors and nothing was fetched
    assert errors == []
    assert outside == []
    # AND every chart the published tables call for drew its svg and its marks
    assert len(charts) == _expected_charts(serving) >= 9
    for chart in charts.values():
        assert chart["svgs"] >= 1, chart["id"]
        assert chart["bars"] + chart["lines"] > 0, chart["id"]

    # AND the rates by school are the published ones, suppressed schools left out
    schools = rows(
        serving,
        f"select * from {HYBRID}.engagement_by_school order by school_name, school_id",
    )
    shown = [row for row in schools if not row["is_suppressed"]]
    drawn = charts["hybrid-rates-by-school"]["data"]
    assert [trace["name"] for trace in drawn] == [
        "In-person rate",
        "Digital rate",
        "Hybrid rate",
    ]
    for trace, column in zip(
        drawn, ("in_person_rate", "digital_rate", "hybrid_rate"), strict=True
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
    assert f"Chronically absent students\n{absent:,}" in text
    assert f"{flagged[0]['n']:,} (the list: {HYBRID}.engagement_drop" in text

    # AND a suppressed school is named as suppressed, never drawn with a value
    small = [row["school_name"] for row in schools if row["is_suppressed"]]
    assert small, "the district should have a small school"
    for trace in drawn:
        assert not set(small) & set(trace["x"])
    assert f"Not drawn, {SUPPRESSED}: {', '.join(small)}." in text
    assert SCREENSHOT.stat().st_size > 50_000


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
