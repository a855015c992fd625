"""The bad-delivery catalogue: one district whose deliveries hold every kind of mess
districts send, against the same district delivered clean.

Every case adds bad lines or files to clean ones (or restates a file and ends on its
clean content), so the messy district must publish exactly what the clean one does,
except for what a finding says it kept (a weekend attendance record loads, flagged).
The expected rejects and flags are written down here, from how each mess was made;
the counts of delivered lines come from Python's csv module.
"""

from __future__ import annotations

import csv
import html
import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.cli import FINDINGS_EXIT, ok, run_cli
from helpers.district import SMALL, District, generate

# Its module-scoped fixture is built once: every test of the module on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_messy_deliveries")]

PARTICIPATION = "clever/daily-participation"
USAGE = "clever/resource-usage"
LESSONS_ELA = "iready/comprehensive_student_lesson_activity_with_standards_ela"


@dataclass
class Expected:
    """What the loader must say about the messy files: (file, line) -> words the
    rule contains, for rejected and for flagged lines; files ignored."""

    rejected: dict[tuple[str, int], str] = field(default_factory=dict)
    flagged: dict[tuple[str, int], str] = field(default_factory=dict)
    # lines that load and that dbt finds fault with (delivery_findings, not flags)
    found_by_dbt: dict[tuple[str, int], str] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)  # ASCII names no report has
    latin1: str = ""
    saturday_student: str = ""


def _lines(path: Path, encoding: str = "utf-8") -> list[str]:
    return path.read_text(encoding=encoding).splitlines()


def _write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def _fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def _joined(fields: list[str]) -> str:
    """A CSV line as the sources write it (quotes only where needed)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


def _restate(path: Path, lines: list[str], *, keep_stat_of: Path | None = None) -> None:
    """Rewrite a file in place; with `keep_stat_of`, give it that file's mtime (same
    size is the caller's business), as a restatement that only a hash can see."""
    _write_lines(path, lines)
    if keep_stat_of is not None:
        status = keep_stat_of.stat()
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def _first(landing: Path, folder: str, suffix: str, skip: int = 0) -> Path:
    return sorted((landing / folder).glob(f"*{suffix}"))[skip]


# -- the restatements, loaded over three runs ----------------------------------------


@dataclass(frozen=True)
class Restatements:
    three_times: Path  # R1, R2, then the clean content
    a_b_a: Path  # A (clean), B, A
    same_size_and_mtime: Path  # A (clean), B of A's size and mtime, A


def _with_active_flipped(lines: list[str], rows: range) -> list[str]:
    """Clever daily participation with `active` flipped on the given data lines
    (True <-> False keep their length apart; both are valid values)."""
    changed = list(lines)
    for index in rows:
        fields = _fields(changed[index])
        fields[5] = "False" if fields[5] == "True" else "True"
        changed[index] = _joined(fields)
    return changed


def _with_one_digit_changed(lines: list[str]) -> list[str]:
    """The last digit of the first record (a count) changed: same size, other
    content."""
    changed = list(lines)
    line = changed[1]
    at = max(i for i, char in enumerate(line) if char.isdigit())
    changed[1] = line[:at] + ("2" if line[at] == "1" else "1") + line[at + 1 :]
    return changed


# -- the bad lines and files, delivered for the final run ---------------------------


def _duplicates_and_conflicts(landing: Path, expected: Expected) -> None:
    # an exact duplicate line, appended
    path = _first(landing, PARTICIPATION, "-students.csv", skip=1)
    lines = _lines(path)
    lines.append(lines[1])
    _write_lines(path, lines)
    relative = path.relative_to(landing).as_posix()
    expected.rejected[(relative, len(lines))] = "duplicate of an earlier record"
    # a second line for the same user and day, blank sis_id, before the real one
    path = _first(landing, PARTICIPATION, "-students.csv", skip=2)
    lines = _lines(path)
    conflicting = _fields(lines[1])
    conflicting[1], conflicting[6] = "", "7"
    lines.insert(1, _joined(conflicting))
    _write_lines(path, lines)
    relative = path.relative_to(landing).as_posix()
    expected.rejected[(relative, 2)] = "superseded by a later record"
    # the same records again in OEA's per-user-type layout: a repeat of another file
    source = _first(landing, PARTICIPATION, "-students.csv", skip=3)
    copied = _lines(source)[:4]
    _write_lines(landing / PARTICIPATION / "Students" / "Students.csv", copied)
    for line in range(2, 5):
        expected.rejected[(f"{PARTICIPATION}/Students/Students.csv", line)] = (
            "duplicate of a record another file delivered first"
        )


