{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='object_id_pseudonym',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_insights__aad_user')) }}",
    )
}}

{#
    One row per Azure AD account (ObjectId) as of the latest roster snapshot that holds it.
    Typed and pseudonymized by the source's column rules. A record missing from
    later snapshots keeps its last version (snapshot_at says which), so activity
    from before a student left still maps to them.
#}

with roster_rows as (
    select
        "ObjectId",
        "AnchorId",
        "DisplayName",
        "FirstSeenDateTime",
        "GivenName",
        "LastSeenDateTime",
        "Mail",
        "MailNickname",
        "Role",
        "Surname",
        "UserPrincipalName",
        "StudentId",
        "TeacherId",
        _snapshot,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__aad_user') }}
    {{ rows_loaded_since_last_run(ref('base_insights__aad_user')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'aad_user', [
            'ObjectId', 'AnchorId', 'DisplayName', 'FirstSeenDateTime',
            'GivenName', 'LastSeenDateTime', 'Mail', 'MailNickname', 'Role',
            'Surname', 'UserPrincipalName', 'StudentId', 'TeacherId',
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
        anchor_id_pseudonym,
        display_name,
        given_name,
        surname,
        mail,
        mail_nickname,
        role,
        user_principal_name_pseudonym,
        student_id_pseudonym,
        teacher_id_pseudonym,
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
    {{ latest_snapshot_version('typed', 'object_id_pseudonym') }}
),

final as (
    select
        object_id_pseudonym,
        anchor_id_pseudonym,
        display_name,
        given_name,
        surname,
        mail,
        mail_nickname,
        role,
        user_principal_name_pseudonym,
        student_id_pseudonym,
        teacher_id_pseudonym,
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
