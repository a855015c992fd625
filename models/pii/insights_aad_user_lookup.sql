{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw Azure AD account ids (ObjectId, AnchorId, UserPrincipalName) and their
    pseudonyms, with names and mail: one row per distinct combination ever delivered.
    Lives only in restricted.duckdb. Append-only: a run adds the combinations first
    seen in rows loaded since the last run.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with delivered as (
    select
        "ObjectId",
        "AnchorId",
        "UserPrincipalName",
        "DisplayName",
        "GivenName",
        "Surname",
        "Mail",
        "MailNickname",
        _loaded_at,
        _file_sha256
    from {{ ref('base_insights__aad_user') }}
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
        "ObjectId",
        "AnchorId",
        "UserPrincipalName",
        "DisplayName",
        "GivenName",
        "Surname",
        "Mail",
        "MailNickname",
        min(_loaded_at) as first_loaded_at
    from recent
    group by
        "ObjectId",
        "AnchorId",
        "UserPrincipalName",
        "DisplayName",
        "GivenName",
        "Surname",
        "Mail",
        "MailNickname"
),

new_combinations as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where
                existing.object_id is not distinct from first_seen."ObjectId"
                and existing.anchor_id is not distinct from first_seen."AnchorId"
                and existing.user_principal_name is not distinct from first_seen."UserPrincipalName"
                and existing.display_name is not distinct from first_seen."DisplayName"
                and existing.given_name is not distinct from first_seen."GivenName"
                and existing.surname is not distinct from first_seen."Surname"
                and existing.mail is not distinct from first_seen."Mail"
                and existing.mail_nickname is not distinct from first_seen."MailNickname"
        )
    {% endif %}
),

lookup as (
    select
        {{ lookup_columns('insights', 'aad_user', [
            'ObjectId', 'AnchorId', 'UserPrincipalName', 'DisplayName', 'GivenName', 'Surname', 'Mail', 'MailNickname',
        ]) }},
        first_loaded_at
    from new_combinations
)

select * from lookup