def _sis_lines(landing: Path, expected: Expected) -> None:
    path = sorted(landing.glob("contoso_sis/*/studentattendance.csv"))[0]
    relative = path.relative_to(landing).as_posix()
    lines = _lines(path)
    first = _fields(lines[1])
    # a reused record id, another student, before the real record
    reused = list(first)
    reused[1] = "not-this-student"
    lines.insert(1, _joined(reused))
    expected.rejected[(relative, 2)] = "superseded by a later record"
    # an attendance code the attendance_codes seed does not list: it loads, and
    # dbt reports it (counted as neither present nor absent)
    unknown = list(first)
    unknown[0], unknown[8] = "mess-code", "X"
    lines.append(_joined(unknown))
    expected.found_by_dbt[(relative, len(lines))] = "not in the attendance_codes"
    # a blank student id, a day that does not exist
    for changes, rule in (
        ({0: "mess-blank", 1: ""}, "student_id is empty"),
        ({0: "mess-date", 4: "2024-02-30"}, "attendance_date is not a date"),
    ):
        bad = list(first)
        for index, value in changes.items():
            bad[index] = value
        lines.append(_joined(bad))
        expected.rejected[(relative, len(lines))] = rule
    # a Saturday record of a real student: it loads, flagged (and, on a day no one
    # else was recorded, it makes no school day: a calendar finding)
    saturday = list(first)
    saturday[0], saturday[4] = "mess-saturday", "2024-09-07"
    lines.append(_joined(saturday))
    expected.flagged[(relative, len(lines))] = "Saturday or Sunday"
    expected.saturday_student = first[1]
    _write_lines(path, lines)


