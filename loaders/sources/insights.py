"""Microsoft Education Insights (School Data Sync data export): the roster and the
activity signals.

The export's CSV files have no header row. Their columns, in order, come from the
CDM schema files that ship with the export, read when each file loads:

    insights/schema/roster.v0.3.2.cdm.json        roster entities and attributes
    insights/schema/activity.v0.1.0.cdm.json      the activity (TechActivity) entity
    insights/roster/2024-09-03T06-16-22/snapshot.roster.manifest.cdm.json
    insights/roster/2024-09-03T06-16-22/AadUser/aaduser.csv
    insights/roster/2024-09-03T06-16-22/Person/part-00000.csv     (any file name)
    insights/activity/2024-09-03/ApplicationUsage.csv
    insights/activity_sample/part1.csv               (OEA's published extract)

Any folder may sit above `roster/`, `activity/` and `schema/` (OEA's sample uses
insights/k12/...); the schema is looked up beside them (for activity: in schema/
beside activity/, else beside the files, else the one activity schema in any schema/
folder of the source, as OEA's sample has it). A roster snapshot's manifest
names the schema each entity follows (`entityPath`); without a manifest the single
roster schema in schema/ is used. An entity the schema does not describe (OEA's
sample ships RefTranslation without one) is recorded as ignored, with the reason.

Roster exports are full snapshots, one folder per snapshot time; every snapshot
loads, recording the folder name in `_snapshot`, and staging keeps, for each record,
its version from the latest snapshot. Each roster entity loads into its own raw
table (AadUser into raw_insights.aad_user, ...); the entities dbt reads are declared
below so their tables exist before the first export.

A row with more fields than its schema is rejected with its line. (roster.v0.3.2
leaves LastSeenDateTime out of PersonDemographicRace, PersonDemographicEthnicity and
PersonDemographicPersonFlag, whose rows carry it after FirstSeenDateTime, as every other
entity's do: it is put back there.) A row whose trailing
fields are missing (OEA's published AadUser rows have 12 of the schema's 13 fields)
reads them as NULL; the manifest counts such rows in `rows_padded`.

Values are checked by the schema's types (dates, booleans, integers). One exception:
the activity schema declares `Meeting Duration` as an integer but exports carry it as
hh:mm:ss (e.g. 00:14:02); both are accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from loaders.specs import (
    BOOLEAN,
    DATE_TIME,
    HMS_DURATION,
    INTEGER,
    Check,
    Column,
    FileMatch,
    FileShape,
    Layout,
    LayoutProblem,
    RawTable,
    Source,
)

SOURCE_NAME = "insights"

MEETING_DURATION = Check(
    f"({HMS_DURATION.predicate} or {INTEGER.predicate})",
    "a duration like 00:14:02 (hh:mm:ss) or whole seconds",
)

# CDM data types (roster files say dataFormat, activity files dataTypeReference).
_TYPE_CHECKS = {
    "datetime": DATE_TIME,
    "date": DATE_TIME,
    "boolean": BOOLEAN,
    "int16": INTEGER,
    "int32": INTEGER,
    "int64": INTEGER,
    "integer": INTEGER,
}


def snake_case(name: str) -> str:
    """AadUserPersonMapping -> aad_user_person_mapping."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _declared(
    name: str, *columns: Column, description: str = "", key: tuple[str, ...] = ()
) -> RawTable:
    return RawTable(
        source=SOURCE_NAME,
        name=name,
        columns=columns,
        metadata_columns=("_snapshot",),
        description=description,
        key=key,
        deliveries="replace",
        full_snapshots=True,
    )


def _first_last_seen() -> tuple[Column, ...]:
    return (Column("FirstSeenDateTime"), Column("LastSeenDateTime"))


