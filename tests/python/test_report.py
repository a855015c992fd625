"""The HTML report: one self-contained file from serving.duckdb, drawn in a real
headless browser (Debian's chromium) with the network off, its filters used the way
a principal uses them, and every figure compared with the published tables.

The district here (150 students, 3 schools, 4 grades, 4 weeks) has school-grade
groups on both sides of the small-cell minimum (10), so the report must show some
groups and leave others out, under every combination of filters.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import stat
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers.cli import PROJECT_DIR, ok, run_cli
from helpers.district import District, PublishedDistrict, generate
from helpers.shared import shared_folder

# Its module-scoped fixture is built once: every test of the module on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_report")]

SCREENSHOTS = PROJECT_DIR / "build" / "artifacts"
HYBRID = "sqls3_hybrid_engagement"
WEEKS_TABLE = f"{HYBRID}.engagement_by_school_grade_week"
MINIMUM = 10
SUPPRESSED = f"suppressed (fewer than {MINIMUM} students)"
CATEGORIES = (
    "in_person_and_digital_days",
    "in_person_only_days",
    "digital_only_days",
    "not_engaged_days",
)
# Every chart the report draws for a district with every table published.
CHARTS = (
    "hybrid-rates-by-school",
    "hybrid-categories-by-school",
    "hybrid-trend-by-school",
    "hybrid-in-person-vs-digital",
    "hybrid-rates-by-grade",
    "hybrid-categories-by-grade",
    "digital-by-source",
    "digital-by-source-trend",
    "engagement-drop-by-school-grade",
    "equity-by-subgroup",
    "absence-types-by-school",
    "clever-usage-by-school",
    "clever-top-resources",
    "clever-daily-usage",
)
MIXED = ("--students", "150", "--schools", "3", "--days", "15", "--seed", "5")


def copy_published(district: District, target: Path) -> District:
    target.mkdir(parents=True)
    shutil.copyfile(district.serving, target / "serving.duckdb")
    return District(target)


def rows(serving: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(serving), read_only=True) as conn:
        cursor = conn.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def page_data(report: Path) -> dict[str, Any]:
    """The data the page embeds for its charts."""
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>',
        report.read_text(),
        re.DOTALL,
    )
    assert found
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def mixed_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A district through `pipeline` (which writes the report) whose school-grade
    groups are partly under the minimum."""

    def build(folder: Path) -> None:
        district = generate(folder / "district", *MIXED)
        ok(run_cli("pipeline", data_dir=district.data_dir))

    return District(shared_folder(tmp_path_factory, "report-mixed", build) / "district")


# -- the published numbers, computed here from the published tables --------------------


