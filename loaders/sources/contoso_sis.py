"""Contoso SIS: student attendance, demographics and section marks (OEA's stand-in for
any student information system).

The SIS exports incremental batches, each a folder holding the tables that changed,
with a header row:

    contoso_sis/batch1/studentattendance.csv
    contoso_sis/batch1/studentdemographics.csv
    contoso_sis/batch1/studentsectionmark.csv
    contoso_sis/batch2/studentattendance.csv          (a later batch)

Any folder name works (`batch7`, `2024-09-06`); batches load in natural order
(batch2 before batch10) and a later batch's record replaces an earlier one with the
same primary key in staging (`id`, or `SIS ID` for demographics), so re-sent records
never count twice.

Column names follow the files. OEA's metadata.csv lists the columns of
studentsectionmark under the name studentdemographics and vice versa; the files are
the authority here (demographics carry `SIS ID`, section marks carry grades).

Attendance codes load as delivered (OEA's P and A, and whatever else a SIS uses:
tardy, excused, half day, ...). dbt classifies them with the `attendance_codes` seed;
a code the seed does not list is a finding there (the record stays, counted as
neither present nor absent), never a silent absence. Dates come as 2022-01-03 or
8/15/2020 (both appear in OEA's batches).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from loaders.specs import (
    BOOLEAN,
    INTEGER,
    ISO_OR_US_DATE,
    NUMBER,
    Check,
    Column,
    Flag,
    Layout,
    RawTable,
    Source,
)

YES_NO = Check(
    "lower({v}) in ('yes', 'no', 'y', 'n', 'true', 'false', '1', '0')",
    "Yes or No",
)

STUDENT_ATTENDANCE_HEADER = (
    "id",
    "student_id",
    "school_year",
    "school_id",
    "attendance_date",
    "all_day",
    "Period",
    "section_id",
    "AttendanceCode",
    "PresenceFlag",
    "attendance_status",
    "attendance_type",
    "attendance_sequence",
)
STUDENT_DEMOGRAPHICS_HEADER = (
    "SIS ID",
    "FederalRaceCategory",
    "PrimaryLanguage",
    "ELLStatus",
    "SpecialEducation",
    "LowIncome",
)
STUDENT_SECTION_MARK_HEADER = (
    "id",
    "student_id",
    "section_id",
    "school_year",
    "term_id",
    "numeric_grade_earned",
    "alpha_grade_earned",
    "is_final_grade",
    "credits_attempted",
    "credits_earned",
    "grad_credit_type",
)


# A school day on a weekend is possible (a Saturday school) but more often a wrong
# date: the record loads and the line is reported.
WEEKEND_ATTENDANCE = Flag(
    "isodow(try_strptime(\"attendance_date\", ['%Y-%m-%d', '%m/%d/%Y'])) >= 6",
    "attendance_date is a Saturday or Sunday",
)


def _batch_layout(file_name: str, header: tuple[str, ...]) -> Layout:
    def metadata(groups: Mapping[str, str]) -> Mapping[str, str]:
        return {"_batch": groups["batch"]}

    return Layout(
        re.compile(rf"(?P<batch>[^/]+)/{file_name}\.csv", re.IGNORECASE),
        header=lambda groups: header,
        metadata=metadata,
    )


STUDENT_ATTENDANCE = RawTable(
    source="contoso_sis",
    name="studentattendance",
    description="Attendance records: one per student per day (all_day) or period.",
    columns=(
        Column("id", required=True),
        Column("student_id", required=True),
        Column("school_year", INTEGER),
        Column("school_id"),
        Column("attendance_date", ISO_OR_US_DATE, required=True),
        Column("all_day", YES_NO),
        Column("Period", INTEGER),
        Column("section_id"),
        Column("AttendanceCode"),
        Column("PresenceFlag", BOOLEAN),
        Column("attendance_status"),
        Column("attendance_type"),
        Column("attendance_sequence", INTEGER),
    ),
    layouts=(_batch_layout("studentattendance", STUDENT_ATTENDANCE_HEADER),),
    metadata_columns=("_batch",),
    key=("id",),
    deliveries="replace",
    flags=(WEEKEND_ATTENDANCE,),
)

STUDENT_DEMOGRAPHICS = RawTable(
    source="contoso_sis",
    name="studentdemographics",
    description="Student demographics: one row per student (SIS ID).",
    columns=(
        Column("SIS ID", required=True),
        Column("FederalRaceCategory"),
        Column("PrimaryLanguage"),
        Column("ELLStatus"),
        Column("SpecialEducation"),
        Column("LowIncome", BOOLEAN),
    ),
    layouts=(_batch_layout("studentdemographics", STUDENT_DEMOGRAPHICS_HEADER),),
    metadata_columns=("_batch",),
    key=("SIS ID",),
    deliveries="replace",
)

STUDENT_SECTION_MARK = RawTable(
    source="contoso_sis",
    name="studentsectionmark",
    description="Section marks: one row per student per section per term.",
    columns=(
        Column("id", required=True),
        Column("student_id", required=True),
        Column("section_id"),
        Column("school_year", INTEGER),
        Column("term_id"),
        Column("numeric_grade_earned", NUMBER),
        Column("alpha_grade_earned"),
        Column("is_final_grade", YES_NO),
        Column("credits_attempted", NUMBER),
        Column("credits_earned", NUMBER),
        Column("grad_credit_type"),
    ),
    layouts=(_batch_layout("studentsectionmark", STUDENT_SECTION_MARK_HEADER),),
    metadata_columns=("_batch",),
    key=("id",),
    deliveries="replace",
)

SOURCE = Source(
    name="contoso_sis",
    description="Contoso SIS (any SIS exporting OEA's Contoso tables)",
    tables=(STUDENT_ATTENDANCE, STUDENT_DEMOGRAPHICS, STUDENT_SECTION_MARK),
)
