{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='ref_definition_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__ref_definition')) }}",
    )
}}

{#
    One row per roster code (RefDefinition.Id) as of the latest roster snapshot that holds it.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "Id",
        "Code",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        "Namespace",
        "RefType",
        "SortOrder",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__ref_definition') }}
    {{ rows_loaded_since_last_run(ref('base_insights__ref_definition')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'ref_definition', [
            'Id', 'Code', 'FirstSeenDateTime', 'LastSeenDateTime', 'Namespace',
            'RefType', 'SortOrder',
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
        id as ref_definition_id,
        code,
        namespace,
        ref_type,
        cast(sort_order as integer) as sort_order,
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
    {{ latest_snapshot_version('typed', 'ref_definition_id') }}
),

final as (
    select
        ref_definition_id,
        code,
        namespace,
        ref_type,
        sort_order,
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
