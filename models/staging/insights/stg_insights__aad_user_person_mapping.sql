{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['object_id_pseudonym', 'person_id_pseudonym'],
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__aad_user_person_mapping')) }}",
    )
}}

{#
    One row per (Azure AD account, person) pair as of the latest roster snapshot that holds it.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "ObjectId",
        "FirstSeenDateTime",
        "LastSeenDateTime",
        "PersonId",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__aad_user_person_mapping') }}
    {{ rows_loaded_since_last_run(ref('base_insights__aad_user_person_mapping')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'aad_user_person_mapping', [
            'ObjectId', 'FirstSeenDateTime', 'LastSeenDateTime', 'PersonId',
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
        object_id_pseudonym,
        person_id_pseudonym,
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

ranked as (
    select
        *,
        row_number() over (
            partition by object_id_pseudonym, person_id_pseudonym
            order by snapshot_at desc, _loaded_at desc, _source_row desc
        ) as version_rank
    from typed
),

latest as (
    select
        object_id_pseudonym,
        person_id_pseudonym,
        first_seen_at,
        last_seen_at,
        snapshot_at,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from ranked
    where
        version_rank = 1
    {% if is_incremental() %}
            -- a snapshot loaded late never replaces a newer one
            and not exists (
                select 1
                from {{ this }} as built
                where
                    built.object_id_pseudonym = ranked.object_id_pseudonym
                and built.person_id_pseudonym = ranked.person_id_pseudonym
                    and built.snapshot_at > ranked.snapshot_at
            )
        {% endif %}
)

select * from latest