def _odd_files(landing: Path, clean_landing: Path, expected: Expected) -> None:
    # a line with one field too many
    path = _first(landing, USAGE, "-students.csv", skip=1)
    lines = _lines(path)
    lines.append(lines[1] + ",surplus")
    _write_lines(path, lines)
    expected.rejected[(path.relative_to(landing).as_posix(), len(lines))] = (
        "TOO MANY COLUMNS"
    )
    # a byte order mark and CRLF line ends: read as they are, nothing rejected
    path = _first(landing, USAGE, "-teachers.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    # a header-only export
    header = _lines(_first(landing, LESSONS_ELA, ".csv"))[0]
    _write_lines(landing / LESSONS_ELA / "2099-01-01.csv", [header])
    # a Latin-1 export (the clean district gets the same text as UTF-8)
    for root, encoding in ((clean_landing, "utf-8"), (landing, "latin-1")):
        path = _first(root, LESSONS_ELA, ".csv")
        lines = _lines(path)
        fields = _fields(lines[1])
        fields[1] = "José"
        lines[1] = _joined(fields)
        _write_lines(path, lines, encoding)
    expected.latin1 = _first(landing, LESSONS_ELA, ".csv").relative_to(landing)
    expected.latin1 = expected.latin1.as_posix()
    # a lookalike name (fullwidth digits) and a file no report has
    source = _first(landing, PARTICIPATION, "-staff.csv")
    fullwidth = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
    shutil.copy(source, source.with_name(source.name.translate(fullwidth)))
    _write_lines(landing / PARTICIPATION / "notes.csv", ["a,b", "1,2"])
    expected.ignored.add(f"{PARTICIPATION}/notes.csv")


def _oea_insights_layout(landing: Path) -> None:
    """Insights as OEA publishes its sample: roster and schema below k12/, the
    activity extract in activity_sample/, away from its schema."""
    insights = landing / "insights"
    (insights / "k12").mkdir()
    for name in ("roster", "schema"):
        shutil.move(insights / name, insights / "k12" / name)
    sample = insights / "activity_sample"
    sample.mkdir()
    for number, path in enumerate(sorted(insights.glob("activity/*/*.csv")), 1):
        shutil.move(path, sample / f"part{number}.csv")
    shutil.rmtree(insights / "activity")


# -- the two districts ----------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    clean: District
    messy: District
    expected: Expected
    restated: Restatements
    pipeline_output: str
    pipeline_status: int


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    root = tmp_path_factory.mktemp("catalogue")
    clean = generate(root / "clean", *SMALL)
    messy = District(root / "messy")
    shutil.copytree(clean.landing, messy.landing)
    landing = messy.landing
    _oea_insights_layout(landing)

    # Runs 1 to 3: the restatements, each run with the next content
    restated = Restatements(
        three_times=_first(landing, PARTICIPATION, "-students.csv", skip=4),
        a_b_a=_first(landing, PARTICIPATION, "-students.csv", skip=5),
        same_size_and_mtime=_first(landing, USAGE, "-staff.csv"),
    )
    holding = root / "originals"
    holding.mkdir()
    shutil.copy2(restated.same_size_and_mtime, holding)
    three_times, a_b_a, same = (
        _lines(restated.three_times),
        _lines(restated.a_b_a),
        _lines(restated.same_size_and_mtime),
    )
    _restate(restated.three_times, _with_active_flipped(three_times, range(1, 3)))
    ok(run_cli("load", data_dir=messy.data_dir))
    _restate(restated.three_times, _with_active_flipped(three_times, range(2, 5)))
    _restate(restated.a_b_a, _with_active_flipped(a_b_a, range(1, 4)))
    _restate(
        restated.same_size_and_mtime,
        _with_one_digit_changed(same),
        keep_stat_of=holding / restated.same_size_and_mtime.name,
    )
    assert (
        restated.same_size_and_mtime.stat().st_size
        == (holding / restated.same_size_and_mtime.name).stat().st_size
    )
    ok(run_cli("load", data_dir=messy.data_dir))
    _restate(restated.three_times, three_times)
    _restate(restated.a_b_a, a_b_a)
    _restate(
        restated.same_size_and_mtime,
        same,
        keep_stat_of=holding / restated.same_size_and_mtime.name,
    )
    ok(run_cli("load", data_dir=messy.data_dir))

    # The final run: every other mess arrives, and `pipeline` runs on both districts
    expected = Expected()
    _duplicates_and_conflicts(landing, expected)
    _sis_lines(landing, expected)
    _odd_files(landing, clean.landing, expected)
    ok(run_cli("pipeline", data_dir=clean.data_dir))
    result = run_cli("pipeline", data_dir=messy.data_dir)
    return Catalogue(
        clean,
        messy,
        expected,
        restated,
        result.stdout + result.stderr,
        result.returncode,
    )


def _data_lines(path: Path) -> int:
    """Records in a delivered CSV, counted by Python (header excluded)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    rows = [row for row in csv.reader(text.splitlines()) if row]
    headerless = "/insights/" in f"/{path.as_posix()}"
    return len(rows) if headerless else len(rows) - 1


# -- the checks ---------------------------------------------------------------------


def test_the_messy_district_publishes_with_findings(catalogue: Catalogue) -> None:
    # THEN the run published and says it has findings, with its own exit status
    assert catalogue.pipeline_status == FINDINGS_EXIT, catalogue.pipeline_output
    assert "Published, with findings" in catalogue.pipeline_output
    assert catalogue.messy.serving.exists()
    # AND the summary names every file with a finding
    expected = catalogue.expected
    files = {path for path, _ in [*expected.rejected, *expected.flagged]}
    for path in files | expected.ignored | {expected.latin1}:
        assert path in catalogue.pipeline_output, path
    # AND the dbt tests of the finding tier that found the unknown code and the
    # attendance outside the school calendar
    assert "attendance_codes_are_known" in catalogue.pipeline_output
    assert "attendance_is_recorded_only_on_instructional_days" in (
        catalogue.pipeline_output
    )
    assert "unsafe name" in catalogue.pipeline_output
    # AND so does the report's data-quality section
    report = (catalogue.messy.data_dir / "report" / "index.html").read_text()
    quality = report[report.index('id="quality"') :]
    for path in files | expected.ignored | {expected.latin1}:
        assert html.escape(path) in quality, path


def test_every_line_is_loaded_rejected_or_superseded(catalogue: Catalogue) -> None:
    # GIVEN the published per-file accounting
    rows = catalogue.messy.query(
        "select file_path, version_number, delivery_status, rows_in, rows_in_use, "
        "rows_rejected, rows_superseded from sqls2_quality.delivered_files "
        "where delivery_status not in ('ignored', 'duplicate')",
        "serving",
    )
    assert rows
    for path, version, status, rows_in, in_use, rejected, superseded in rows:
        # THEN rows in = in use + rejected + superseded, for every version
        assert rows_in == in_use + rejected + superseded, (path, version)
        # AND the current version's rows in = Python's count of its lines
        if status == "in use" and path.endswith(".csv"):
            assert rows_in == _data_lines(catalogue.messy.landing / path), path


def test_every_rejected_and_flagged_line_is_named(catalogue: Catalogue) -> None:
    expected = catalogue.expected
    mess_files = {path for path, _ in expected.rejected}
    # THEN the rejects of the messy files are exactly the lines the mess made, each
    # with its file, line and rule
    rejects = catalogue.messy.query(
        "select file_path, line, rule, reason from loader.rejects",
        "restricted",
    )
    found = {
        (path, line): rule for path, line, rule, _ in rejects if path in mess_files
    }
    assert set(found) == set(expected.rejected)
    for key, words in expected.rejected.items():
        assert words in found[key], (key, found[key])
    assert all(reason for *_, reason in rejects)
    flags = catalogue.messy.query(
        "select file_path, line, rule from loader.flags", "restricted"
    )
    assert {(path, line): rule for path, line, rule in flags}.keys() == set(
        expected.flagged
    )
    # AND the published quality table lists each with its first lines, no values
    published = catalogue.messy.query(
        "select file_path, finding_kind, rule, rows_affected, first_lines "
        "from sqls2_quality.delivery_findings",
        "serving",
    )
    for path, line in [*expected.rejected, *expected.flagged]:
        assert any(
            row[0] == path and str(line) in (row[4] or "").split(", ")
            for row in published
        ), (path, line)
    for (path, line), words in expected.found_by_dbt.items():
        assert any(
            row[0] == path
            and row[1] == "flagged"
            and words in row[2]
            and str(line) in (row[4] or "").split(", ")
            for row in published
        ), (path, line)
    assert not any("'X'" in str(row) for row in published)
    assert not any("not-this-student" in str(row) for row in published)
    # AND the ignored files and the Latin-1 file are findings of their own
    reasons = {row[0]: row[2] for row in published if row[1] == "file"}
    for name in expected.ignored:
        assert "not a known clever report" in reasons[name]
    assert "Latin-1" in reasons[expected.latin1]
    assert any("unsafe name" in reason for reason in reasons.values())


def test_restatements_keep_the_newest_content(catalogue: Catalogue) -> None:
    landing = catalogue.messy.landing
    restated = catalogue.restated
    versions = {
        path.relative_to(landing).as_posix(): 3
        for path in (restated.three_times, restated.a_b_a, restated.same_size_and_mtime)
    }
    rows = catalogue.messy.query(
        "select file_path, version_number, delivery_status "
        "from sqls2_quality.delivered_files order by file_path, version_number",
        "serving",
    )
    for path, count in versions.items():
        history = [(v, s) for p, v, s in rows if p == path]
        # THEN each restatement is a version, the last one in use (A -> B -> A
        # ends on A, a same-size same-mtime change was seen)
        assert history == [
            *((n, "superseded by a newer version") for n in range(1, count)),
            (count, "in use"),
        ], path


def test_the_rest_equals_the_clean_district(catalogue: Catalogue) -> None:
    # THEN every activity row equals the clean district's
    activity = (
        "select event_id, event_type, event_actor, event_object, "
        '"event_eventTime", entity_type, '
        '"generated_aggregateMeasure_metric_timeOnTaskSec", '
        '"generated_aggregateMeasure_metric_numAccess", '
        '"generated_aggregateMeasure_metric_used" '
        "from sqls2_digital_activity.digital_activity order by all"
    )
    clean = catalogue.clean.query(activity, "serving")
    assert clean
    assert catalogue.messy.query(activity, "serving") == clean
    # AND every student's engagement: the flagged Saturday record, on a day no one
    # else was recorded, is no school day (the calendar says so, a finding), and
    # the record with an unknown code next to a real one changes nothing
    students = "select * from sqls3_hybrid_engagement.student_engagement order by all"
    assert catalogue.messy.query(students, "serving") == catalogue.clean.query(
        students, "serving"
    )
    assert catalogue.messy.query(
        "select finding, students_affected "
        "from sqls2_quality.attendance_calendar_findings "
        "where calendar_date = date '2024-09-07'",
        "serving",
    ) == [("attendance recorded on a day that is not an instructional day", 1)]
