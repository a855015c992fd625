{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw Clever ids and their pseudonyms: the only way back from a pseudonym to a
    person. Lives in restricted.duckdb (models/pii is configured there). Append-only:
    a run adds the id combinations first seen in rows loaded since the last run; a
    mapping from an id to its pseudonym never stops being true.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with participation_users as (
    select
        _user_type as user_type,
        sis_id,
        staff_id,
        clever_user_id,
        _loaded_at,
        _file_sha256
    from {{ ref('base_clever__daily_participation') }}
),

resource_usage_users as (
    select
        _user_type as user_type,
        sis_id,
        staff_id,
        clever_user_id,
        _loaded_at,
        _file_sha256
    from {{ ref('base_clever__resource_usage') }}
),

users as (
    select * from participation_users
    union all
    select * from resource_usage_users
),

recent_users as (
    select *
    from users
    {% if is_incremental() %}
        where {{ rows_a_lookup_has_not_seen(current_files) }}
    {% endif %}
),

first_seen as (
    select
        user_type,
        sis_id,
        staff_id,
        clever_user_id,
        min(_loaded_at) as first_loaded_at
    from recent_users
    group by
        user_type,
        sis_id,
        staff_id,
        clever_user_id
),

new_users as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where
                existing.user_type = first_seen.user_type
                and existing.sis_id is not distinct from first_seen.sis_id
                and existing.staff_id is not distinct from first_seen.staff_id
                and existing.clever_user_id = first_seen.clever_user_id
        )
    {% endif %}
),

lookup as (
    select
        user_type,
        sis_id,
        {{ pseudonymize('sis_id') }} as sis_id_pseudonym,
        staff_id,
        {{ pseudonymize('staff_id') }} as staff_id_pseudonym,
        clever_user_id,
        {{ pseudonymize('clever_user_id') }} as clever_user_id_pseudonym,
        first_loaded_at
    from new_users
)

select * from lookup
