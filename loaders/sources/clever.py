"""Clever Participation Reports: daily participation and resource usage.

Clever's SFTP delivers one file per report, user type and day, flat in the report's
folder:

    daily-participation/2024-09-03-daily-participation-students.csv  (-teachers, -staff)
    resource-usage/2024-09-03-resource-usage-students.csv

OEA's published test data uses one file per user type instead:

    daily-participation/Students/Students.csv

Both are accepted. Staff files carry `staff_id` where student and teacher files carry
`sis_id`; the raw tables have both columns and record the user type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from loaders.specs import (
    COUNT,
    ISO_DATE,
    TRUE_FALSE,
    Column,
    Layout,
    RawTable,
    RemoteFolder,
    Source,
)

USER_TYPES = ("students", "teachers", "staff")
# OEA's layout: one folder per user type in each report folder.
USER_TYPE_FOLDERS = ("Students", "Teachers", "Staff")

DAILY_PARTICIPATION_HEADER = (
    "date",
    "sis_id",
    "clever_user_id",
    "clever_school_id",
    "school_name",
    "active",
    "num_logins",
    "num_resources_accessed",
)
RESOURCE_USAGE_HEADER = (
    "date",
    "sis_id",
    "clever_user_id",
    "clever_school_id",
    "school_name",
    "resource_type",
    "resource_name",
    "resource_id",
    "num_access",
)


def header_for(report_header: tuple[str, ...], user_type: str) -> tuple[str, ...]:
    """The header Clever writes for a user type: staff files name the id `staff_id`."""
    if user_type == "staff":
        return tuple("staff_id" if name == "sis_id" else name for name in report_header)
    return report_header


def _flat_file_name(folder: str) -> str:
    """Clever's SFTP file name in a report folder, e.g.
    2024-09-03-daily-participation-students.csv."""
    return (
        rf"(?P<report_date>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})-{folder}-"
        r"(?P<user_type>students|teachers|staff)\.csv"
    )


def _layouts(folder: str, report_header: tuple[str, ...]) -> tuple[Layout, ...]:
    def header(groups: Mapping[str, str]) -> tuple[str, ...]:
        return header_for(report_header, groups["user_type"].lower())

    def metadata(groups: Mapping[str, str]) -> Mapping[str, str]:
        return {"_user_type": groups["user_type"].lower()}

    flat = re.compile(rf"{folder}/{_flat_file_name(folder)}")
    per_user_type = re.compile(
        rf"{folder}/(?P<user_type>Students|Teachers|Staff)/[^/]+\.csv", re.IGNORECASE
    )
    return (
        Layout(flat, header, metadata),
        Layout(per_user_type, header, metadata),
    )


_ids = (
    Column("sis_id"),
    Column("staff_id"),
    Column("clever_user_id", required=True),
    Column("clever_school_id"),
    Column("school_name"),
)

DAILY_PARTICIPATION = RawTable(
    source="clever",
    name="daily_participation",
    description="Clever daily participation: one row per user per day, active or not.",
    columns=(
        Column("date", ISO_DATE, required=True),
        *_ids,
        Column("active", TRUE_FALSE, required=True),
        Column("num_logins", COUNT, required=True),
        Column("num_resources_accessed", COUNT, required=True),
    ),
    layouts=_layouts("daily-participation", DAILY_PARTICIPATION_HEADER),
    metadata_columns=("_user_type",),
    key=("_user_type", "clever_user_id", "date"),
)

RESOURCE_USAGE = RawTable(
    source="clever",
    name="resource_usage",
    description="Clever resource usage: one row per user per resource per active day.",
    columns=(
        Column("date", ISO_DATE, required=True),
        *_ids,
        Column("resource_type"),
        Column("resource_name"),
        Column("resource_id", required=True),
        Column("num_access", COUNT, required=True),
    ),
    layouts=_layouts("resource-usage", RESOURCE_USAGE_HEADER),
    metadata_columns=("_user_type",),
    key=("_user_type", "clever_user_id", "date", "resource_id"),
)

SOURCE = Source(
    name="clever",
    description="Clever Participation Reports",
    tables=(DAILY_PARTICIPATION, RESOURCE_USAGE),
    # What `fetch` mirrors from Clever's SFTP: the flat report files, and OEA's
    # Students/, Teachers/ and Staff/ folders (spelled exactly so) with their .csv
    # files, named in plain ASCII.
    remote_folders=tuple(
        RemoteFolder(
            folder,
            re.compile(_flat_file_name(folder)),
            subfolders=USER_TYPE_FOLDERS,
            subfolder_file_name=re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.csv"),
        )
        for folder in ("daily-participation", "resource-usage")
    ),
)
