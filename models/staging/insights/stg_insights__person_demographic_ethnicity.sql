{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='person_demographic_ethnicity_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__person_demographic_ethnicity')) }}",
    )
}}

{#
    One row per PersonDemographicEthnicity record (Id) as of the latest roster snapshot that holds
    it. Typed and pseudonymized by the source's column rules.
#}

with roster_rows as (
    select
        "Id",
        "PersonId",
        "RefEthnicityId",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__person_demographic_ethnicity') }}
    {{ rows_loaded_since_last_run(ref('base_insights__person_demographic_ethnicity')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'person_demographic_ethnicity', [
            'Id', 'PersonId', 'RefEthnicityId', 'FirstSeenDateTime', 'LastSeenDateTime',
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
        id as person_demographic_ethnicity_id,
        person_id_pseudonym,
        nullif(trim(ref_ethnicity_id), '') as ref_ethnicity_id,
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
    {{ latest_snapshot_version('typed', 'person_demographic_ethnicity_id') }}
),

final as (
    select
        person_demographic_ethnicity_id,
        person_id_pseudonym,
        ref_ethnicity_id,
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
