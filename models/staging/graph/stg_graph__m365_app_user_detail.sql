{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_graph__m365_app_user_detail')]) }}",
    )
}}

{#
    Microsoft 365 app user detail, typed and pseudonymized: one row per user per
    report refresh per delivered file version in use. The app flags stay in
    `details` (JSON); the activity mapping unpivots them. Incremental by file.
#}

with app_usage as (
    select
        "reportRefreshDate",
        "userPrincipalName",
        "lastActivationDate",
        "lastActivityDate",
        details,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at,
        -- Microsoft's concealed names are hashes without an @
        "userPrincipalName" not like '%@%' as is_user_name_concealed
    from {{ ref('base_graph__m365_app_user_detail') }}
    {{ new_file_versions_only(ref('base_graph__m365_app_user_detail')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('graph', 'm365_app_user_detail', [
            'reportRefreshDate', 'userPrincipalName', 'lastActivationDate',
            'lastActivityDate', 'details',
        ]) }},
        is_user_name_concealed,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at
    from app_usage
),

typed as (
    select
        {{ parse_date('report_refresh_date', '%Y-%m-%d') }} as report_refresh_date,
        user_principal_name_pseudonym,
        is_user_name_concealed,
        {{ parse_date('last_activation_date', '%Y-%m-%d') }} as last_activation_date,
        {{ parse_date('last_activity_date', '%Y-%m-%d') }} as last_activity_date,
        details,
        _source_file,
        _source_row,
        cast(_source_record as integer) as _source_record,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
