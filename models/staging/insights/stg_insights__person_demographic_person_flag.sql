{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='person_demographic_person_flag_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__person_demographic_person_flag')) }}",
    )
}}

{#
    One row per PersonDemographicPersonFlag record (Id) as of the latest roster snapshot that holds
    it. Typed and pseudonymized by the source's column rules.
#}

with roster_rows as (
    select
        "Id",
        "PersonId",
        "RefPersonFlagId",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__person_demographic_person_flag') }}
    {{ rows_loaded_since_last_run(
        ref('base_insights__person_demographic_person_flag')
    ) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'person_demographic_person_flag', [
            'Id', 'PersonId', 'RefPersonFlagId', 'FirstSeenDateTime', 'LastSeenDateTime',
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
        id as person_demographic_person_flag_id,
        person_id_pseudonym,
        nullif(trim(ref_person_flag_id), '') as ref_person_flag_id,
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
    {{ latest_snapshot_version('typed', 'person_demographic_person_flag_id') }}
),

final as (
    select
        person_demographic_person_flag_id,
        person_id_pseudonym,
        ref_person_flag_id,
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
