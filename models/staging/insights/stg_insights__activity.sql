{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_insights__activity')]) }}",
    )
}}

{#
    Insights activity signals, typed and pseudonymized: one row per signal per
    delivered file version in use. MeetingDuration (hh:mm:ss) becomes seconds.
    Incremental by delivered file, like Clever.
#}

with activity as (
    select
        "SignalType",
        "StartTime",
        "UserAgent",
        "SignalId",
        "SisClassId",
        "ClassId",
        "ChannelId",
        "AppName",
        "ActorId",
        "ActorRole",
        "SchemaVersion",
        "AssignmentId",
        "SubmissionId",
        "Action",
        "DueDate",
        "ClassCreationDate",
        "Grade",
        "SourceFileExtension",
        "Meeting Duration",
        _partition,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_insights__activity') }}
    {{ new_file_versions_only(ref('base_insights__activity')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('insights', 'activity', [
            'SignalType', 'StartTime', 'UserAgent', 'SignalId', 'SisClassId',
            'ClassId', 'ChannelId', 'AppName', 'ActorId', 'ActorRole',
            'SchemaVersion', 'AssignmentId', 'SubmissionId', 'Action', 'DueDate',
            'ClassCreationDate', 'Grade', 'SourceFileExtension', 'Meeting Duration',
        ]) }},
        _partition,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from activity
),

typed as (
    select
        signal_id,
        signal_type,
        {{ parse_timestamp('start_time') }} as start_time,
        actor_id_pseudonym,
        actor_role,
        app_name,
        user_agent,
        sis_class_id,
        class_id,
        channel_id,
        schema_version,
        assignment_id,
        submission_id,
        action,
        {{ parse_timestamp('due_date') }} as due_date,
        {{ parse_timestamp('class_creation_date') }} as class_creation_date,
        grade,
        source_file_extension,
        {{ hms_seconds('meeting_duration') }} as meeting_duration_sec,
        _partition as export_folder,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
