{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='person_organization_role_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__person_organization_role')) }}",
    )
}}

{#
    One row per role of a person at an organization (PersonOrganizationRole.Id) as of the latest roster snapshot that holds it.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "Id",
        "ExternalId",
        "FirstSeenDateTime",
        "IsActiveInSession",
        "LastSeenDateTime",
        "OrganizationId",
        "PersonId",
        "RefRoleId",
        "SessionId",
        "SourceSystemId",
        "IsPrimary",
        "RefGradeLevelId",
        "RoleStartDate",
        "RoleEndDate",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__person_organization_role') }}
    {{ rows_loaded_since_last_run(ref('base_insights__person_organization_role')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'person_organization_role', [
            'Id', 'ExternalId', 'FirstSeenDateTime', 'IsActiveInSession',
            'LastSeenDateTime', 'OrganizationId', 'PersonId', 'RefRoleId',
            'SessionId', 'SourceSystemId', 'IsPrimary', 'RefGradeLevelId',
            'RoleStartDate', 'RoleEndDate',
        ]) }},
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from roster_rows
),

typed as (
    select
        id as person_organization_role_id,
        person_id_pseudonym,
        organization_id,
        ref_role_id,
        ref_grade_level_id,
        session_id,
        {{ parse_boolean('is_active_in_session') }} as is_active_in_session,
        {{ parse_boolean('is_primary') }} as is_primary,
        role_start_date,
        role_end_date,
        external_id_pseudonym,
        source_system_id,
        {{ parse_timestamp('first_seen_date_time') }} as first_seen_at,
        {{ parse_timestamp('last_seen_date_time') }} as last_seen_at,
        {{ parse_timestamp('_snapshot', '%Y-%m-%dT%H-%M-%S') }}
            as snapshot_at,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
),

latest as (
    {{ latest_snapshot_version('typed', 'person_organization_role_id') }}
),

final as (
    select
        person_organization_role_id,
        person_id_pseudonym,
        organization_id,
        ref_role_id,
        ref_grade_level_id,
        session_id,
        is_active_in_session,
        is_primary,
        role_start_date,
        role_end_date,
        external_id_pseudonym,
        source_system_id,
        first_seen_at,
        last_seen_at,
        snapshot_at,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from latest
)

select * from final
