"""i-Ready (Curriculum Associates): lesson activity and diagnostics, ELA and Math.

i-Ready exports CSVs with a header row whose names carry spaces and parentheses
(`Total Time on Lesson (min)`) and dates as MM/DD/YYYY. One folder per report and
subject, any file name inside:

    iready/comprehensive_student_lesson_activity_with_standards_ela/2024-09-06.csv
    iready/comprehensive_student_lesson_activity_with_standards_math/2024-09-06.csv
    iready/personalized_instruction_by_lesson_ela/ela.csv            (… _math)
    iready/diagnostic_results_ela/ela.csv                            (… _math)

Deliver each export under a new name when it holds only new lessons (e.g. the
export's date), or always under the same name when it is year-to-date: a file under
a known name is a restatement and replaces its earlier version, so lessons never
count twice.

The comprehensive lesson activity report (with state standards) feeds
digital_activity, as in OEA. Its columns are those OEA's i-Ready module documents; OEA
publishes no sample of it, so the sample district generates one. The personalized
instruction report lists the same lessons without standards: it is loaded and staged
(OEA's sample has it) but not added to digital_activity, which would count each
lesson twice. `Student ID` is the SIS student id; names are masked in staging and
kept only in restricted.duckdb.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from loaders.specs import COUNT, NUMBER, US_DATE, Column, Layout, RawTable, Source

_STUDENT = (
    "Last Name",
    "First Name",
    "Student ID",
    "Student Grade",
    "Academic Year",
    "School",
)
_LESSON = (
    "Subject",
    "Domain",
    "Lesson Grade",
    "Lesson Level",
    "Lesson ID",
    "Lesson Name",
    "Lesson Objective",
)
_RESULT = (
    "Completion Date",
    "Total Time on Lesson (min)",
    "Score",
    "Passed or Not Passed",
    "Teacher-Assigned Lesson",
)

COMPREHENSIVE_LESSON_ACTIVITY_HEADER = (
    *_STUDENT,
    *_LESSON,
    *_RESULT,
    "State Standards",
    "Type of Standard",
    "Standard Code",
    "Standard Text",
)
PERSONALIZED_INSTRUCTION_HEADER = (*_STUDENT, *_LESSON, "Lesson Language", *_RESULT)

_DIAGNOSTIC_START = (
    *_STUDENT,
    "Start Date",
    "Completion Date",
    "Diagnostic used to establish Growth Measures (Y/N)",
    "Most Recent Diagnostic (Y/N)",
    "Duration (min)",
    "Rush Flag",
    "Overall Scale Score",
    "Overall Placement",
    "Overall Relative Placement",
    "Percentile",
    "Grouping",
)
_DIAGNOSTIC_END = (
    "Diagnostic Language",
    "Annual Typical Growth Measure",
    "Annual Stretch Growth Measure",
    "Mid On Grade Level Scale Score",
)


def _domains(*names: str) -> tuple[str, ...]:
    return tuple(
        f"{name} {part}"
        for name in names
        for part in ("Scale Score", "Placement", "Relative Placement")
    )


DIAGNOSTIC_ELA_HEADER = (
    *_DIAGNOSTIC_START,
    "Lexile Measure",
    "Lexile Range",
    *_domains(
        "Phonological Awareness",
        "Phonics",
        "High-Frequency Words",
        "Vocabulary",
        "Reading Comprehension: Literature",
        "Reading Comprehension: Informational Text",
    ),
    *_DIAGNOSTIC_END,
    "Reading Difficulty Indicator (Y/N)",
)
DIAGNOSTIC_MATH_HEADER = (
    *_DIAGNOSTIC_START,
    "Quantile Measure",
    "Quantile Range",
    *_domains(
        "Number and Operations",
        "Algebra and Algebraic Thinking",
        "Measurement and Data",
        "Geometry",
    ),
    *_DIAGNOSTIC_END,
)

# Value rules for the columns staging casts; every other column stays text.
_CHECKS = {
    "Student ID": Column("Student ID", required=True),
    "Completion Date": Column("Completion Date", US_DATE),
    "Start Date": Column("Start Date", US_DATE),
    "Total Time on Lesson (min)": Column("Total Time on Lesson (min)", COUNT),
    "Duration (min)": Column("Duration (min)", COUNT),
    "Score": Column("Score", NUMBER),
    "Overall Scale Score": Column("Overall Scale Score", NUMBER),
    "Percentile": Column("Percentile", NUMBER),
}


def _columns(header: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(_CHECKS.get(name, Column(name)) for name in header)


def _subject_layout(folder: str, header: tuple[str, ...]) -> Layout:
    def metadata(groups: Mapping[str, str]) -> Mapping[str, str]:
        return {"_subject": groups["subject"].lower()}

    return Layout(
        re.compile(rf"{folder}_(?P<subject>ela|math)/[^/]+\.csv", re.IGNORECASE),
        header=lambda groups: header,
        metadata=metadata,
    )


def _layout(folder: str, header: tuple[str, ...]) -> Layout:
    return Layout(
        re.compile(rf"{folder}/[^/]+\.csv", re.IGNORECASE),
        header=lambda groups: header,
    )


COMPREHENSIVE_LESSON_ACTIVITY = RawTable(
    source="iready",
    name="comprehensive_student_lesson_activity",
    description="Comprehensive student lesson activity with standards, ELA and Math.",
    columns=_columns(COMPREHENSIVE_LESSON_ACTIVITY_HEADER),
    layouts=(
        _subject_layout(
            "comprehensive_student_lesson_activity_with_standards",
            COMPREHENSIVE_LESSON_ACTIVITY_HEADER,
        ),
    ),
    metadata_columns=("_subject",),
)

PERSONALIZED_INSTRUCTION = RawTable(
    source="iready",
    name="personalized_instruction_by_lesson",
    description="Personalized instruction by lesson, ELA and Math.",
    columns=_columns(PERSONALIZED_INSTRUCTION_HEADER),
    layouts=(
        _subject_layout(
            "personalized_instruction_by_lesson", PERSONALIZED_INSTRUCTION_HEADER
        ),
    ),
    metadata_columns=("_subject",),
)

DIAGNOSTIC_RESULTS_ELA = RawTable(
    source="iready",
    name="diagnostic_results_ela",
    description="Diagnostic results, ELA: one row per completed diagnostic.",
    columns=_columns(DIAGNOSTIC_ELA_HEADER),
    layouts=(_layout("diagnostic_results_ela", DIAGNOSTIC_ELA_HEADER),),
)

DIAGNOSTIC_RESULTS_MATH = RawTable(
    source="iready",
    name="diagnostic_results_math",
    description="Diagnostic results, Math: one row per completed diagnostic.",
    columns=_columns(DIAGNOSTIC_MATH_HEADER),
    layouts=(_layout("diagnostic_results_math", DIAGNOSTIC_MATH_HEADER),),
)

SOURCE = Source(
    name="iready",
    description="i-Ready lesson activity and diagnostics",
    tables=(
        COMPREHENSIVE_LESSON_ACTIVITY,
        PERSONALIZED_INSTRUCTION,
        DIAGNOSTIC_RESULTS_ELA,
        DIAGNOSTIC_RESULTS_MATH,
    ),
)
