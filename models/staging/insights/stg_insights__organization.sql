{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='organization_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__organization')) }}",
    )
}}

{#
    One row per organization (school, district) as of the latest roster snapshot that holds it.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "Id",
        "ExternalId",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        "Name",
        "RefOrganizationTypeId",
        "SourceSystemId",
        "Identifier",
        "ParentOrganizationId",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__organization') }}
    {{ rows_loaded_since_last_run(ref('base_insights__organization')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'organization', [
            'Id', 'ExternalId', 'FirstSeenDateTime', 'LastSeenDateTime', 'Name',
            'RefOrganizationTypeId', 'SourceSystemId', 'Identifier',
            'ParentOrganizationId',
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
        id as organization_id,
        name as organization_name,
        external_id,
        identifier,
        ref_organization_type_id,
        parent_organization_id,
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
    {{ latest_snapshot_version('typed', 'organization_id') }}
),

final as (
    select
        organization_id,
        organization_name,
        external_id,
        identifier,
        ref_organization_type_id,
        parent_organization_id,
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
