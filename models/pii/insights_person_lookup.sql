{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw Insights person ids (Person.Id) and their pseudonyms, with the names each
    was delivered with: one row per distinct combination ever delivered.
    Lives only in restricted.duckdb. Append-only: a run adds the combinations first
    seen in rows loaded since the last run.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with delivered as (
    select
        "Id",
        "GivenName",
        "MiddleName",
        "Surname",
        "PreferredGivenName",
        "PreferredMiddleName",
        "PreferredSurname",
        _loaded_at,
        _file_sha256
    from {{ ref('base_insights__person') }}
),

recent as (
    select *
    from delivered
    {% if is_incremental() %}
        where {{ rows_a_lookup_has_not_seen(current_files) }}
    {% endif %}
),

first_seen as (
    select
        "Id",
        "GivenName",
        "MiddleName",
        "Surname",
        "PreferredGivenName",
        "PreferredMiddleName",
        "PreferredSurname",
        min(_loaded_at) as first_loaded_at
    from recent
    group by
        "Id",
        "GivenName",
        "MiddleName",
        "Surname",
        "PreferredGivenName",
        "PreferredMiddleName",
        "PreferredSurname"
),

new_combinations as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where
                existing.id is not distinct from first_seen."Id"
                and existing.given_name is not distinct from first_seen."GivenName"
                and existing.middle_name is not distinct from first_seen."MiddleName"
                and existing.surname is not distinct from first_seen."Surname"
                and existing.preferred_given_name is not distinct from first_seen."PreferredGivenName"
                and existing.preferred_middle_name is not distinct from first_seen."PreferredMiddleName"
                and existing.preferred_surname is not distinct from first_seen."PreferredSurname"
        )
    {% endif %}
),

lookup as (
    select
        {{ lookup_columns('insights', 'person', [
            'Id', 'GivenName', 'MiddleName', 'Surname', 'PreferredGivenName', 'PreferredMiddleName', 'PreferredSurname',
        ]) }},
        first_loaded_at
    from new_combinations
)

select * from lookup
