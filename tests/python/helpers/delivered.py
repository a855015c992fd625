"""The delivered files of a district read with plain Python (csv, json), never with
the loaders or dbt: the independent side of the end-to-end checks."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import duckdb

from helpers.district import District

REPORT = "comprehensive_student_lesson_activity_with_standards"
EVENT_OBJECTS = (
    "Clever_Daily_Participation",
    "Clever_Resource_Usage",
    "MS_Insights",
    "MS_GraphAPI_M365",
    "MS_GraphAPI_Teams",
    "iReady_Comprehensive_Student_Lesson_Activity_with_Standards_ELA",
    "iReady_Comprehensive_Student_Lesson_Activity_with_Standards_Math",
)
IREADY_ELA = EVENT_OBJECTS[5]
IREADY_MATH = EVENT_OBJECTS[6]
M365_APPS = ("excel", "oneNote", "outlook", "powerPoint", "teams", "word")
TEAMS_COUNTERS = (
    "callCount",
    "meetingCount",
    "meetingsAttendedCount",
    "meetingsOrganizedCount",
    "privateChatMessageCount",
    "teamChatMessageCount",
)


def _schema_columns(root: Path, file_name: str, entity: str) -> list[str]:
    document = json.loads((root / "schema" / file_name).read_text())
    for definition in document["definitions"]:
        if definition["entityName"] == entity:
            return [attribute["name"] for attribute in definition["hasAttributes"]]
    raise KeyError(entity)


def insights_rows(district: District, entity: str) -> list[dict[str, str]]:
    """Rows of a roster entity (every snapshot) or of "activity", named by the
    schema files delivered with them; missing trailing fields read as ''."""
    schemas = sorted(district.landing.glob("insights/**/schema/roster.*.cdm.json"))
    if not schemas:
        return []
    root = schemas[0].parent.parent
    if entity == "activity":
        columns = _schema_columns(root, "activity.v0.1.0.cdm.json", "TechActivity")
        paths = sorted(root.glob("activity/*/*.csv"))
    else:
        columns = _schema_columns(root, "roster.v0.3.2.cdm.json", entity)
        paths = sorted(root.glob(f"roster/*/{entity}/*.csv"))
    rows = []
    for path in paths:
        with path.open(newline="") as handle:
            for fields in csv.reader(handle):
                padded = fields + [""] * (len(columns) - len(fields))
                row = dict(zip(columns, padded[: len(columns)], strict=True))
                row["_snapshot"] = path.parent.parent.name
                rows.append(row)
    return rows


def graph_records(district: District, report: str) -> list[dict[str, object]]:
    records = []
    for path in sorted(district.landing.glob(f"graph/**/{report}/**/*.json")):
        for line in path.read_text().splitlines():
            if line.strip():
                records.extend(json.loads(line)["value"])
    return records


def iready_lessons(district: District, subject: str) -> list[dict[str, str]]:
    return district.rows(f"iready/{REPORT}_{subject}/*.csv")


def expected_activity_rows(district: District) -> dict[str, int]:
    """digital_activity rows per event_object, by the mapping rules."""
    m365 = graph_records(district, "M365_App_User_Detail")
    return {
        "Clever_Daily_Participation": len(
            district.rows("clever/daily-participation/*.csv")
        ),
        "Clever_Resource_Usage": len(district.rows("clever/resource-usage/*.csv")),
        "MS_Insights": len(insights_rows(district, "activity")),
        "MS_GraphAPI_M365": sum(len(r.get("details") or []) for r in m365) * 6,
        "MS_GraphAPI_Teams": len(graph_records(district, "Teams_Activity_User_Detail"))
        * 7,
        EVENT_OBJECTS[5]: sum(
            1 for r in iready_lessons(district, "ela") if r["Completion Date"]
        ),
        EVENT_OBJECTS[6]: sum(
            1 for r in iready_lessons(district, "math") if r["Completion Date"]
        ),
    }


def insights_actor_sis_ids(district: District) -> dict[str, str]:
    """Insights ActorId (a Person id) -> SIS id, through AadUserPersonMapping and
    AadUser (StudentId, else TeacherId, else ObjectId), newest snapshot winning."""
    accounts = {}
    for row in sorted(insights_rows(district, "AadUser"), key=lambda r: r["_snapshot"]):
        accounts[row["ObjectId"]] = (
            row["StudentId"] or row["TeacherId"] or row["ObjectId"]
        )
    persons = {}
    mappings = insights_rows(district, "AadUserPersonMapping")
    for row in sorted(mappings, key=lambda r: r["_snapshot"]):
        persons[row["PersonId"]] = accounts.get(row["ObjectId"], row["ObjectId"])
    return persons


def graph_user_sis_ids(district: District) -> dict[str, str]:
    return {
        str(user["userPrincipalName"]): str(user["id"])
        for user in graph_records(district, "Users")
    }


def sis_students(district: District) -> set[str]:
    attendance = {
        r["student_id"] for r in district.rows("contoso_sis/*/studentattendance.csv")
    }
    demographics = {
        r["SIS ID"] for r in district.rows("contoso_sis/*/studentdemographics.csv")
    }
    return attendance | demographics


def matched_rows(district: District) -> dict[str, Counter[bool]]:
    """Per event_object: activity rows whose actor is a student on the SIS roster
    (True) or not (False)."""
    students = sis_students(district)
    persons = insights_actor_sis_ids(district)
    users = graph_user_sis_ids(district)
    result: dict[str, Counter[bool]] = {}
    clever = {
        "Clever_Daily_Participation": "clever/daily-participation/*.csv",
        "Clever_Resource_Usage": "clever/resource-usage/*.csv",
    }
    for event_object, pattern in clever.items():
        result[event_object] = Counter(
            (row.get("sis_id") or row.get("staff_id") or "") in students
            for row in district.rows(pattern)
        )
    result["MS_Insights"] = Counter(
        persons.get(row["ActorId"], "") in students
        for row in insights_rows(district, "activity")
    )
    for event_object, report, per_record in (
        ("MS_GraphAPI_M365", "M365_App_User_Detail", 6),
        ("MS_GraphAPI_Teams", "Teams_Activity_User_Detail", 7),
    ):
        counter: Counter[bool] = Counter()
        for record in graph_records(district, report):
            periods = len(record.get("details") or []) if per_record == 6 else 1
            matched = users.get(str(record["userPrincipalName"]), "") in students
            counter[matched] += per_record * periods
        result[event_object] = counter
    for event_object, subject in (
        (EVENT_OBJECTS[5], "ela"),
        (EVENT_OBJECTS[6], "math"),
    ):
        result[event_object] = Counter(
            row["Student ID"] in students
            for row in iready_lessons(district, subject)
            if row["Completion Date"]
        )
    return result


def personal_values(district: District) -> set[str]:
    """Raw ids, sign-in names, mail addresses and full names of people in every
    delivered file of every source: none may appear inside any warehouse text."""
    values: set[str] = set()
    for row in district.rows("clever/**/*.csv"):
        values.update(
            row.get(k) or "" for k in ("sis_id", "staff_id", "clever_user_id")
        )
    for row in district.rows("contoso_sis/*/*.csv"):
        values.update(row.get(k) or "" for k in ("student_id", "SIS ID"))
    for entity, columns in (
        (
            "AadUser",
            ("ObjectId", "UserPrincipalName", "StudentId", "TeacherId", "Mail"),
        ),
        ("AadUserPersonMapping", ("ObjectId", "PersonId")),
        ("Person", ("Id",)),
        ("PersonOrganizationRole", ("PersonId", "ExternalId")),
    ):
        for row in insights_rows(district, entity):
            values.update(row[k] for k in columns)
            if entity == "AadUser":
                values.add(row["DisplayName"])
            if entity == "Person":
                values.add(f"{row['GivenName']} {row['Surname']}")
    values.update(r["ActorId"] for r in insights_rows(district, "activity"))
    for user in graph_records(district, "Users"):
        values.update(str(user[k]) for k in ("userPrincipalName", "id"))
        values.add(f"{user['givenName']} {user['surname']}")
    for report in ("M365_App_User_Detail", "Teams_Activity_User_Detail"):
        values.update(
            str(r["userPrincipalName"]) for r in graph_records(district, report)
        )
    for row in district.rows("iready/*/*.csv"):
        values.update((row["Student ID"], f"{row['First Name']} {row['Last Name']}"))
    return {value for value in values if len(value) > 3}


# Warehouse columns that hold a person's name or mail: masked, so only '*' or NULL.
NAME_COLUMNS = (
    "given_name", "surname", "first_name", "last_name", "middle_name",
    "display_name", "mail", "mail_nickname", "preferred_given_name",
    "preferred_middle_name", "preferred_surname",
)  # fmt: skip


def leaks(district: District, values: set[str]) -> list[str]:
    """Every text column of every warehouse table and view that holds one of the
    `values` inside its text, or a name column that holds anything but '*'."""
    found_in = []
    with duckdb.connect(str(district.warehouse), read_only=True) as conn:
        conn.execute("create temp table personal (value varchar)")
        conn.executemany("insert into personal values (?)", [[v] for v in values])
        columns = conn.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and data_type = 'VARCHAR' "
            "and schema_name not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        assert columns
        for schema, table, column in columns:
            unmasked = (
                f"or scanned.\"{column}\" <> '*'" if column in NAME_COLUMNS else ""
            )
            found = conn.execute(
                f'select count(*) from "{schema}"."{table}" as scanned '
                "where exists (select 1 from personal "
                f'where contains(scanned."{column}", personal.value)) {unmasked}'
            ).fetchone()[0]
            if found:
                found_in.append(f"{schema}.{table}.{column}: {found} rows")
    return found_in
