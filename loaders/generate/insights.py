"""Microsoft Education Insights exports for the sample district: two roster snapshots
and one activity file per day, headerless, with the CDM schema files that name
their columns.

    insights/schema/roster.v0.3.2.cdm.json, activity.v0.1.0.cdm.json
    insights/roster/<snapshot>/snapshot.roster.manifest.cdm.json
    insights/roster/<snapshot>/<Entity>/<entity>.csv
    insights/activity/<YYYY-MM-DD>/ApplicationUsage.csv

Each school year has its roster: one snapshot at the start of each earlier year and,
for the latest, two (at its start and mid-term), each listing that year's students
(with that year's grade and role dates) and teachers; a role is one per person and
year. Students' demographics (race, Hispanic ethnicity, flags: ELL, IEP, free
lunch) come with the roster, as PersonDemographic* entities. As in the real export:
student AadUser rows omit the trailing TeacherId field; the latest year's first
snapshot lacks the account-to-person mapping of a few students who were still
being synced (the mid-term one has them); a few signals come from guest
accounts the roster never lists; meeting durations are hh:mm:ss. Ids follow OEA's
test data: AadUser.ObjectId and StudentId are the SIS id, Person.Id is Clever's user
id, activity's ActorId is the Person.Id.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from loaders.generate.files import copy_to
from loaders.sql import quote_ident

ROSTER_SCHEMA = "roster.v0.3.2.cdm.json"
ACTIVITY_SCHEMA = "activity.v0.1.0.cdm.json"

# The roster entities generated, with their attributes in the order of
# roster.v0.3.2 (names and data formats as Microsoft publishes them).
ROSTER_ENTITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "AadUser": (
        ("ObjectId", "String"), ("AnchorId", "String"), ("DisplayName", "String"),
        ("FirstSeenDateTime", "DateTime"), ("GivenName", "String"),
        ("LastSeenDateTime", "DateTime"), ("Mail", "String"),
        ("MailNickname", "String"), ("Role", "String"), ("Surname", "String"),
        ("UserPrincipalName", "String"), ("StudentId", "String"),
        ("TeacherId", "String"),
    ),
    "AadUserPersonMapping": (
        ("ObjectId", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("PersonId", "String"),
    ),
    "Person": (
        ("Id", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("GivenName", "String"),
        ("MiddleName", "String"), ("PreferredGivenName", "String"),
        ("PreferredMiddleName", "String"), ("PreferredSurname", "String"),
        ("Surname", "String"),
    ),
    "PersonOrganizationRole": (
        ("Id", "String"), ("ExternalId", "String"), ("FirstSeenDateTime", "DateTime"),
        ("IsActiveInSession", "Boolean"), ("LastSeenDateTime", "DateTime"),
        ("OrganizationId", "String"), ("PersonId", "String"), ("RefRoleId", "String"),
        ("SessionId", "String"), ("SourceSystemId", "String"),
        ("IsPrimary", "Boolean"), ("RefGradeLevelId", "String"),
        ("RoleEndDate", "String"), ("RoleStartDate", "String"),
    ),
    "Organization": (
        ("Id", "String"), ("ExternalId", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("Name", "String"),
        ("RefOrganizationTypeId", "String"), ("SourceSystemId", "String"),
        ("Identifier", "String"), ("ParentOrganizationId", "String"),
    ),
    "PersonDemographicRace": (
        ("Id", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("PersonId", "String"),
        ("RefRaceId", "String"),
    ),
    "PersonDemographicEthnicity": (
        ("Id", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("PersonId", "String"),
        ("RefEthnicityId", "String"),
    ),
    "PersonDemographicPersonFlag": (
        ("Id", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("PersonId", "String"),
        ("RefPersonFlagId", "String"),
    ),
    "RefDefinition": (
        ("Id", "String"), ("Code", "String"), ("FirstSeenDateTime", "DateTime"),
        ("LastSeenDateTime", "DateTime"), ("Namespace", "String"),
        ("RefType", "String"), ("SortOrder", "Int32"),
    ),
}  # fmt: skip

ACTIVITY_ATTRIBUTES = (
    ("SignalType", "string"), ("StartTime", "dateTime"), ("UserAgent", "string"),
    ("SignalId", "string"), ("SisClassId", "string"), ("ClassId", "guid"),
    ("ChannelId", "string"), ("AppName", "string"), ("ActorId", "guid"),
    ("ActorRole", "string"), ("SchemaVersion", "string"), ("AssignmentId", "guid"),
    ("SubmissionId", "guid"), ("Action", "string"), ("DueDate", "dateTime"),
    ("ClassCreationDate", "dateTime"), ("Grade", "string"),
    ("SourceFileExtension", "string"), ("Meeting Duration", "Integer"),
)  # fmt: skip

# (SignalType, AppName, SourceFileExtension); meetings carry a duration.
SIGNALS = (
    ("FileAccessed", "Word", "docx"), ("FileModified", "Word", "docx"),
    ("FileAccessed", "PowerPoint", "pptx"), ("FileUploaded", "OneDrive", "pdf"),
    ("VisitTeamChannel", "Teams", None), ("PostChannelMessage", "Teams", None),
    ("ReplyChannelMessage", "Teams", None), ("CallRecordSummarized", "Teams", None),
    ("FileAccessed", "Excel", "xlsx"), ("CommentCreated", "Word", None),
)  # fmt: skip

USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def write(conn: duckdb.DuckDBPyConnection, landing_dir: Path) -> dict[str, int]:
    """Write the schema files, two roster snapshots and the daily activity below
    <landing>/insights/; return row counts per entity."""
    root = landing_dir / "insights"
    _write_schemas(root / "schema")
    _roster(conn)
    counts: dict[str, int] = {}
    days = [
        day
        for (day,) in conn.execute("select day from calendar order by day").fetchall()
    ]
    for year_idx, day, complete in _snapshots(conn):
        folder = root / "roster" / f"{day:%Y-%m-%d}T06-16-22"
        _write_manifest(folder)
        for entity, attributes in ROSTER_ENTITIES.items():
            where = f"where year_idx = {year_idx}" + (
                "" if complete else " and not is_synced_late"
            )
            for part, (names, part_filter) in enumerate(_parts(entity, attributes)):
                columns = ", ".join(quote_ident(name) for name in names)
                copy_to(
                    conn,
                    f"select {columns} from insights_{entity} {where} "
                    f"and {part_filter} order by sort_key",
                    folder
                    / entity
                    / f"{entity.lower()}{f'-{part}' if part else ''}.csv",
                    "csv_no_header",
                )
            counts[entity] = (
                counts.get(entity, 0)
                + conn.execute(
                    f"select count(*) from insights_{entity} {where}"
                ).fetchone()[0]
            )
    _activity(conn)
    columns = ", ".join(quote_ident(name) for name, _ in ACTIVITY_ATTRIBUTES)
    for day in days:
        copy_to(
            conn,
            f"select {columns} from insights_activity where day = '{day}' "
            "order by start_time, actor_order, signal_order",
            root / "activity" / f"{day:%Y-%m-%d}" / "ApplicationUsage.csv",
            "csv_no_header",
        )
    counts["activity"] = conn.execute(
        "select count(*) from insights_activity"
    ).fetchone()[0]
    return counts


# The latest year's mid-term snapshot is taken on this day of the term (counting
# every calendar day from 0) when the term is long enough.
MID_TERM_SNAPSHOT_DAY = 20


def _snapshots(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, object, bool]]:
    """(year, day, complete) of each roster snapshot: each earlier school year's
    first day; the latest year's first day (without the late-synced mappings) and
    the middle of its term (of its first 41 days)."""
    years = conn.execute(
        "select year_idx, list(day order by day) from calendar "
        "group by year_idx order by year_idx"
    ).fetchall()
    snapshots = [(year_idx, days[0], True) for year_idx, days in years[:-1]]
    year_idx, days = years[-1]
    # the middle of a short term, or its 21st day: not moved by a longer term
    middle = days[min(len(days) // 2, MID_TERM_SNAPSHOT_DAY)]
    if middle == days[0]:
        return [*snapshots, (year_idx, days[0], True)]
    return [*snapshots, (year_idx, days[0], False), (year_idx, middle, True)]


def _suffix(part: int) -> str:
    return f"-{part}" if part else ""


def _parts(
    entity: str, attributes: tuple[tuple[str, str], ...]
) -> list[tuple[list[str], str]]:
    """The part files of an entity: (columns, row filter). Student AadUser rows end
    at StudentId: the export leaves out the empty trailing TeacherId field, as OEA's
    published sample shows; teachers' rows, in their own part file, have it."""
    names = [name for name, _ in attributes]
    if entity != "AadUser":
        return [(names, "true")]
    return [(names[:-1], "\"Role\" = 'student'"), (names, "\"Role\" <> 'student'")]