# The roster entities dbt reads, with the columns it reads. A file's own schema adds
# every other column it describes.
ROSTER_TABLES = {
    table.name: table
    for table in (
        _declared(
            "aad_user",
            Column("ObjectId", required=True),
            Column("AnchorId"),
            Column("DisplayName"),
            Column("GivenName"),
            Column("Surname"),
            Column("Mail"),
            Column("MailNickname"),
            Column("Role"),
            Column("UserPrincipalName"),
            Column("StudentId"),
            Column("TeacherId"),
            *_first_last_seen(),
            description="Azure AD users (accounts) of students and teachers.",
            key=("ObjectId",),
        ),
        _declared(
            "aad_user_person_mapping",
            Column("ObjectId", required=True),
            Column("PersonId", required=True),
            *_first_last_seen(),
            description="Which person (Person.Id) each Azure AD user is.",
            key=("ObjectId", "PersonId"),
        ),
        _declared(
            "person",
            Column("Id", required=True),
            Column("GivenName"),
            Column("MiddleName"),
            Column("Surname"),
            Column("PreferredGivenName"),
            Column("PreferredMiddleName"),
            Column("PreferredSurname"),
            *_first_last_seen(),
            description="People (students, teachers, staff) with their names.",
            key=("Id",),
        ),
        _declared(
            "person_organization_role",
            Column("Id", required=True),
            Column("PersonId", required=True),
            Column("OrganizationId"),
            Column("RefRoleId"),
            Column("RefGradeLevelId"),
            Column("SessionId"),
            Column("IsActiveInSession"),
            Column("IsPrimary"),
            Column("RoleStartDate"),
            Column("RoleEndDate"),
            Column("ExternalId"),
            Column("SourceSystemId"),
            *_first_last_seen(),
            description="A person's role (student, teacher) at a school, and grade.",
            key=("Id",),
        ),
        _declared(
            "organization",
            Column("Id", required=True),
            Column("Name"),
            Column("ExternalId"),
            Column("Identifier"),
            Column("RefOrganizationTypeId"),
            Column("ParentOrganizationId"),
            Column("SourceSystemId"),
            *_first_last_seen(),
            description="Schools and the district.",
            key=("Id",),
        ),
        *(
            _declared(
                f"person_demographic_{kind}",
                Column("Id", required=True),
                Column("PersonId", required=True),
                Column(ref_column),
                *_first_last_seen(),
                description=description,
                key=("Id",),
            )
            for kind, ref_column, description in (
                ("race", "RefRaceId", "A person's race (one row per race)."),
                (
                    "ethnicity",
                    "RefEthnicityId",
                    "A person's ethnicity (Hispanic or Latino).",
                ),
                (
                    "person_flag",
                    "RefPersonFlagId",
                    "A flag on a person: English learner, IEP, free or reduced "
                    "lunch, ...",
                ),
            )
        ),
        _declared(
            "ref_definition",
            Column("Id", required=True),
            Column("Code"),
            Column("Namespace"),
            Column("RefType"),
            Column("SortOrder"),
            *_first_last_seen(),
            description="Codes the roster refers to: roles, grade levels, types.",
            key=("Id",),
        ),
    )
}

_ROSTER_FILE = re.compile(
    r"(?P<root>(?:[^/]+/)*?)roster/"
    r"(?P<snapshot>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2})/"
    r"(?P<entity>[A-Za-z][A-Za-z0-9]*)/[^/]+\.csv",
    re.IGNORECASE,
)
_ACTIVITY_FILE = re.compile(
    r"(?P<root>(?:[^/]+/)*?)activity/(?P<partition>[^/]+)/[^/]+\.csv", re.IGNORECASE
)
# OEA's published extract: insights/activity_sample/part1.csv, its schema in
# insights/k12/schema/ (or beside the files).
_ACTIVITY_SAMPLE_FILE = re.compile(
    r"(?P<root>(?:[^/]+/)*?)(?P<partition>activity_sample)/[^/]+\.csv", re.IGNORECASE
)


@dataclass(frozen=True)
class _Attribute:
    name: str
    data_type: str


def _roster_shape(match: FileMatch, owner: RawTable | None) -> FileShape:
    source_root = _source_root(match)
    root = source_root / match.groups["root"]
    entity = match.groups["entity"]
    snapshot = root / "roster" / match.groups["snapshot"]
    manifest = snapshot / "snapshot.roster.manifest.cdm.json"
    if manifest.is_file():
        schema_path, schema_entity = _entity_from_manifest(manifest, entity, root)
    else:
        schema_path, schema_entity = _only_schema(root, "roster"), entity
    attributes = _entity_attributes(schema_path, schema_entity)
    if attributes is None:
        raise LayoutProblem(
            f"entity {entity} is not described by {_shown(schema_path, source_root)}; "
            "not loaded",
            status="ignored",
        )
    table = ROSTER_TABLES.get(snake_case(entity)) or _declared(snake_case(entity))
    return _shape(table, attributes, schema_path, schema_entity, source_root)


