"""Loading the other sources: Contoso SIS, Insights (headerless, schema-driven),
i-Ready and Graph JSON pages, including the bad inputs each one meets in practice.
Each bad input gets its documented status and nothing else is lost."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from helpers.cli import ok, run_cli, with_findings
from helpers.district import District, csv_rows, generate

from loaders.sources.contoso_sis import STUDENT_ATTENDANCE_HEADER
from loaders.sources.iready import COMPREHENSIVE_LESSON_ACTIVITY_HEADER

REPORT = "comprehensive_student_lesson_activity_with_standards"


def _write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _manifest(district: District) -> dict[str, tuple]:
    rows = district.query(
        "select file_path, status, rows_in, rows_loaded, rows_rejected, rows_padded, "
        "reason, columns_from from loader.manifest order by file_id",
        "restricted",
    )
    return {row[0]: row[1:] for row in rows}


def _rejects(district: District, path: str) -> dict[int, str]:
    return dict(
        district.query(
            "select line, reason from loader.rejects "
            f"where file_path = '{path}' order by line",
            "restricted",
        )
    )


def _copy_generated(generated: District, target: District, pattern: str) -> None:
    for path in generated.files(pattern):
        destination = target.landing / path.relative_to(generated.landing)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, destination)


# --- Contoso SIS -----------------------------------------------------------------


def test_attendance_codes_load_whatever_they_are(tmp_path: Path) -> None:
    # GIVEN a batch whose line 3 carries the code T (tardy) and line 6 a code no
    # mapping knows (dbt classifies codes with its attendance_codes seed and reports
    # unknown ones); line 4 has no code but a presence flag
    header = ",".join(STUDENT_ATTENDANCE_HEADER)
    path = _write(
        tmp_path / "landing/contoso_sis/batch1/studentattendance.csv",
        header,
        "a1,st1,2022,sch1,2022-01-03,Yes,,,P,1,Present,ClassSectionAttendance,",
        "a2,st2,2022,sch1,2022-01-03,Yes,,,T,1,Tardy,ClassSectionAttendance,",
        "a3,st3,2022,sch1,8/15/2020,No,1,sec1,,0,Absent,ClassSectionAttendance,0",
        "a4,st4,2022,sch1,2022-01-04,Yes,,,A,0,Absent,ClassSectionAttendance,",
        "a5,st5,2022,sch1,2022-01-04,Yes,,,Zz,0,Absent,ClassSectionAttendance,",
    )
    # WHEN it is loaded (with a finding: line 4's date is a Saturday)
    with_findings(run_cli("load", data_dir=tmp_path))
    district = District(tmp_path)
    name = path.relative_to(district.landing).as_posix()
    # THEN every row loads: the loader does not judge codes
    assert _manifest(district)[name][:4] == ("loaded", 5, 5, 0)
    assert _rejects(district, name) == {}
    loaded = district.query(
        'select id, "AttendanceCode" from raw_contoso_sis.studentattendance '
        "order by id",
        "restricted",
    )
    assert loaded == [
        ("a1", "P"),
        ("a2", "T"),
        ("a3", None),
        ("a4", "A"),
        ("a5", "Zz"),
    ]


def test_later_sis_batches_load_after_earlier_ones(tmp_path: Path) -> None:
    # GIVEN batches named batch1, batch2 and batch10 (natural order, not text order)
    header = (
        "SIS ID,FederalRaceCategory,PrimaryLanguage,ELLStatus,SpecialEducation,"
        "LowIncome"
    )
    for batch, status in (("batch10", "C"), ("batch2", "B"), ("batch1", "A")):
        _write(
            tmp_path / f"landing/contoso_sis/{batch}/studentdemographics.csv",
            header,
            f"st1,White,English,{status},,0",
        )
    # WHEN they are loaded in one run
    ok(run_cli("load", data_dir=tmp_path))
    # THEN they were loaded batch1, batch2, batch10: later batches after earlier ones
    order = District(tmp_path).query(
        "select _batch from raw_contoso_sis.studentdemographics order by _loaded_at",
        "restricted",
    )
    assert order == [("batch1",), ("batch2",), ("batch10",)]


# --- Microsoft Education Insights -------------------------------------------------


def _insights_export(root: Path) -> Path:
    """A tiny export: a schema with a four-column AadUser, and a snapshot manifest."""
    schema = {
        "definitions": [
            {
                "entityName": "AadUser",
                "hasAttributes": [
                    {"name": "ObjectId", "dataFormat": "String"},
                    {"name": "FirstSeenDateTime", "dataFormat": "DateTime"},
                    {"name": "StudentId", "dataFormat": "String"},
                    {"name": "TeacherId", "dataFormat": "String"},
                ],
            }
        ]
    }
    (root / "schema").mkdir(parents=True)
    (root / "schema/roster.v0.3.2.cdm.json").write_text(json.dumps(schema))
    snapshot = root / "roster/2024-09-03T06-16-22"
    snapshot.mkdir(parents=True)
    (snapshot / "snapshot.roster.manifest.cdm.json").write_text(
        json.dumps(
            {
                "entities": [
                    {
                        "entityName": "AadUser",
                        "entityPath": "local:/schema/roster.v0.3.2.cdm.json/AadUser",
                    }
                ]
            }
        )
    )
    return snapshot


def test_roster_row_with_a_field_too_many_is_rejected_alone(tmp_path: Path) -> None:
    # GIVEN a headerless roster file: line 2 has one field more than its schema,
    # line 3 lacks its trailing field (read as NULL), the others are whole
    snapshot = _insights_export(tmp_path / "landing/insights/k12")
    path = _write(
        snapshot / "AadUser/aaduser.csv",
        "o1,2024-09-01,s1,",
        "o2,2024-09-01,s2,,extra",
        "o3,8/13/2021,s3",
        "o4,,,t4",
    )
    # WHEN it is loaded
    with_findings(run_cli("load", data_dir=tmp_path))
    district = District(tmp_path)
    name = path.relative_to(district.landing).as_posix()
    # THEN the long row is rejected with its line; the short one loads, counted
    status, rows_in, loaded, rejected, padded, _, columns_from = _manifest(district)[
        name
    ]
    assert (status, rows_in, loaded, rejected, padded) == ("loaded", 4, 3, 1, 1)
    assert columns_from == "insights/k12/schema/roster.v0.3.2.cdm.json#AadUser"
    reasons = _rejects(district, name)
    assert list(reasons) == [2] and "TOO MANY COLUMNS" in reasons[2]
    # AND the columns are the schema's, in its order, with each row's line; the
    # table's other columns (not in this schema) stay empty
    rows = district.query(
        'select "ObjectId", "FirstSeenDateTime", "StudentId", "TeacherId", '
        '"GivenName", _source_row, _snapshot '
        "from raw_insights.aad_user order by _source_row",
        "restricted",
    )
    assert rows == [
        ("o1", "2024-09-01", "s1", None, None, 1, "2024-09-03T06-16-22"),
        ("o3", "8/13/2021", "s3", None, None, 3, "2024-09-03T06-16-22"),
        ("o4", None, None, "t4", None, 4, "2024-09-03T06-16-22"),
    ]


def test_a_district_size_roster_lacking_a_trailing_field_loads_whole(
    tmp_path: Path,
) -> None:
    # GIVEN a headerless roster file of 70,000 rows (15 MB, more than one buffer of
    # DuckDB's parallel CSV reader), every row without its trailing field and one
    # row with a field too many, near the end
    snapshot = _insights_export(tmp_path / "landing/insights/k12")
    lines = [f"o{n},2024-09-01,s{n}" + "x" * 180 for n in range(70_000)]
    lines[69_000] += ",,extra"
    path = _write(snapshot / "AadUser/aaduser.csv", *lines)
    # WHEN it is loaded
    with_findings(run_cli("load", data_dir=tmp_path))
    district = District(tmp_path)
    # THEN every row is accounted for: the long one rejected with its line, all the
    # others loaded and counted as read with a NULL trailing field
    name = path.relative_to(district.landing).as_posix()
    status, rows_in, loaded, rejected, padded, *_ = _manifest(district)[name]
    assert (status, rows_in, loaded, rejected) == ("loaded", 70_000, 69_999, 1)
    assert padded == 69_999
    assert list(_rejects(district, name)) == [69_001]


def test_roster_file_without_its_schema_is_quarantined(tmp_path: Path) -> None:
    # GIVEN a snapshot whose manifest names a schema file that was not delivered,
    # and an entity folder the manifest does not list
    snapshot = _insights_export(tmp_path / "landing/insights")
    (tmp_path / "landing/insights/schema/roster.v0.3.2.cdm.json").unlink()
    _write(snapshot / "AadUser/part-0.csv", "o1,,s1,")
    _write(snapshot / "RefTranslation/reftranslation.csv", "x,y")
    # WHEN loading
    result = run_cli("load", data_dir=tmp_path)
    # THEN the AadUser file is quarantined (its columns are unknown) and the run
    # fails; the unlisted entity is recorded as ignored, with the reason
    assert result.returncode != 0
    manifest = _manifest(District(tmp_path))
    folder = "insights/roster/2024-09-03T06-16-22"
    status, *_, reason, _ = manifest[f"{folder}/AadUser/part-0.csv"]
    assert status == "quarantined" and "schema" in reason
    status, *_, reason, _ = manifest[f"{folder}/RefTranslation/reftranslation.csv"]
    assert status == "ignored" and "not listed" in reason


# --- i-Ready -----------------------------------------------------------------------


def test_iready_file_with_a_renamed_header_is_quarantined(tmp_path: Path) -> None:
    # GIVEN two ELA exports, one whose time column was renamed
    header = list(COMPREHENSIVE_LESSON_ACTIVITY_HEADER)
    row = (
        "Rice,Erika,st1,2,2021-2022,Redwood Academy,Reading,Phonics,1,Mid,L1,"
        '"Lesson, one",Objective,09/23/2021,14,100,Passed,N,CA-ELA,Direct,RF.1,Text'
    )
    folder = tmp_path / f"landing/iready/{REPORT}_ela"
    _write(folder / "2021-09-24.csv", ",".join(header), row)
    renamed = [
        "Total Time on Lesson (minutes)"
        if name == "Total Time on Lesson (min)"
        else name
        for name in header
    ]
    _write(folder / "2021-09-25.csv", ",".join(renamed), row)
    # WHEN they are loaded
    result = run_cli("load", data_dir=tmp_path)
    # THEN the renamed one is quarantined, naming the column; the other loads whole
    assert result.returncode != 0
    assert "Total Time on Lesson (minutes)" in result.stderr
    manifest = _manifest(District(tmp_path))
    assert manifest[f"iready/{REPORT}_ela/2021-09-25.csv"][:2] == ("quarantined", None)
    assert manifest[f"iready/{REPORT}_ela/2021-09-24.csv"][:4] == ("loaded", 1, 1, 0)
    assert District(tmp_path).query(
        'select "Lesson Name", "Total Time on Lesson (min)", _subject '
        "from raw_iready.comprehensive_student_lesson_activity",
        "restricted",
    ) == [("Lesson, one", "14", "ela")]


# --- Microsoft Graph ----------------------------------------------------------------


def test_graph_line_that_is_not_json_is_rejected_with_its_line(tmp_path: Path) -> None:
    # GIVEN a Teams report file: two pages of two and one records, a line cut off
    # mid-page, and a JSON line that is not a Graph page
    def record(user: str, calls: int) -> dict[str, object]:
        return {
            "reportRefreshDate": "2022-01-02",
            "userPrincipalName": f"{user}@contoso.org",
            "callCount": calls,
            "videoDuration": "PT1M10S",
            "assignedProducts": ["OFFICE 365 A1 FOR STUDENTS"],
        }

    path = _write(
        tmp_path / "landing/graph/k12/Teams_Activity_User_Detail/part-00000.json",
        json.dumps({"value": [record("a", 1), record("b", 2)]}),
        '{"value":[{"reportRefreshDate":"2022-01-02","userPrincipalName":"c@',
        json.dumps({"@odata.nextLink": "https://graph.microsoft.com/next"}),
        json.dumps({"value": [record("d", 4)]}),
    )
    # WHEN it is loaded
    with_findings(run_cli("load", data_dir=tmp_path))
    district = District(tmp_path)
    name = path.relative_to(district.landing).as_posix()
    # THEN lines 2 and 3 are rejected with their numbers; the three records load
    assert _manifest(district)[name][:4] == ("loaded", 5, 3, 2)
    reasons = _rejects(district, name)
    assert reasons[2] == "not JSON"
    assert reasons[3].startswith('no "value" array')
    # AND every record keeps its page's line, its place in the page and its fields
    # as text, nested values as JSON text
    rows = district.query(
        'select "userPrincipalName", "callCount", "assignedProducts", _source_row, '
        "_source_record from raw_graph.teams_activity_user_detail order by 4, 5",
        "restricted",
    )
    assert rows == [
        ("a@contoso.org", "1", '["OFFICE 365 A1 FOR STUDENTS"]', 1, 1),
        ("b@contoso.org", "2", '["OFFICE 365 A1 FOR STUDENTS"]', 1, 2),
        ("d@contoso.org", "4", '["OFFICE 365 A1 FOR STUDENTS"]', 4, 1),
    ]


def test_concealed_graph_user_names_are_reported_when_loading(tmp_path: Path) -> None:
    # GIVEN an M365 report whose user names Microsoft concealed (hashes, no @)
    _write(
        tmp_path / "landing/graph/M365_App_User_Detail/2022-01-02/part-00000.json",
        json.dumps(
            {
                "value": [
                    {
                        "reportRefreshDate": "2022-01-02",
                        "userPrincipalName": "3F2A5C0E9B1D4F6A8C7E5B3D1F9A0C2E",
                        "details": [{"reportPeriod": "7", "excel": True}],
                    }
                ]
            }
        ),
    )
    # WHEN it is loaded
    result = with_findings(run_cli("load", data_dir=tmp_path))
    # THEN the rows load, and the loader warns and says which setting to change
    assert "WARNING" in result.stderr
    assert "Display concealed user, group, and site names" in result.stderr
    assert (
        District(tmp_path).scalar(
            "select count(*) from raw_graph.m365_app_user_detail", "restricted"
        )
        == 1
    )


# --- The generated district ---------------------------------------------------------


def test_every_generated_file_loads_whole(small_district: District) -> None:
    # GIVEN a generated district, its data files counted independently
    expected = {}
    for path in small_district.landing.rglob("*"):
        if not path.is_file() or path.name.endswith(".cdm.json"):
            continue
        name = path.relative_to(small_district.landing).as_posix()
        if path.suffix == ".json":
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            expected[name] = sum(len(json.loads(line)["value"]) for line in lines)
        elif name.startswith("insights/"):
            expected[name] = len(path.read_text().splitlines())
        else:
            expected[name] = len(csv_rows(path))
    # WHEN it is loaded
    ok(run_cli("load", data_dir=small_district.data_dir))
    # THEN every data file is loaded with all its rows and nothing rejected
    manifest = _manifest(small_district)
    for name, rows in expected.items():
        status, rows_in, loaded, rejected, *_ = manifest[name]
        assert (status, rows_in, loaded, rejected) == ("loaded", rows, rows, 0), name
    # AND the only files not loaded are the Insights schemas and manifests
    assert {n for n, row in manifest.items() if row[0] != "loaded"} == {
        n for n in manifest if n.endswith(".cdm.json")
    }
    # AND student AadUser rows, which lack the trailing TeacherId, are counted
    padded = small_district.scalar(
        "select sum(rows_padded) from loader.manifest where table_name = 'aad_user'",
        "restricted",
    )
    # (counted with Python's csv: the rows with fewer fields than the schema's
    # attributes, every one a student's)
    schema = json.loads(
        (small_district.landing / "insights/schema/roster.v0.3.2.cdm.json").read_text()
    )
    attributes = next(
        len(entity["hasAttributes"])
        for entity in schema["definitions"]
        if entity["entityName"] == "AadUser"
    )
    rows = [
        row
        for path in small_district.files("insights/roster/*/AadUser/aaduser.csv")
        for row in csv.reader(path.read_text().splitlines())
        if row
    ]
    short = [row for row in rows if len(row) < attributes]
    students = [row for row in rows if row[8].lower() == "student"]
    assert short and short == students
    assert padded == len(short)


def test_a_later_sis_batch_loads_without_duplicating(tmp_path: Path) -> None:
    # GIVEN a generated district whose SIS batches arrive one after another
    generated = generate(tmp_path / "generated")
    district = District(tmp_path / "district")
    batches = sorted({p.parent.name for p in generated.files("contoso_sis/*/*.csv")})
    assert len(batches) >= 2
    for batch in batches:
        _copy_generated(generated, district, f"contoso_sis/{batch}/*.csv")
        ok(run_cli("load", data_dir=district.data_dir))
    # THEN the raw tables hold every delivered row of every batch, once
    for table in ("studentattendance", "studentdemographics", "studentsectionmark"):
        delivered = len(generated.rows(f"contoso_sis/*/{table}.csv"))
        raw = district.scalar(
            f"select count(*) from raw_contoso_sis.{table}", "restricted"
        )
        assert raw == delivered > 0, table
