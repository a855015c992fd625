"""The pseudonymization rules, written once in the sources' YAML, are OEA's."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml
from helpers.cli import PROJECT_DIR

# OEA's metadata.csv entity names -> our raw tables.
CONTOSO_FILES = {  # OEA lists these two under each other's name; the files decide
    "studentattendance": "studentattendance",
    "studentdemographics": "studentsectionmark",
    "studentsectionmark": "studentdemographics",
}
GRAPH_TABLES = {
    "users": "users",
    "m365_app_user_detail": "m365_app_user_detail",
    "teams_activity_user_detail": "teams_activity_user_detail",
}
# Where we deliberately differ from OEA, and why.
DEVIATIONS = {
    # carries the student's SIS id in OEA's own data: no-op would leak it
    ("insights", "person_organization_role", "ExternalId"): "hash-no-lookup",
    # a student's race, ethnicity and flags where the SIS has none, for the equity
    # breakdowns: kept like the SIS's own (no-op in OEA), published only as
    # suppressed categories (OEA masks them)
    ("insights", "person_demographic_race", "RefRaceId"): "no-op",
    ("insights", "person_demographic_ethnicity", "RefEthnicityId"): "no-op",
    ("insights", "person_demographic_person_flag", "RefPersonFlagId"): "no-op",
}
RENAMED = {("insights", "activity", "MeetingDuration"): "Meeting Duration"}


def _rules() -> dict[tuple[str, str, str], str]:
    rules = {}
    for path in (PROJECT_DIR / "models/staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                for column in table.get("columns", []):
                    meta = column.get("config", {}).get("meta", {})
                    if "pseudonymization" in meta:
                        key = (source["name"], table["name"], column["name"])
                        rules[key] = meta["pseudonymization"]
    return rules


def _oea_metadata(path: Path) -> dict[tuple[str, str], str]:
    rules, entity = {}, None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Entity Name"]:
                entity = row["Entity Name"]
            elif row["Attribute Name"] and row["Pseudonymization"] and entity:
                rules[(entity, row["Attribute Name"])] = row["Pseudonymization"]
    return rules


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def test_every_staged_column_has_one_of_oeas_four_rules() -> None:
    # GIVEN the rules written in the sources' YAML
    rules = _rules()
    # THEN there are rules for every source, each one of OEA's four operations, and
    # every id a student can be found by is hashed
    assert {source for source, _, _ in rules} == {
        "clever",
        "contoso_sis",
        "insights",
        "iready",
        "graph",
    }
    assert set(rules.values()) == {"hash", "hash-no-lookup", "mask", "no-op"}
    for key in (
        ("clever", "daily_participation", "sis_id"),
        ("contoso_sis", "studentattendance", "student_id"),
        ("insights", "activity", "ActorId"),
        ("graph", "m365_app_user_detail", "userPrincipalName"),
        ("iready", "comprehensive_student_lesson_activity", "Student ID"),
    ):
        assert rules[key].startswith("hash"), key
    assert rules[("iready", "comprehensive_student_lesson_activity", "Last Name")] == (
        "mask"
    )


def test_rules_are_oeas_metadata(oea_data: Path) -> None:
    # GIVEN OEA's metadata files of the Contoso SIS, Insights and Graph modules
    rules = _rules()
    expected = {}
    for (entity, column), op in _oea_metadata(
        oea_data / "contoso_sis/metadata.csv"
    ).items():
        expected[("contoso_sis", CONTOSO_FILES[entity], column)] = op
    insights = _oea_metadata(oea_data / "insights/metadata.csv")
    for (entity, column), op in insights.items():
        expected[("insights", _snake(entity), column)] = op
    graph = _oea_metadata(oea_data / "graph/metadata_beta.csv")
    for (entity, column), op in graph.items():
        if entity in GRAPH_TABLES:
            expected[("graph", GRAPH_TABLES[entity], column)] = op
    # THEN every column we stage that OEA describes has OEA's rule, except the
    # documented deviations
    compared = 0
    for (source, table, column), op in expected.items():
        ours = rules.get((source, table, RENAMED.get((source, table, column), column)))
        if ours is None:
            continue
        compared += 1
        key = (source, table, column)
        assert ours == DEVIATIONS.get(key, op), key
    assert compared > 80
