"""OEA's published test data, every source, end to end (skipped when it is absent).

The files are dropped into the landing tree as OEA publishes them (Insights' headerless
activity extract in activity_sample/, its schema in k12/schema/); the district is built
once per test session (conftest's oea_district). Counts are checked against Python's
own reading of the files.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers import delivered
from helpers.cli import ok, run_cli
from helpers.district import District

pytestmark = pytest.mark.slow


def _python_count(path: Path) -> int:
    """Records in a delivered file, read without DuckDB."""
    if path.suffix == ".json":
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        return sum(len(json.loads(line)["value"]) for line in lines)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    headerless = path.as_posix().count("/insights/") > 0
    return len(rows) if headerless else len(rows) - 1


def test_every_oea_row_is_loaded_or_rejected_with_a_reason(
    oea_district: District,
) -> None:
    # GIVEN the manifest of the loaded sample
    manifest = oea_district.query(
        "select file_path, status, rows_in, rows_loaded, rows_rejected "
        "from loader.manifest",
        "restricted",
    )
    loaded = {path: row for path, *row in manifest if row[0] == "loaded"}
    # THEN every data file loaded, and its rows in = Python's count = loaded + rejected
    for path, (_, rows_in, rows_loaded, rows_rejected) in loaded.items():
        assert rows_in == _python_count(oea_district.landing / path), path
        assert rows_in == rows_loaded + rows_rejected, path
    not_loaded = {path: row[0] for path, *row in manifest if row[0] != "loaded"}
    assert set(not_loaded.values()) == {"ignored"}
    # (schemas and manifests, and RefTranslation, which the schema does not describe)
    assert {p for p in not_loaded if not p.endswith(".cdm.json")} == {
        "insights/k12/roster/2022-01-28T06-16-22/RefTranslation/reftranslation.csv"
    }
    # AND the documented rejects are the only ones: PersonDemographic rows carry one
    # field more than roster.v0.3.2 declares (its Race, Ethnicity and PersonFlag
    # entities carry the LastSeenDateTime the schema leaves out, which the loader puts
    # back; two of their Ids repeat for another person, and the earlier line is
    # superseded by the later); SectionGradeLevel's columns are not in
    # the schema's order (a grade id where FirstSeenDateTime should be); 147 i-Ready
    # math lesson names mix backslash and doubled quotes; and the i-Ready personalized
    # instruction reports repeat 7 (ELA) and 4 (math) lines exactly, each the line
    # before it, which are rejected as duplicates of it
    rejected = dict(
        oea_district.query(
            "select file_path, count(*) from loader.rejects group by 1", "restricted"
        )
    )
    repeats = oea_district.query(
        "select file_path, line, reason from loader.rejects "
        "where rule = 'duplicate of an earlier record in the file'",
        "restricted",
    )
    assert {reason for *_, reason in repeats} == {
        f"duplicate of line {line - 1}" for _, line, _ in repeats
    }
    assert sorted({path for path, *_ in repeats}) == [
        "iready/personalized_instruction_by_lesson_ela/ela.csv",
        "iready/personalized_instruction_by_lesson_math/math.csv",
    ]
    roster = "insights/k12/roster/2022-01-28T06-16-22"
    assert rejected == {
        f"{roster}/PersonDemographic/persondemographic.csv": 600,
        f"{roster}/PersonDemographicEthnicity/persondemographicethnicity.csv": 1,
        f"{roster}/PersonDemographicPersonFlag/persondemographicpersonflag.csv": 1,
        f"{roster}/SectionGradeLevel/sectiongradelevel.csv": 87,
        "iready/personalized_instruction_by_lesson_ela/ela.csv": 7,
        "iready/personalized_instruction_by_lesson_math/math.csv": 147 + 4,
    }
    # AND AadUser's rows, 12 of the schema's 13 fields, loaded with TeacherId NULL
    assert (
        oea_district.scalar(
            "select sum(rows_padded) from loader.manifest "
            "where table_name = 'aad_user'",
            "restricted",
        )
        == 600
    )


def test_oea_sources_reach_staging_and_digital_activity(
    oea_district: District,
) -> None:
    # THEN SIS batch2 replaced batch1's versions instead of adding to them
    assert oea_district.query(
        "select "
        "(select count(*) from staging.stg_contoso_sis__studentattendance), "
        "(select count(*) from staging.stg_contoso_sis__studentdemographics), "
        "(select count(*) from staging.stg_contoso_sis__studentsectionmark), "
        "(select count(*) from staging.stg_contoso_sis__studentdemographics "
        " where batch = 'batch2')"
    ) == [(12020, 100, 1047, 3)]
    # AND digital_activity holds every source's rows (Graph unpivoted: 6 apps per
    # M365 record, 6 counters and the video time per Teams record)
    counts = dict(
        oea_district.query(
            "select event_object, count(*) "
            "from sqls2_digital_activity.digital_activity group by 1"
        )
    )
    assert counts == {
        "Clever_Daily_Participation": 15000,
        "MS_Insights": 5676,
        "MS_GraphAPI_M365": 512 * 6,
        "MS_GraphAPI_Teams": 497 * 7,
    }


def test_oea_identity_match_rates(oea_district: District) -> None:
    # GIVEN the match rates per source
    rates = dict(
        oea_district.query(
            "select event_object, sum(matched_rows) / sum(activity_rows) "
            "from audit.digital_activity_identity_match_rates group by 1"
        )
    )
    # THEN Clever and Graph reach the SIS roster fully: their ids line up with the
    # SIS (Graph through users). OEA's Insights activity sample names persons the
    # roster sample does not have: nothing maps, and all of it is still kept
    assert rates == {
        "Clever_Daily_Participation": 1.0,
        "MS_GraphAPI_M365": 1.0,
        "MS_GraphAPI_Teams": 1.0,
        "MS_Insights": 0.0,
    }
    assert (
        oea_district.scalar(
            "select count(*) from digital_engagement.digital_activity "
            "where event_object = 'MS_Insights' and event_actor is null"
        )
        == 5676
    )


def test_no_oea_id_or_name_reaches_the_warehouse(oea_district: District) -> None:
    # GIVEN every raw id and name in OEA's files (SIS, Clever, Insights, Graph,
    # i-Ready)
    values = delivered.personal_values(oea_district)
    assert len(values) > 3000
    # THEN no text column of the warehouse holds one, and every name column is
    # masked
    assert delivered.leaks(oea_district, values) == []


def test_summary_warns_about_a_source_that_reaches_no_student(
    oea_district: District,
) -> None:
    # WHEN the summary is printed for the OEA sample
    result = ok(run_cli("summary", data_dir=oea_district.data_dir))
    # THEN it lists digital_activity per source with its match rate, and warns that
    # no Insights activity reaches a student
    assert "MS_GraphAPI_Teams" in result.stdout and "100.0%" in result.stdout
    assert "no MS_Insights activity reaches a student" in result.stderr
    assert "no MS_GraphAPI_M365 activity" not in result.stderr
