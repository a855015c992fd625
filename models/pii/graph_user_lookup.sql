{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw Microsoft 365 user ids and userPrincipalNames and their pseudonyms, with
    names: one row per distinct combination ever delivered.
    Lives only in restricted.duckdb. Append-only: a run adds the combinations first
    seen in rows loaded since the last run.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with delivered as (
    select
        id,
        "userPrincipalName",
        "givenName",
        surname,
        _loaded_at,
        _file_sha256
    from {{ ref('base_graph__users') }}
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
        id,
        "userPrincipalName",
        "givenName",
        surname,
        min(_loaded_at) as first_loaded_at
    from recent
    group by
        id,
        "userPrincipalName",
        "givenName",
        surname
),

new_combinations as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where
                existing.id is not distinct from first_seen.id
                and existing.user_principal_name is not distinct from first_seen."userPrincipalName"
                and existing.given_name is not distinct from first_seen."givenName"
                and existing.surname is not distinct from first_seen.surname
        )
    {% endif %}
),

lookup as (
    select
        {{ lookup_columns('graph', 'users', [
            'id', 'userPrincipalName', 'givenName', 'surname',
        ]) }},
        first_loaded_at
    from new_combinations
)

select * from lookup