def _activity_shape(match: FileMatch, owner: RawTable | None) -> FileShape:
    source_root = _source_root(match)
    root = source_root / match.groups["root"]
    schema_path = _activity_schema(root, match.path.parent, source_root)
    definitions = _definitions(str(schema_path), schema_path.stat().st_mtime_ns)
    if len(definitions) != 1:
        raise LayoutProblem(
            f"{_shown(schema_path, source_root)} describes {len(definitions)} "
            "entities; expected the one activity entity"
        )
    ((entity, attributes),) = definitions.items()
    assert owner is not None
    return _shape(owner, attributes, schema_path, entity, source_root)


def _shape(
    table: RawTable,
    attributes: tuple[_Attribute, ...],
    schema_path: Path,
    entity: str,
    source_root: Path,
) -> FileShape:
    derived = []
    for attribute in attributes:
        try:
            declared = table.column(attribute.name)
        except KeyError:
            declared = Column(attribute.name)
        check = declared.check or _TYPE_CHECKS.get(attribute.data_type.lower())
        derived.append(Column(attribute.name, check, declared.required))
    widened = replace(table, columns=tuple(derived)).widened(table.columns)
    return FileShape(
        table=widened,
        columns=tuple(attribute.name for attribute in attributes),
        columns_from=f"{_shown(schema_path, source_root)}#{entity}",
    )


def _source_root(match: FileMatch) -> Path:
    """<landing>/insights, found from the file's path and its path inside it."""
    return Path(str(match.path)[: -len(match.inside)])


def _shown(path: Path, source_root: Path) -> str:
    return f"{SOURCE_NAME}/{path.relative_to(source_root).as_posix()}"


