{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='person_id_pseudonym',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__person')) }}",
    )
}}

{#
    One row per person (Person.Id) as of the latest roster snapshot that holds it; names masked.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "Id",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        "GivenName",
        "MiddleName",
        "PreferredGivenName",
        "PreferredMiddleName",
        "PreferredSurname",
        "Surname",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__person') }}
    {{ rows_loaded_since_last_run(ref('base_insights__person')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'person', [
            'Id', 'FirstSeenDateTime', 'LastSeenDateTime', 'GivenName',
            'MiddleName', 'PreferredGivenName', 'PreferredMiddleName',
            'PreferredSurname', 'Surname',
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
        id_pseudonym as person_id_pseudonym,
        given_name,
        middle_name,
        surname,
        preferred_given_name,
        preferred_middle_name,
        preferred_surname,
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
    {{ latest_snapshot_version('typed', 'person_id_pseudonym') }}
),

final as (
    select
        person_id_pseudonym,
        given_name,
        middle_name,
        surname,
        preferred_given_name,
        preferred_middle_name,
        preferred_surname,
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