def _write_schemas(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    roster = {
        "jsonSchemaSemanticVersion": "1.2.0",
        "imports": [{"corpusPath": "cdm:/foundations.cdm.json"}],
        "definitions": [
            {
                "entityName": entity,
                "hasAttributes": [
                    {"name": name, "dataFormat": data_format}
                    for name, data_format in attributes
                ],
            }
            for entity, attributes in ROSTER_ENTITIES.items()
        ],
    }
    activity = {
        "jsonSchemaSemanticVersion": "1.1.0",
        "imports": [{"corpusPath": "cdm:/foundations.cdm.json"}],
        "definitions": [
            {
                "entityName": "TechActivity",
                "hasAttributes": [
                    {"name": name, "dataType": {"dataTypeReference": data_type}}
                    for name, data_type in ACTIVITY_ATTRIBUTES
                ],
            }
        ],
    }
    (folder / ROSTER_SCHEMA).write_text(json.dumps(roster, indent=1) + "\n")
    (folder / ACTIVITY_SCHEMA).write_text(json.dumps(activity, indent=1) + "\n")


def _write_manifest(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "manifestName": "snapshot.roster",
        "entities": [
            {
                "type": "LocalEntity",
                "entityName": entity,
                "entityPath": f"local:/schema/{ROSTER_SCHEMA}/{entity}",
                "dataPartitionPatterns": [
                    {
                        "name": f"{entity}-partitionPattern",
                        "rootLocation": f"local:/roster/{folder.name}/{entity}",
                        "regularExpression": "/.+\\.csv$",
                    }
                ],
            }
            for entity in ROSTER_ENTITIES
        ],
        "jsonSchemaSemanticVersion": "1.2.0",
    }
    (folder / "snapshot.roster.manifest.cdm.json").write_text(
        json.dumps(manifest, indent=1) + "\n"
    )


def _roster(conn: duckdb.DuckDBPyConnection) -> None:
    """One table per entity, its columns named and ordered as the schema has them,
    `sort_key` fixing the row order, `is_synced_late` marking rows the first
    snapshot lacks."""
    conn.execute(
        """
        create or replace temp table insights_refs as
        select
            uuid_id('ref', ref_type || ':' || code) as id,
            code,
            namespace,
            ref_type,
            sort_order
        from (
            values
                ('Student', 'imsglobal.org', 'RefRole', 10),
                ('Teacher', 'imsglobal.org', 'RefRole', 40),
                ('School', 'ceds.ed.gov', 'RefOrganizationType', 20),
                ('District', 'ceds.ed.gov', 'RefOrganizationType', 10),
                ('9', 'ceds.ed.gov', 'RefGradeLevel', 140),
                ('10', 'ceds.ed.gov', 'RefGradeLevel', 150),
                ('11', 'ceds.ed.gov', 'RefGradeLevel', 160),
                ('12', 'ceds.ed.gov', 'RefGradeLevel', 170),
                ('americanIndianOrAlaskaNative', 'imsglobal.org', 'RefRace', 10),
                ('asian', 'imsglobal.org', 'RefRace', 20),
                ('blackOrAfricanAmerican', 'imsglobal.org', 'RefRace', 30),
                ('white', 'imsglobal.org', 'RefRace', 50),
                ('demographicRaceTwoOrMoreRaces', 'imsglobal.org', 'RefRace', 60),
                ('hispanicOrLatinoEthnicity', 'imsglobal.org', 'RefEthnicity', 10),
                ('FreeLunch', 'microsoft.com', 'RefPersonFlagType', 10),
                ('ELL', 'microsoft.com', 'RefPersonFlagType', 60),
                ('IEP', 'microsoft.com', 'RefPersonFlagType', 80)
        ) as refs(code, namespace, ref_type, sort_order)
        """
    )
    conn.execute(
        """
        create or replace temp table insights_people as
        select
            0 as kind,
            students.student_idx as idx,
            enrollments.year_idx,
            students.sis_id,
            students.clever_user_id as person_id,
            students.school_idx,
            enrollments.grade,
            students.given_name,
            students.middle_initial,
            students.surname,
            students.user_principal_name,
            'student' as role,
            strftime(enrollments.first_day, '%Y-%m-%d') as role_start,
            -- an enrollment that lasts to the end of the term has the school
            -- year's end as its role's end (it must not move as days are added)
            strftime(
                case when enrollments.last_day = years.last_day
                    then make_date(enrollments.school_year, 6, 30)
                    else enrollments.last_day end,
                '%Y-%m-%d'
            ) as role_end,
            enrollments.year_idx = (select max(year_idx) from calendar)
                and uniform(students.student_idx, 81) < 0.03 as is_synced_late
        from students
        inner join enrollments on students.student_idx = enrollments.student_idx
        inner join (
            select year_idx, max(day) as last_day from calendar group by year_idx
        ) as years on enrollments.year_idx = years.year_idx
        union all
        select
            1,
            teachers.teacher_idx,
            years.year_idx,
            teachers.sis_id,
            teachers.clever_user_id,
            teachers.school_idx,
            null,
            teachers.given_name,
            'T',
            teachers.surname,
            teachers.user_principal_name,
            'teacher',
            strftime(years.first_day, '%Y-%m-%d'),
            strftime(make_date(years.school_year, 6, 30), '%Y-%m-%d'),
            false
        from teachers
        cross join (
            select year_idx, min(day) as first_day, min(school_year) as school_year
            from calendar
            group by year_idx
        ) as years
        """
    )
    first = "(select strftime(min(day), '%Y-%m-%d') from calendar)"
    conn.execute(
        f"""
        create or replace temp table insights_AadUser as
        select
            year_idx,
            kind * 10000000 + idx as sort_key,
            false as is_synced_late,
            sis_id as "ObjectId",
            case when kind = 0 then 'S' else 'T' end || (20000 + idx) as "AnchorId",
            given_name || ' ' || surname as "DisplayName",
            {first} as "FirstSeenDateTime",
            given_name as "GivenName",
            cast(null as varchar) as "LastSeenDateTime",
            user_principal_name as "Mail",
            split_part(user_principal_name, '@', 1) as "MailNickname",
            role as "Role",
            surname as "Surname",
            user_principal_name as "UserPrincipalName",
            case when kind = 0 then sis_id end as "StudentId",
            case when kind = 1 then sis_id end as "TeacherId"
        from insights_people
        """
    )
    conn.execute(
        f"""
        create or replace temp table insights_AadUserPersonMapping as
        select
            year_idx,
            kind * 10000000 + idx as sort_key,
            is_synced_late,
            sis_id as "ObjectId",
            {first} as "FirstSeenDateTime",
            cast(null as varchar) as "LastSeenDateTime",
            person_id as "PersonId"
        from insights_people
        """
    )
    conn.execute(
        f"""
        create or replace temp table insights_Person as
        select
            year_idx,
            kind * 10000000 + idx as sort_key,
            false as is_synced_late,
            person_id as "Id",
            {first} as "FirstSeenDateTime",
            cast(null as varchar) as "LastSeenDateTime",
            given_name as "GivenName",
            middle_initial as "MiddleName",
            given_name as "PreferredGivenName",
            middle_initial as "PreferredMiddleName",
            surname as "PreferredSurname",
            surname as "Surname"
        from insights_people
        """
    )
    conn.execute(
        f"""
        create or replace temp table insights_PersonOrganizationRole as
        select
            insights_people.year_idx,
            insights_people.kind * 10000000 + insights_people.idx as sort_key,
            false as is_synced_late,
            uuid_id('role', insights_people.year_idx * 100000000
                + insights_people.kind * 10000000 + insights_people.idx)
                as "Id",
            insights_people.sis_id as "ExternalId",
            {first} as "FirstSeenDateTime",
            'TRUE' as "IsActiveInSession",
            cast(null as varchar) as "LastSeenDateTime",
            schools.school_id as "OrganizationId",
            insights_people.person_id as "PersonId",
            role_refs.id as "RefRoleId",
            uuid_id('session', 1) as "SessionId",
            uuid_id('source_system', 1) as "SourceSystemId",
            'TRUE' as "IsPrimary",
            grade_refs.id as "RefGradeLevelId",
            insights_people.role_end as "RoleEndDate",
            insights_people.role_start as "RoleStartDate"
        from insights_people
        inner join schools on insights_people.school_idx = schools.school_idx
        inner join insights_refs as role_refs
            on
                role_refs.ref_type = 'RefRole'
                and lower(role_refs.code) = insights_people.role
        left join insights_refs as grade_refs
            on
                grade_refs.ref_type = 'RefGradeLevel'
                and grade_refs.code = cast(insights_people.grade as varchar)
        """
    )
    conn.execute(
        f"""
        create or replace temp table insights_Organization as
        select
            years.year_idx,
            school_idx + 1 as sort_key,
            false as is_synced_late,
            school_id as "Id",
            cast(school_number as varchar) as "ExternalId",
            {first} as "FirstSeenDateTime",
            cast(null as varchar) as "LastSeenDateTime",
            school_name as "Name",
            (select id from insights_refs where code = 'School') as
                "RefOrganizationTypeId",
            uuid_id('source_system', 1) as "SourceSystemId",
            cast(school_number as varchar) as "Identifier",
            uuid_id('district', 1) as "ParentOrganizationId"
        from schools
        cross join (select distinct year_idx from calendar) as years
        union all
        select
            years.year_idx,
            0,
            false,
            uuid_id('district', 1),
            'district',
            {first},
            null,
            'Contoso School District',
            (select id from insights_refs where code = 'District'),
            uuid_id('source_system', 1),
            '55500',
            null
        from (select distinct year_idx from calendar) as years
        """
    )
    conn.execute(
        """
        create or replace temp table insights_RefDefinition as
        select
            years.year_idx,
            row_number() over (
                partition by years.year_idx order by ref_type, sort_order
            ) as sort_key,
            false as is_synced_late,
            id as "Id",
            code as "Code",
            cast(null as varchar) as "FirstSeenDateTime",
            cast(null as varchar) as "LastSeenDateTime",
            namespace as "Namespace",
            ref_type as "RefType",
            cast(sort_order as varchar) as "SortOrder"
        from insights_refs
        cross join (select distinct year_idx from calendar) as years
        """
    )
    _demographics(conn, first)


def _demographics(conn: duckdb.DuckDBPyConnection, first: str) -> None:
    """Students' PersonDemographic* rows, consistent with the SIS's (district.py):
    races (Hispanic students are white here, Hispanic by ethnicity; Two or More
    Races lists two races), one ethnicity row (blank unless Hispanic, as in OEA's
    sample) and one flag row per flag (ELL, IEP, FreeLunch; one blank row
    without any)."""
    conn.execute(
        """
        create or replace temp table insights_demographic_rows as
        with people as (
            select
                insights_people.year_idx,
                insights_people.idx,
                insights_people.person_id,
                students.race,
                students.is_learner,
                students.has_special_education,
                students.is_low_income
            from insights_people
            inner join students on insights_people.idx = students.student_idx
            where insights_people.kind = 0
        ),

        refs as (select ref_type, code, id from insights_refs),

        races as (
            select people.*, slots.slot, case
                when people.race in ('Hispanic', 'White') then 'white'
                when people.race = 'Black' then 'blackOrAfricanAmerican'
                when people.race = 'Asian' then 'asian'
                when slots.slot = 0 then 'white'
                else 'asian'
            end as code
            from people
            cross join range(2) as slots(slot)
            where slots.slot = 0 or people.race = 'Two or More Races'
        ),

        flags as (
            select people.*, flag.slot, flag.code
            from people
            cross join (
                values (0, 'ELL'), (1, 'IEP'), (2, 'FreeLunch'), (3, null)
            ) as flag(slot, code)
            where (flag.code = 'ELL' and people.is_learner)
                or (flag.code = 'IEP' and people.has_special_education)
                or (flag.code = 'FreeLunch' and people.is_low_income)
                or (flag.code is null and not (people.is_learner
                    or people.has_special_education or people.is_low_income))
        )

        select 'race' as entity, races.year_idx, races.idx, races.slot,
            races.person_id, refs.id as ref_id
        from races
        inner join refs on refs.ref_type = 'RefRace' and refs.code = races.code
        union all
        select 'ethnicity', people.year_idx, people.idx, 0, people.person_id,
            case when people.race = 'Hispanic' then (
                select id from refs where ref_type = 'RefEthnicity'
            ) else '' end
        from people
        union all
        select 'flag', flags.year_idx, flags.idx, flags.slot, flags.person_id,
            coalesce(refs.id, '')
        from flags
        left join refs
            on refs.ref_type = 'RefPersonFlagType' and refs.code = flags.code
        """
    )
    for entity, kind, ref_column in (
        ("PersonDemographicRace", "race", "RefRaceId"),
        ("PersonDemographicEthnicity", "ethnicity", "RefEthnicityId"),
        ("PersonDemographicPersonFlag", "flag", "RefPersonFlagId"),
    ):
        conn.execute(
            f"""
            create or replace temp table insights_{entity} as
            select
                year_idx,
                idx * 10 + slot as sort_key,
                false as is_synced_late,
                uuid_id('demographic_{kind}', idx * 10 + slot) as "Id",
                {first} as "FirstSeenDateTime",
                cast(null as varchar) as "LastSeenDateTime",
                person_id as "PersonId",
                ref_id as "{ref_column}"
            from insights_demographic_rows
            where entity = '{kind}'
            """
        )


def _activity(conn: duckdb.DuckDBPyConnection) -> None:
    """Signals on the days a student or teacher was active online (fewer on weekends
    and holidays); a few from guest accounts the roster does not know."""
    signals = ", ".join(
        "("
        + ", ".join(
            "null" if value is None else "'" + value + "'"
            for value in (signal_type, app, extension)
        )
        + ")"
        for signal_type, app, extension in SIGNALS
    )
    conn.execute(
        f"""
        create or replace temp table insights_activity as
        with actors as (
            select 0 as kind, student_idx as idx, clever_user_id as actor_id,
                'Student' as actor_role, school_idx
            from students
            union all
            select 1, teacher_idx, clever_user_id, 'Teacher', school_idx
            from teachers
            union all
            select 2, idx, uuid_id('guest', idx), 'Student', 0
            from range(greatest((select count(*) from students) // 200, 1))
                as guests(idx)
        ),

        actor_days as (
            select
                actors.*,
                user_days.day,
                user_days.day_idx,
                user_days.is_school_day,
                user_days.p_digital
            from actors
            inner join user_days
                on actors.kind = user_days.kind and actors.idx = user_days.idx
            where actors.kind < 2
            union all
            select
                actors.*,
                calendar.day,
                calendar.day_idx,
                calendar.is_school_day,
                0.5 as p_digital
            from actors
            cross join calendar
            where actors.kind = 2
        ),

        active_days as (
            select
                actor_days.*,
                1 + cast(floor(uniform(idx, day_idx, 91, kind) * 4) as integer)
                    as signal_count
            from actor_days
            where
                uniform(idx, day_idx, 92, kind)
                < p_digital * case when is_school_day then 0.7 else 0.1 end
        ),

        signal_kinds as (
            select
                row_number() over () - 1 as signal_kind,
                kinds.*
            from (values {signals}) as kinds(signal_type, app_name, extension)
        ),

        drawn as (
            select
                days.*,
                slots.slot as signal_order,
                cast(floor(uniform(days.idx, days.day_idx, 93 + slots.slot, days.kind)
                    * {len(SIGNALS)}) as integer) as signal_kind,
                cast(floor(uniform(days.idx, days.day_idx, 97 + slots.slot, days.kind)
                    * 28800) as integer) as second_of_day,
                cast(floor(uniform(days.idx, days.day_idx, 101 + slots.slot, days.kind)
                    * 3600) as integer) as meeting_seconds
            from active_days as days
            cross join range(4) as slots(slot)
            where slots.slot < days.signal_count
        )

        select
            drawn.day,
            drawn.kind * 10000000 + drawn.idx as actor_order,
            drawn.signal_order,
            drawn.day + to_seconds(7 * 3600 + drawn.second_of_day) as start_time,
            signal_kinds.signal_type as "SignalType",
            strftime(drawn.day + to_seconds(7 * 3600 + drawn.second_of_day),
                '%Y-%m-%d %H:%M:%S') || '.0000000' as "StartTime",
            '{USER_AGENT}' as "UserAgent",
            uuid_id('signal', drawn.kind || ':' || drawn.idx || ':' || drawn.day_idx
                || ':' || drawn.signal_order) as "SignalId",
            'sec-' || drawn.school_idx || '-1' as "SisClassId",
            uuid_id('class', drawn.school_idx) as "ClassId",
            case when signal_kinds.app_name = 'Teams'
                then 'channel-' || drawn.school_idx end as "ChannelId",
            signal_kinds.app_name as "AppName",
            drawn.actor_id as "ActorId",
            drawn.actor_role as "ActorRole",
            '1.06' as "SchemaVersion",
            cast(null as varchar) as "AssignmentId",
            cast(null as varchar) as "SubmissionId",
            cast(null as varchar) as "Action",
            cast(null as varchar) as "DueDate",
            cast(null as varchar) as "ClassCreationDate",
            cast(null as varchar) as "Grade",
            signal_kinds.extension as "SourceFileExtension",
            case when signal_kinds.signal_type = 'CallRecordSummarized'
                then printf(
                    '%02d:%02d:%02d', drawn.meeting_seconds // 3600,
                    drawn.meeting_seconds // 60 % 60, drawn.meeting_seconds % 60
                )
            end as "Meeting Duration"
        from drawn
        inner join signal_kinds on drawn.signal_kind = signal_kinds.signal_kind
        """
    )