def _entity_from_manifest(manifest: Path, entity: str, root: Path) -> tuple[Path, str]:
    """The schema file and entity name a snapshot manifest gives for `entity`."""
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
        entities = {e["entityName"].lower(): e for e in document["entities"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LayoutProblem(
            f"unreadable snapshot manifest {manifest.name}: {error}"
        ) from None
    found = entities.get(entity.lower())
    if found is None:
        raise LayoutProblem(
            f"entity {entity} is not listed in its snapshot's {manifest.name}; "
            "not loaded",
            status="ignored",
        )
    # e.g. "local:/schema/roster.v0.3.2.cdm.json/AadUser"
    location = found.get("entityPath", "")
    parsed = re.fullmatch(r"local:/(?P<file>.+\.cdm\.json)/(?P<entity>[^/]+)", location)
    if not parsed:
        raise LayoutProblem(
            f"{manifest.name} gives no schema for {entity} (entityPath {location!r})"
        )
    schema_path = root / parsed["file"]
    if not schema_path.is_file():
        raise LayoutProblem(
            f"schema {parsed['file']} named by {manifest.name} is missing beside the "
            "export"
        )
    return schema_path, parsed["entity"]


def _activity_schema(root: Path, data_folder: Path, source_root: Path) -> Path:
    """The activity schema for a data folder: in schema/ beside activity/ (an
    export), else beside the files themselves, else the one activity schema in any
    schema/ folder of the source (OEA's sample keeps it in insights/k12/schema/)."""
    for folder in (root / "schema", data_folder):
        found = sorted(folder.glob("activity.*.cdm.json"))
        if len(found) == 1:
            return found[0]
    anywhere = sorted(source_root.glob("**/schema/activity.*.cdm.json"))
    if len(anywhere) == 1:
        return anywhere[0]
    listed = ", ".join(_shown(path, source_root) for path in anywhere) or "none"
    raise LayoutProblem(
        "cannot tell this file's columns: expected one activity schema "
        "(activity.<version>.cdm.json) in schema/ beside activity/, beside the file, "
        f"or anywhere below {SOURCE_NAME}/schema/ folders; found {listed}"
    )


def _only_schema(root: Path, kind: str) -> Path:
    candidates = sorted((root / "schema").glob(f"{kind}.*.cdm.json"))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise LayoutProblem(
            f"cannot tell this file's columns: expected one {kind} schema "
            f"({kind}.<version>.cdm.json) in {root.name or SOURCE_NAME}/schema/, "
            f"found {found}"
        )
    return candidates[0]


# roster.v0.3.2 leaves LastSeenDateTime out of these entities, but the export writes it
# after FirstSeenDateTime, as for every other entity (OEA's sample: five fields a row;
# OEA's metadata.csv lists it): read by the schema alone, a row would put the last-seen
# date in PersonId and the person's id in the reference column.
_LAST_SEEN_LEFT_OUT = frozenset(
    {
        "persondemographicrace",
        "persondemographicethnicity",
        "persondemographicpersonflag",
    }
)


def _entity_attributes(path: Path, entity: str) -> tuple[_Attribute, ...] | None:
    definitions = _definitions(str(path), path.stat().st_mtime_ns)
    for name, attributes in definitions.items():
        if name.lower() == entity.lower():
            return _with_last_seen(name, attributes)
    return None


def _with_last_seen(
    entity: str, attributes: tuple[_Attribute, ...]
) -> tuple[_Attribute, ...]:
    names = [attribute.name for attribute in attributes]
    if (
        entity.lower() not in _LAST_SEEN_LEFT_OUT
        or "LastSeenDateTime" in names
        or "FirstSeenDateTime" not in names
    ):
        return attributes
    after = names.index("FirstSeenDateTime") + 1
    first_seen = attributes[after - 1]
    last_seen = _Attribute("LastSeenDateTime", first_seen.data_type)
    return (*attributes[:after], last_seen, *attributes[after:])


@lru_cache(maxsize=64)
def _definitions(path: str, mtime_ns: int) -> Mapping[str, tuple[_Attribute, ...]]:
    """Entity name -> its attributes in order, from a CDM schema file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return {
            definition["entityName"]: tuple(
                _Attribute(attribute["name"], _data_type(attribute))
                for attribute in definition["hasAttributes"]
            )
            for definition in document["definitions"]
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LayoutProblem(
            f"unreadable CDM schema {Path(path).name}: {error}"
        ) from None


def _data_type(attribute: Mapping[str, object]) -> str:
    if "dataFormat" in attribute:
        return str(attribute["dataFormat"])
    data_type = attribute.get("dataType")
    if isinstance(data_type, Mapping):
        return str(data_type.get("dataTypeReference", ""))
    return str(data_type or "")


def _roster_metadata(groups: Mapping[str, str]) -> Mapping[str, str]:
    return {"_snapshot": groups["snapshot"]}


def _activity_metadata(groups: Mapping[str, str]) -> Mapping[str, str]:
    return {"_partition": groups["partition"]}


ACTIVITY = RawTable(
    source=SOURCE_NAME,
    name="activity",
    description="Activity signals (ApplicationUsage / TechActivity): one per action.",
    columns=(
        Column("SignalType"),
        Column("StartTime", DATE_TIME, required=True),
        Column("UserAgent"),
        Column("SignalId", required=True),
        Column("SisClassId"),
        Column("ClassId"),
        Column("ChannelId"),
        Column("AppName"),
        Column("ActorId"),
        Column("ActorRole"),
        Column("SchemaVersion"),
        Column("AssignmentId"),
        Column("SubmissionId"),
        Column("Action"),
        Column("DueDate"),
        Column("ClassCreationDate"),
        Column("Grade"),
        Column("SourceFileExtension"),
        Column("Meeting Duration", MEETING_DURATION),
    ),
    metadata_columns=("_partition",),
    key=("SignalId",),
    layouts=tuple(
        Layout(
            pattern,
            metadata=_activity_metadata,
            reader="csv_no_header",
            shape=_activity_shape,
        )
        for pattern in (_ACTIVITY_FILE, _ACTIVITY_SAMPLE_FILE)
    ),
)

SOURCE = Source(
    name=SOURCE_NAME,
    description="Microsoft Education Insights roster and activity",
    companions=(re.compile(r"(?:[^/]+/)*[^/]+\.cdm\.json", re.IGNORECASE),),
    tables=(*ROSTER_TABLES.values(), ACTIVITY),
    layouts=(
        Layout(
            _ROSTER_FILE,
            metadata=_roster_metadata,
            reader="csv_no_header",
            shape=_roster_shape,
        ),
    ),
)
