{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['id_pseudonym', 'user_principal_name_pseudonym'],
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_graph__users')) }}",
    )
}}

{#
    One row per (user id, userPrincipalName) pair ever delivered, its version from
    the file loaded last: a renamed user keeps their old name too, so reports from
    before the rename still map to them. Names are masked.
#}

with users as (
    select
        surname,
        "givenName",
        "userPrincipalName",
        id,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at
    from {{ ref('base_graph__users') }}
    {{ rows_loaded_since_last_run(ref('base_graph__users')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('graph', 'users', [
            'surname', 'givenName', 'userPrincipalName', 'id',
        ]) }},
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at
    from users
),

ranked as (
    select
        *,
        row_number() over (
            partition by id_pseudonym, user_principal_name_pseudonym
            order by _loaded_at desc, _source_row desc, _source_record desc
        ) as version_rank
    from pseudonymized
),

latest as (
    select
        id_pseudonym,
        user_principal_name_pseudonym,
        given_name,
        surname,
        _source_file,
        _source_row,
        cast(_source_record as integer) as _source_record,
        _file_sha256,
        _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