@dataclass
class Published:
    """The published rows the report draws from, and what the report must show for
    a selection: sums over the groups that are not suppressed, nothing else."""

    weeks: list[dict[str, Any]]
    students: list[dict[str, Any]]
    drops: list[dict[str, Any]]
    schools: list[str]
    grades: list[str]
    week_starts: list[str]

    @classmethod
    def read(cls, serving: Path) -> Published:
        weeks = rows(serving, f"select * from {WEEKS_TABLE}")
        for row in weeks:
            row["week_start"] = row["week_start"].isoformat()
        students = rows(serving, f"select * from {HYBRID}.student_engagement")
        drops = rows(serving, f"select * from {HYBRID}.engagement_drop")
        return cls(
            weeks,
            students,
            drops,
            sorted({row["school_name"] for row in weeks}),
            sorted({row["grade"] for row in weeks}, key=int),
            sorted({row["week_start"] for row in weeks}),
        )

    def pooled(self, school: str | None, grade: str | None, span: tuple[int, int]):
        """Per school and per grade in the selection: the three rates over the
        groups that are not suppressed (None when there is none)."""
        chosen = self.week_starts[span[0] : span[1] + 1]
        by: dict[str, dict[str, list[int]]] = {"school": {}, "grade": {}}
        for row in self.weeks:
            if (school and row["school_name"] != school) or (
                grade and row["grade"] != grade
            ):
                continue
            if row["week_start"] not in chosen:
                continue
            for dimension in ("school", "grade"):
                key = row[f"{dimension}_name" if dimension == "school" else "grade"]
                sums = by[dimension].setdefault(key, [0, 0, 0, 0, 0])
                if row["is_suppressed"]:
                    continue
                sums[0] += row["school_days"]
                for n, column in enumerate(CATEGORIES, start=1):
                    sums[n] += row[column]
        return {
            dimension: {key: _rates(sums) for key, sums in groups.items()}
            for dimension, groups in by.items()
        }

    def tiles(self, school: str | None, grade: str | None) -> dict[str, Any]:
        """The headline counts: students, and over school-grade groups of at least
        the minimum, the chronically absent, those at or above 90% in person and
        those on the drop list."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in self.students:
            if (school and row["school_name"] != school) or (
                grade and row["grade"] != grade
            ):
                continue
            groups[row["school_name"], row["grade"]].append(row)
        shown = {key: members for key, members in groups.items() if len(members) >= 10}
        # (the drop list's groups are those of its school year)
        sizes = Counter(
            (row["school_name"], row["grade"], row["school_year"])
            for row in self.students
        )
        eligible = [s for m in shown.values() for s in m if s["school_days"] >= 10]
        return {
            "students": sum(len(members) for members in groups.values()),
            "eligible": len(eligible),
            "absent": sum(s["is_chronically_absent"] for s in eligible),
            "at_target": sum(
                s["present_days"] * 100 >= 90 * s["school_days"] for s in eligible
            ),
            "flagged": sum(
                sizes[row["school_name"], row["grade"], row["school_year"]] >= 10
                for row in self.drops
                if (not school or row["school_name"] == school)
                and (not grade or row["grade"] == grade)
            ),
            "any_shown": bool(shown),
        }


def _rates(sums: list[int]) -> dict[str, float] | None:
    days, both, in_person_only, digital_only, not_engaged = sums
    if not days:
        return None
    return {
        "In-person rate": (both + in_person_only) / days,
        "Digital rate": (both + digital_only) / days,
        "Hybrid rate": (days - not_engaged) / days,
    }


# -- the browser -----------------------------------------------------------------------

# What each chart drew: its traces' data, whether it is hidden, its texts and table.
DRAWN = """() => Object.fromEntries([...document.querySelectorAll('.chart .plot')].map(
    (div) => [div.id, {
        hidden: div.hidden,
        svgs: div.querySelectorAll('.main-svg').length,
        marks: div.querySelectorAll(
            '.bars .point path, .scatterlayer .trace .js-line, .scatterlayer .point, '
            + '.hm image, .heatmaplayer image').length,
        data: (div.data || []).map((t) => ({name: t.name, x: t.x, y: t.y, z: t.z,
                                             text: t.text})),
        empty: document.getElementById(div.id + '-empty').innerText,
        note: document.getElementById(div.id + '-note').innerText,
        table: [...document.querySelectorAll('#' + div.id + '-table tbody tr')].map(
            (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    }]))"""

TILES = """() => Object.fromEntries([...document.querySelectorAll('.tile')].map(
    (tile) => [tile.id.replace('tile-', ''), {
        value: tile.querySelector('.value').textContent,
        share: tile.querySelector('.share').textContent,
    }]))"""


@dataclass
class Report:
    """The report open in the browser, offline, recording errors and requests."""

    page: Any
    errors: list[str]
    outside: list[str]
    updates: int = 1

    def charts(self) -> dict[str, dict[str, Any]]:
        return self.page.evaluate(DRAWN)

    def tiles(self) -> dict[str, dict[str, str]]:
        return self.page.evaluate(TILES)

    def choose(self, **values: str) -> None:
        """Pick filter values as a user does (select, then the page redraws)."""
        for name, value in values.items():
            self.page.select_option(f"#filter-{name}", value)
            self._wait()

    def set_all(self, school: str, grade: str, first: int, last: int) -> None:
        """Set every filter at once and redraw once (for many combinations)."""
        self.page.evaluate(
            """([school, grade, first, last]) => {
                document.getElementById('filter-school').value = school;
                document.getElementById('filter-grade').value = grade;
                document.getElementById('filter-from').value = String(first);
                document.getElementById('filter-to').value = String(last);
                document.getElementById('filter-to').dispatchEvent(
                    new Event('change'));
            }""",
            [school, grade, first, last],
        )
        self._wait()

    def _wait(self) -> None:
        self.updates += 1
        self.page.wait_for_function(
            f"() => Number(document.body.dataset.updates || 0) >= {self.updates}"
        )


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(report: Path) -> Report:
        context = browser.new_context(
            offline=True, viewport={"width": 1400, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        outside: list[str] = []
        page.route(
            re.compile(r"^(https?|wss?|ftp)://"),
            lambda route: (outside.append(route.request.url), route.abort()),
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text) if message.type == "error" else 0
            ),
        )
        page.goto(report.as_uri())
        page.wait_for_function("() => Number(document.body.dataset.updates || 0) >= 1")
        return Report(page, errors, outside)

    yield opener
    for context in contexts:
        context.close()


def _index(options: list[str], label: str) -> str:
    return str(options.index(label))


# -- tests -----------------------------------------------------------------------------


def test_pipeline_writes_the_report_and_names_it(
    published_district: PublishedDistrict,
) -> None:
    # GIVEN the pipeline's run of a small district (conftest)
    report = published_district.data_dir / "report" / "index.html"
    # THEN publishing wrote it beside the published file and the summary names it
    output = published_district.pipeline_output
    assert re.search(r"publish\s+done\s+[\d.]+ s\s+.*the report \(\d+ charts\)", output)
    assert f"Report (open in a browser, works offline): {report}" in output
    # AND the file is complete, read-only to its owner and the BI group, with nothing
    # left beside it
    page = report.read_text()
    assert page.rstrip().endswith("</html>")
    assert stat.S_IMODE(report.stat().st_mode) == 0o440
    assert [p.name for p in report.parent.iterdir()] == ["index.html"]
    # AND it loads nothing from anywhere: no script or style by URL
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    # AND it names no path of the machine that wrote it, and links only within
    # itself (or to an absolute address): it works when mailed
    assert str(published_district.data_dir) not in page
    assert "serving.duckdb</code>" not in page.split("<nav>")[0]
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    links = re.findall(r'<a [^>]*href="([^"]*)"', markup)
    assert links and all(link.startswith(("#", "https://")) for link in links)


def test_report_without_a_published_file_says_so(tmp_path: Path) -> None:
    result = run_cli("report", data_dir=tmp_path / "empty")
    assert result.returncode != 0
    assert "nothing published yet" in result.stderr


def test_sections_say_when_their_tables_are_not_published(
    published_district: PublishedDistrict, tmp_path: Path, open_report: Any
) -> None:
    # GIVEN a published file without the sqls3_hybrid_engagement tables
    district = copy_published(published_district, tmp_path / "district")
    with duckdb.connect(str(district.serving)) as conn:
        conn.execute(f"drop schema if exists {HYBRID} cascade")
    # WHEN the report is written and drawn
    result = ok(run_cli("report", data_dir=district.data_dir))
    report = district.data_dir / "report" / "index.html"
    page = report.read_text()
    drawn = open_report(report)
    charts = drawn.charts()
    # THEN the sections name what is missing, and Clever's charts are drawn
    assert "report/index.html" in result.stdout
    assert "Not in serving.duckdb (not published yet)" in page
    assert f"<code>{HYBRID}.engagement_by_school_grade_week</code>" in page
    assert f"<code>{HYBRID}.engagement_drop</code>" in page
    assert drawn.errors == []
    assert "hybrid-rates-by-school" not in charts
    assert sorted(charts) == [
        "clever-daily-usage",
        "clever-top-resources",
        "clever-usage-by-school",
    ]
    assert all(chart["svgs"] >= 1 for chart in charts.values())


def test_report_draws_every_chart_offline_with_the_published_numbers(
    mixed_district: District, open_report: Any
) -> None:
    # GIVEN the report the pipeline wrote for a published district
    serving = mixed_district.serving
    published = Published.read(serving)
    report = open_report(mixed_district.data_dir / "report" / "index.html")
    charts = report.charts()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report.page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    # THEN there were no errors and nothing was fetched
    assert report.errors == []
    assert report.outside == []
    # AND every chart drew its svg and its marks
    assert sorted(charts) == sorted(CHARTS)
    for chart_id, chart in charts.items():
        assert not chart["hidden"], (chart_id, chart["empty"])
        assert chart["svgs"] >= 1 and chart["marks"] > 0, chart_id
    # AND the rates by school and by grade are the published groups', pooled over
    # those of at least 10 students
    expected = published.pooled(None, None, (0, len(published.week_starts) - 1))
    for dimension in ("school", "grade"):
        traces = charts[f"hybrid-rates-by-{dimension}"]["data"]
        assert [trace["name"] for trace in traces] == list(
            next(iter(expected[dimension].values()))
        )
        for trace in traces:
            drawn = dict(zip(trace["x"], trace["y"], strict=True))
            assert drawn == pytest.approx(
                {
                    key: rates[trace["name"]]
                    for key, rates in expected[dimension].items()
                    if rates
                },
                rel=1e-12,
            )
    # AND categories are shares of student-days, adding up to 1 per school
    shares = charts["hybrid-categories-by-school"]["data"]
    for n in range(len(shares[0]["x"])):
        assert sum(trace["y"][n] for trace in shares) == pytest.approx(1)
    # AND the headline figures are the published students' counts
    tiles = report.tiles()
    counts = published.tiles(None, None)
    assert tiles["students"]["value"] == f"{counts['students']:,}"
    assert tiles["chronic"]["value"] == f"{counts['absent']:,}"
    assert tiles["at-target"]["value"] == f"{counts['at_target']:,}"
    assert tiles["chronic"]["share"] == (
        f"{counts['absent'] / counts['eligible']:.1%} of {counts['eligible']:,} "
        "students"
    )
    assert tiles["drop"]["value"] == f"{counts['flagged']:,}"
    # AND the target line is drawn at 90%, with an axis that starts above 0
    layout = report.page.evaluate(
        "() => { const l = document.getElementById('hybrid-rates-by-school')"
        ".layout; return {shapes: l.shapes, range: l.yaxis.range, "
        "title: l.yaxis.title.text}; }"
    )
    assert [shape["y0"] for shape in layout["shapes"]] == [0.9]
    assert (
        0
        < layout["range"][0]
        <= min(min(trace["y"]) for trace in charts["hybrid-rates-by-school"]["data"])
    )
    assert "axis starts at" in layout["title"]
    # AND the per-school trend has one line per school with a group to show
    trend = charts["hybrid-trend-by-school"]["data"]
    assert sorted(trace["name"] for trace in trend) == published.schools
    assert all(trace["x"] == published.week_starts for trace in trend)
    # AND the scatter has one point per school: its in-person and digital rates
    (scatter,) = charts["hybrid-in-person-vs-digital"]["data"]
    for school, x, y in zip(scatter["text"], scatter["x"], scatter["y"], strict=True):
        assert (x, y) == pytest.approx(
            (
                expected["school"][school]["In-person rate"],
                expected["school"][school]["Digital rate"],
            )
        )
    # AND digital engagement is shown per source, each a share
    (sources,) = charts["digital-by-source"]["data"]
    assert sources["x"] == ["Clever", "Insights", "i-Ready", "Microsoft Graph"]
    assert all(0 < share <= 1 for share in sources["y"])
    # AND the drop list is counts by school and grade, never a student
    drop_rows = charts["engagement-drop-by-school-grade"]["table"]
    assert sum(int(row[3]) for row in drop_rows) == counts["flagged"]
    page = report.page.content()
    for row in published.students:
        assert row["student_id_pseudonym"] not in page
    # AND Clever's per-school figures are the published ones
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
    # AND one combined top-resources chart: a column per school (and the district),
    # the share of the school's students, one scale
    (heatmap,) = charts["clever-top-resources"]["data"]
    assert heatmap["x"] == ["All schools", *sorted(row["school_name"] for row in usage)]
    top = rows(
        serving,
        "select * from sqls2_clever.clever_top_resources_by_school "
        "where not is_suppressed",
    )
    school_students = {row["school_name"]: row["students"] for row in usage}
    for row in top:
        z = heatmap["z"][heatmap["y"].index(row["resource_name"])][
            heatmap["x"].index(row["school_name"])
        ]
        assert z == pytest.approx(row["students"] / school_students[row["school_name"]])
    # AND, over the weeks of one school year, a grade none of whose groups is
    # suppressed that year shows exactly the published by-grade row of that year
    whole = sorted(
        (row["school_year"], row["grade"])
        for row in rows(
            serving,
            f"select school_year, grade from {WEEKS_TABLE} group by all "
            "having not bool_or(is_suppressed)",
        )
    )
    assert whole
    year, grade = whole[-1]
    weeks = [
        n
        for n, row in enumerate(published.week_starts)
        if any(
            w["week_start"] == row and w["school_year"] == year for w in published.weeks
        )
    ]
    report.choose(**{"from": str(weeks[0]), "to": str(weeks[-1])})
    (by_grade,) = rows(
        serving,
        f"select * from {HYBRID}.engagement_by_grade "
        f"where grade = '{grade}' and school_year = {year}",
    )
    rates = report.charts()["hybrid-rates-by-grade"]["data"]
    assert [trace["y"][trace["x"].index(grade)] for trace in rates] == pytest.approx(
        [by_grade["in_person_rate"], by_grade["digital_rate"], by_grade["hybrid_rate"]]
    )


def test_filters_change_every_chart(mixed_district: District, open_report: Any) -> None:
    # GIVEN the report in the browser
    published = Published.read(mixed_district.serving)
    report = open_report(mixed_district.data_dir / "report" / "index.html")
    before = report.charts()
    data = page_data(mixed_district.data_dir / "report" / "index.html")
    school = "Hampton High"
    # WHEN a school is picked in the filter
    report.choose(school=_index(data["schools"], school))
    after = report.charts()
    # THEN every chart the school filter applies to changed, and shows that school
    for chart_id in CHARTS:
        if chart_id in ("clever-daily-usage",):
            assert after[chart_id]["data"] == before[chart_id]["data"], chart_id
            continue
        assert after[chart_id]["data"] != before[chart_id]["data"], chart_id
    rates = after["hybrid-rates-by-school"]["data"]
    assert {tuple(trace["x"]) for trace in rates} == {(school,)}
    expected = published.pooled(school, None, (0, len(published.week_starts) - 1))[
        "school"
    ][school]
    assert [trace["y"][0] for trace in rates] == pytest.approx(list(expected.values()))
    assert [t["name"] for t in after["hybrid-trend-by-school"]["data"]] == [school]
    assert after["clever-usage-by-school"]["data"][0]["x"] == [school]
    assert after["clever-top-resources"]["data"][0]["x"] == [school]
    tiles = report.tiles()
    counts = published.tiles(school, None)
    assert tiles["students"]["value"] == f"{counts['students']:,}"
    assert tiles["chronic"]["value"] == f"{counts['absent']:,}"
    assert f"Showing {school}, all grades" in report.page.inner_text("#filters")

    # WHEN a grade is picked too
    report.choose(grade=_index(data["grades"], "9"))
    rates = report.charts()["hybrid-rates-by-grade"]["data"]
    # THEN the by-grade chart shows that grade of that school only
    assert {tuple(trace["x"]) for trace in rates} == {("9",)}
    expected = published.pooled(school, "9", (0, len(published.week_starts) - 1))[
        "grade"
    ]["9"]
    assert [trace["y"][0] for trace in rates] == pytest.approx(list(expected.values()))
    assert report.tiles()["students"]["value"] == (
        f"{published.tiles(school, '9')['students']:,}"
    )

    # WHEN the date range is narrowed to the middle two weeks (all schools, grades)
    report.choose(school="", grade="", **{"from": "1", "to": "2"})
    narrowed = report.charts()
    # THEN the trends cover those weeks, the rates are those weeks', and Clever's
    # days are within them
    for trace in narrowed["hybrid-trend-by-school"]["data"]:
        assert trace["x"] == published.week_starts[1:3]
    expected = published.pooled(None, None, (1, 2))["school"]
    for trace in narrowed["hybrid-rates-by-school"]["data"]:
        assert dict(zip(trace["x"], trace["y"], strict=True)) == pytest.approx(
            {key: value[trace["name"]] for key, value in expected.items() if value}
        )
    days = narrowed["clever-daily-usage"]["data"][0]["x"]
    assert days and min(days) >= published.week_starts[1]
    assert max(days) < published.week_starts[3]
    assert len(days) < len(before["clever-daily-usage"]["data"][0]["x"])
    # AND the charts the dates do not apply to stay as they were
    for chart_id in ("engagement-drop-by-school-grade", "clever-top-resources"):
        assert narrowed[chart_id]["data"] == before[chart_id]["data"], chart_id
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report.page.screenshot(
        path=str(SCREENSHOTS / "report-filtered.png"), full_page=True
    )

    # WHEN the trend's rate is switched to digital
    report.page.select_option("#trend-rate", "digital")
    report._wait()
    # THEN the trend draws the digital rate, without the in-person target
    trend = report.page.evaluate(
        "() => { const d = document.getElementById('hybrid-trend-by-school'); "
        "return {shapes: (d.layout.shapes || []).length, "
        "title: d.layout.yaxis.title.text}; }"
    )
    assert trend["shapes"] == 0 and trend["title"].startswith("Digital rate")
    # AND "show everything" puts every chart back
    report.page.click("#filter-reset")
    report._wait()
    report.page.select_option("#trend-rate", "in_person")
    report._wait()
    assert report.charts() == before
    assert report.errors == [] and report.outside == []


def test_suppression_holds_under_every_school_grade_and_span_of_weeks(
    mixed_district: District, open_report: Any
) -> None:
    # GIVEN the report of a district with school-grade groups under 10 students
    report_file = mixed_district.data_dir / "report" / "index.html"
    published = Published.read(mixed_district.serving)
    assert any(row["is_suppressed"] for row in published.weeks)
    assert any(not row["is_suppressed"] for row in published.weeks)
    data = page_data(report_file)
    # THEN the page holds no measure of a suppressed group: nothing to compute from
    for cell in data["weekCells"]:
        assert (cell[5] == 1) == (cell[6:] == [None] * 4), cell
    for cell in data["studentCells"]:
        assert (cell[3] == 1) == (cell[4:] == [None] * 3) == (cell[2] < MINIMUM)
    assert all(cell[2] >= MINIMUM for cell in data["dropCells"])
    week_groups = {
        (data["schools"][c[0]], data["grades"][c[1]], data["weeks"][c[2]])
        for c in data["weekCells"]
    }
    for cell in data["sourceCells"]:
        assert cell[5] >= MINIMUM
        school, grade, week = cell[:3]
        key = (data["schools"][school], data["grades"][grade], data["weeks"][week])
        assert key in week_groups
    for row in data["clever"]["usage"] + data["clever"]["daily"]:
        assert row["suppressed"] == (row["logins"] is None)

    # WHEN every school and grade (each, and all) is chosen with every single week
    # and every span from the first week, and all schools and grades with every span
    # (every combination took 720 redraws here; these take 321)
    report = open_report(report_file)
    schools = ["", *(str(n) for n in range(len(data["schools"])))]
    grades = ["", *(str(n) for n in range(len(data["grades"])))]
    spans = list(itertools.combinations_with_replacement(range(len(data["weeks"])), 2))
    some_spans = [(first, last) for first, last in spans if first in (0, last)]
    selections = [
        *itertools.product(schools, grades, some_spans),
        *(("", "", span) for span in spans if span not in some_spans),
    ]
    checked = 0
    for school, grade, (first, last) in selections:
        report.set_all(school, grade, first, last)
        school_name = data["schools"][int(school)] if school else None
        grade_name = data["grades"][int(grade)] if grade else None
        expected = published.pooled(school_name, grade_name, (first, last))
        charts = report.charts()
        # THEN each rate drawn is the sum over the groups of at least 10 students
        # in the selection, and a selection of suppressed groups only draws nothing
        for dimension in ("school", "grade"):
            chart = charts[f"hybrid-rates-by-{dimension}"]
            shown = {key: rates for key, rates in expected[dimension].items() if rates}
            if not shown:
                assert chart["hidden"] and chart["data"] == []
                assert "every group in the selection is suppressed" in chart["empty"]
                continue
            for trace in chart["data"]:
                drawn = dict(zip(trace["x"], trace["y"], strict=True))
                assert drawn == pytest.approx(
                    {key: rates[trace["name"]] for key, rates in shown.items()},
                    rel=1e-12,
                ), (school_name, grade_name, first, last)
            hidden = sorted(set(expected[dimension]) - set(shown))
            if hidden:
                assert "Not drawn, " + SUPPRESSED in chart["note"]
        # AND the headline counts add up the groups of at least 10 students only
        tiles = report.tiles()
        counts = published.tiles(school_name, grade_name)
        assert tiles["students"]["value"] == f"{counts['students']:,}"
        if counts["any_shown"]:
            assert tiles["chronic"]["value"] == f"{counts['absent']:,}"
            assert tiles["at-target"]["value"] == f"{counts['at_target']:,}"
            assert tiles["drop"]["value"] == f"{counts['flagged']:,}"
        else:
            for name in ("chronic", "at-target", "drop"):
                assert tiles[name]["value"] == SUPPRESSED
        # AND no table shows a number where a suppressed group is
        for chart in charts.values():
            for cells in chart["table"]:
                if SUPPRESSED in cells:
                    after = cells[cells.index(SUPPRESSED) + 1 :]
                    assert after == [], cells
        checked += 1
    assert checked == len(set(selections)) >= 300
    assert report.errors == [] and report.outside == []


PROTECTED = f"suppressed (fewer than {MINIMUM} students, or to protect a smaller group)"


def test_equity_panels_show_the_published_cells_and_never_a_suppressed_one(
    mixed_district: District, open_report: Any
) -> None:
    # GIVEN the published equity cells and schools' absence types of a district
    # whose subgroups have categories on both sides of the minimum
    report_file = mixed_district.data_dir / "report" / "index.html"
    cells = rows(
        mixed_district.serving, f"select * from {HYBRID}.engagement_by_subgroup"
    )
    schools = rows(
        mixed_district.serving, f"select * from {HYBRID}.engagement_by_school"
    )
    years = sorted({row["school_year"] for row in cells})
    assert len(years) >= 2
    assert any(row["is_suppressed"] for row in cells)
    data = page_data(report_file)
    # THEN the page holds no figure of a suppressed category
    for cell in data["subgroupCells"]:
        assert (cell[4] == 1) == (cell[5:] == [None] * 9), cell
    for cell in data["absenceCells"]:
        if cell[2] == 1:
            assert cell[5:] == [None] * 9, cell

    def shown(year: int, school: str | None, subgroup: str) -> dict[str, list]:
        return {
            row["subgroup_value"]: row
            for row in cells
            if row["school_year"] == year
            and row["subgroup"] == subgroup
            and (row["school_name"] == school if school else row["scope"] == "district")
        }

    # WHEN the report is drawn, each subgroup picked in turn (all schools, all weeks:
    # the latest school year)
    report = open_report(report_file)
    for subgroup in data["subgroups"]:
        report.page.select_option("#equity-subgroup", subgroup)
        report._wait()
        chart = report.charts()["equity-by-subgroup"]
        want = shown(years[-1], None, subgroup)
        published = {k: row for k, row in want.items() if not row["is_suppressed"]}
        hidden = sorted(k for k, row in want.items() if row["is_suppressed"])
        # THEN it draws the district's published rates of that year's categories
        # that are not suppressed, exactly, and names the others as suppressed
        for trace in chart["data"]:
            column = {
                "In-person rate": "in_person_rate",
                "Digital rate": "digital_rate",
                "Hybrid rate": "hybrid_rate",
            }[trace["name"]]
            drawn = dict(zip(trace["x"], trace["y"], strict=True))
            assert drawn == pytest.approx(
                {k: row[column] for k, row in published.items()}, rel=1e-12
            ), subgroup
        assert chart["hidden"] == (not published)
        assert f"School year {years[-1]}, the district." in chart["note"]
        for value in hidden:
            assert [value, PROTECTED] in chart["table"], (subgroup, value)
            assert value in chart["note"]
        assert len(chart["table"]) == len(want)
    # WHEN a school is picked, and the date range ends in the first school year
    school = next(row["school_name"] for row in cells if row["scope"] == "school")
    report.page.select_option("#equity-subgroup", "race")
    report._wait()
    first_weeks = [
        n
        for n, week in enumerate(data["weeks"])
        if data["years"][data["weekYears"][n]] == str(years[0])
    ]
    report.choose(school=_index(data["schools"], school))
    report.choose(to=str(first_weeks[-1]))
    charts = report.charts()
    # THEN the subgroup chart shows that school's cells of that year
    want = shown(years[0], school, "race")
    chart = charts["equity-by-subgroup"]
    for trace in chart["data"]:
        if trace["name"] == "In-person rate":
            assert dict(zip(trace["x"], trace["y"], strict=True)) == pytest.approx(
                {
                    k: row["in_person_rate"]
                    for k, row in want.items()
                    if not row["is_suppressed"]
                }
            )
    assert f"School year {years[0]}, {school}." in chart["note"]
    assert f"school year {years[0]} in the equity charts" in report.page.inner_text(
        "#filters"
    )
    # AND the absence chart that school's published shares of its student-days:
    # excused, unexcused, and the missed share of partial days (together the
    # absence rate)
    (row,) = [
        r
        for r in schools
        if r["school_name"] == school and r["school_year"] == years[0]
    ]
    absence = {
        trace["name"]: trace for trace in charts["absence-types-by-school"]["data"]
    }
    assert not row["is_suppressed"]
    days = row["school_days"]
    assert absence["Excused absence"]["y"] == pytest.approx(
        [row["excused_absence_days"] / days]
    )
    assert absence["Unexcused absence"]["y"] == pytest.approx(
        [row["unexcused_absence_days"] / days]
    )
    assert sum(trace["y"][0] for trace in absence.values()) == pytest.approx(
        row["absence_rate"]
    )
    assert report.errors == [] and report.outside == []


def test_small_schools_are_named_as_suppressed_never_drawn(
    few_students_district: District, open_report: Any, tmp_path: Path
) -> None:
    # GIVEN the report of a district whose schools have 5, 6 and 11 students
    district = copy_published(few_students_district, tmp_path / "district")
    ok(run_cli("report", data_dir=district.data_dir))
    schools = rows(
        district.serving,
        f"select school_name from {HYBRID}.engagement_by_school order by 1",
    )
    # WHEN it is drawn
    report = open_report(district.data_dir / "report" / "index.html")
    charts = report.charts()
    # THEN every group is under 10 students: no engagement chart draws, each names
    # the schools it leaves out, and the headline figures show no count
    assert report.errors == []
    names = ", ".join(row["school_name"] for row in schools)
    for chart_id in ("hybrid-rates-by-school", "hybrid-in-person-vs-digital"):
        assert charts[chart_id]["hidden"], chart_id
        assert f"Not drawn, {SUPPRESSED}: {names}." in charts[chart_id]["note"]
    tiles = report.tiles()
    assert tiles["students"]["value"] == "22"
    assert tiles["chronic"]["value"] == SUPPRESSED
    assert "22 students in" in report.page.inner_text("#tiles-note")


def test_suppressed_resources_show_no_value(
    published_district: PublishedDistrict, open_report: Any
) -> None:
    # GIVEN the published top 5 per school, some rows suppressed (the small
    # district's schools have about 20 students each)
    suppressed = rows(
        published_district.serving,
        "select school_name, resource_rank, resource_name "
        "from sqls2_clever.clever_top_resources_by_school where is_suppressed",
    )
    assert suppressed
    report = open_report(published_district.data_dir / "report" / "index.html")
    chart = report.charts()["clever-top-resources"]
    (heatmap,) = chart["data"]
    # THEN each is a table row of school, rank, name and the suppression text
    for row in suppressed:
        assert [
            row["school_name"],
            str(row["resource_rank"]),
            row["resource_name"],
            SUPPRESSED,
        ] in chart["table"]
        # AND its cell of the chart has no value, only the word
        y = heatmap["y"].index(row["resource_name"])
        x = heatmap["x"].index(row["school_name"])
        assert heatmap["z"][y][x] is None
        assert heatmap["text"][y][x] == "suppressed"


def test_the_toolbar_never_covers_a_legend(
    mixed_district: District, open_report: Any
) -> None:
    # GIVEN the report, each chart hovered so that plotly shows its toolbar
    report = open_report(mixed_district.data_dir / "report" / "index.html")
    overlaps = {}
    legends = 0
    for chart_id in CHARTS:
        plot = report.page.locator(f"#{chart_id}")
        plot.scroll_into_view_if_needed()
        plot.hover()
        boxes = report.page.evaluate(
            """(id) => {
                const div = document.getElementById(id);
                const box = (e) => e ? e.getBoundingClientRect().toJSON() : null;
                return {toolbar: box(div.querySelector('.modebar')),
                        legend: box(div.querySelector('.legend'))};
            }""",
            chart_id,
        )
        if boxes["legend"] is None:
            continue
        legends += 1
        toolbar, legend = boxes["toolbar"], boxes["legend"]
        assert toolbar and toolbar["width"] > 0, chart_id
        # THEN the toolbar and the legend do not overlap
        overlaps[chart_id] = not (
            toolbar["right"] <= legend["left"]
            or legend["right"] <= toolbar["left"]
            or toolbar["bottom"] <= legend["top"]
            or legend["bottom"] <= toolbar["top"]
        )
    assert legends >= 8
    assert not any(overlaps.values()), overlaps
