"""Microsoft Graph reports: Microsoft 365 app user detail, Teams activity user detail,
and users (which maps a report's `userPrincipalName` to the SIS id).

Files hold the pages exactly as the Graph API returns them, one JSON object
`{"value": [record, ...]}` per line. One folder per report, anywhere below graph/,
with any sub-folders (e.g. the refresh date) and file names:

    graph/M365_App_User_Detail/2024-09-08/part-00000.json
    graph/Teams_Activity_User_Detail/2024-09-08/part-00000.json
    graph/Users/2024-09-03/part-00000.json

(OEA's sample layout, graph/k12/<Report>/part-*.json, matches too.) Every record is a
row: its fields as text, nested values (the M365 app flags under `details`, Teams'
`assignedProducts`) as JSON text, the page's line as `_source_row` and the record's
place in the page as `_source_record`. A line that is not a Graph page is rejected
with its line number.

Microsoft conceals user names in usage reports by default: `userPrincipalName` then
holds a hash, no user matches it, and no Graph activity could reach a student. The
loader warns for every such file and a dbt test fails the build, naming the setting.
"""

from __future__ import annotations

import re

from loaders.specs import (
    BOOLEAN,
    COUNT,
    ISO_DATE,
    ISO_DURATION,
    JSON_ARRAY,
    Column,
    Flag,
    Layout,
    RawTable,
    Source,
)

CONCEALED_NAMES = Flag(
    "\"userPrincipalName\" not like '%@%'",
    "userPrincipalName is not a user name (no @): Microsoft 365 conceals user names "
    "in usage reports by default, so these rows cannot be matched to any student. "
    "In the Microsoft 365 admin center, Settings > Org settings > Services > Reports, "
    "clear 'Display concealed user, group, and site names in all reports', then "
    "export the reports again.",
)

USERS_FIELDS = ("surname", "givenName", "userPrincipalName", "id")
M365_APP_USER_DETAIL_FIELDS = (
    "reportRefreshDate",
    "userPrincipalName",
    "lastActivationDate",
    "lastActivityDate",
    "details",
)
TEAMS_COUNTERS = (
    "privateChatMessageCount",
    "teamChatMessageCount",
    "meetingsAttendedCount",
    "meetingCount",
    "meetingsOrganizedCount",
    "callCount",
    "scheduledOneTimeMeetingsAttendedCount",
    "scheduledOneTimeMeetingsOrganizedCount",
    "scheduledRecurringMeetingsAttendedCount",
    "scheduledRecurringMeetingsOrganizedCount",
    "adHocMeetingsAttendedCount",
    "adHocMeetingsOrganizedCount",
)
TEAMS_DURATIONS = ("audioDuration", "videoDuration", "screenShareDuration")
TEAMS_ACTIVITY_USER_DETAIL_FIELDS = (
    "reportRefreshDate",
    "userPrincipalName",
    "lastActivityDate",
    "deletedDate",
    "isDeleted",
    "isLicensed",
    "reportPeriod",
    *TEAMS_COUNTERS,
    *TEAMS_DURATIONS,
    "assignedProducts",
    "hasOtherAction",
)


def _layout(report: str, fields: tuple[str, ...]) -> Layout:
    return Layout(
        re.compile(rf"(?:[^/]+/)*{report}/(?:[^/]+/)*[^/]+\.json", re.IGNORECASE),
        header=lambda groups: fields,
        reader="json_pages",
    )


USERS = RawTable(
    source="graph",
    name="users",
    description="Microsoft 365 users: userPrincipalName and id (the SIS id), names.",
    columns=(
        Column("surname"),
        Column("givenName"),
        Column("userPrincipalName", required=True),
        Column("id", required=True),
    ),
    layouts=(_layout("Users", USERS_FIELDS),),
    metadata_columns=("_source_record",),
    key=("id", "userPrincipalName"),
    deliveries="replace",
)

M365_APP_USER_DETAIL = RawTable(
    source="graph",
    name="m365_app_user_detail",
    description="Microsoft 365 app user detail: which apps a user used in the period.",
    columns=(
        Column("reportRefreshDate", ISO_DATE, required=True),
        Column("userPrincipalName", required=True),
        Column("lastActivationDate", ISO_DATE),
        Column("lastActivityDate", ISO_DATE),
        Column("details", JSON_ARRAY),
    ),
    layouts=(_layout("M365_App_User_Detail", M365_APP_USER_DETAIL_FIELDS),),
    metadata_columns=("_source_record",),
    flags=(CONCEALED_NAMES,),
)

TEAMS_ACTIVITY_USER_DETAIL = RawTable(
    source="graph",
    name="teams_activity_user_detail",
    description="Teams activity user detail: a user's Teams counters in the period.",
    columns=(
        Column("reportRefreshDate", ISO_DATE, required=True),
        Column("userPrincipalName", required=True),
        Column("lastActivityDate", ISO_DATE),
        Column("deletedDate"),
        Column("isDeleted", BOOLEAN),
        Column("isLicensed", BOOLEAN),
        Column("reportPeriod", COUNT),
        *(Column(name, COUNT) for name in TEAMS_COUNTERS),
        *(Column(name, ISO_DURATION) for name in TEAMS_DURATIONS),
        Column("assignedProducts", JSON_ARRAY),
        Column("hasOtherAction", BOOLEAN),
    ),
    layouts=(_layout("Teams_Activity_User_Detail", TEAMS_ACTIVITY_USER_DETAIL_FIELDS),),
    metadata_columns=("_source_record",),
    flags=(CONCEALED_NAMES,),
)

SOURCE = Source(
    name="graph",
    description="Microsoft Graph reports API",
    tables=(USERS, M365_APP_USER_DETAIL, TEAMS_ACTIVITY_USER_DETAIL),
)
