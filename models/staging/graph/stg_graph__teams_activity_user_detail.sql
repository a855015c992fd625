{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_graph__teams_activity_user_detail')]) }}",
    )
}}

{#
    Teams activity user detail, typed and pseudonymized: one row per user per report
    refresh per delivered file version in use. Counts become integers, ISO-8601
    durations (PT1M10S) seconds. Incremental by delivered file.
#}

with teams_activity as (
    select
        "reportRefreshDate",
        "userPrincipalName",
        "lastActivityDate",
        "deletedDate",
        "isDeleted",
        "isLicensed",
        "reportPeriod",
        "privateChatMessageCount",
        "teamChatMessageCount",
        "meetingsAttendedCount",
        "meetingCount",
        "meetingsOrganizedCount",
        "callCount",
        "scheduledOneTimeMeetingsAttendedCount",
        "scheduledOneTimeMeetingsOrganizedCount",
        "scheduledRecurringMeetingsAttendedCount",
        "scheduledRecurringMeetingsOrganizedCount",
        "adHocMeetingsAttendedCount",
        "adHocMeetingsOrganizedCount",
        "audioDuration",
        "videoDuration",
        "screenShareDuration",
        "assignedProducts",
        "hasOtherAction",
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at,
        -- Microsoft's concealed names are hashes without an @
        "userPrincipalName" not like '%@%' as is_user_name_concealed
    from {{ ref('base_graph__teams_activity_user_detail') }}
    {{ new_file_versions_only(ref('base_graph__teams_activity_user_detail')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('graph', 'teams_activity_user_detail', [
            'reportRefreshDate', 'userPrincipalName', 'lastActivityDate',
            'deletedDate', 'isDeleted', 'isLicensed', 'reportPeriod',
            'privateChatMessageCount', 'teamChatMessageCount',
            'meetingsAttendedCount', 'meetingCount', 'meetingsOrganizedCount',
            'callCount', 'scheduledOneTimeMeetingsAttendedCount',
            'scheduledOneTimeMeetingsOrganizedCount',
            'scheduledRecurringMeetingsAttendedCount',
            'scheduledRecurringMeetingsOrganizedCount',
            'adHocMeetingsAttendedCount', 'adHocMeetingsOrganizedCount',
            'audioDuration', 'videoDuration', 'screenShareDuration',
            'assignedProducts', 'hasOtherAction',
        ]) }},
        is_user_name_concealed,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256,
        _loaded_at
    from teams_activity
),

typed as (
    select
        {{ parse_date('report_refresh_date', '%Y-%m-%d') }} as report_refresh_date,
        user_principal_name_pseudonym,
        is_user_name_concealed,
        {{ parse_date('last_activity_date', '%Y-%m-%d') }} as last_activity_date,
        deleted_date,
        {{ parse_boolean('is_deleted') }} as is_deleted,
        {{ parse_boolean('is_licensed') }} as is_licensed,
        cast(report_period as integer) as report_period_days,
        cast(private_chat_message_count as integer) as private_chat_message_count,
        cast(team_chat_message_count as integer) as team_chat_message_count,
        cast(meetings_attended_count as integer) as meetings_attended_count,
        cast(meeting_count as integer) as meeting_count,
        cast(meetings_organized_count as integer) as meetings_organized_count,
        cast(call_count as integer) as call_count,
        cast(scheduled_one_time_meetings_attended_count as integer)
            as scheduled_one_time_meetings_attended_count,
        cast(scheduled_one_time_meetings_organized_count as integer)
            as scheduled_one_time_meetings_organized_count,
        cast(scheduled_recurring_meetings_attended_count as integer)
            as scheduled_recurring_meetings_attended_count,
        cast(scheduled_recurring_meetings_organized_count as integer)
            as scheduled_recurring_meetings_organized_count,
        cast(ad_hoc_meetings_attended_count as integer)
            as ad_hoc_meetings_attended_count,
        cast(ad_hoc_meetings_organized_count as integer)
            as ad_hoc_meetings_organized_count,
        {{ iso8601_duration_seconds('audio_duration') }}
            as audio_duration_sec,
        {{ iso8601_duration_seconds('video_duration') }}
            as video_duration_sec,
        {{ iso8601_duration_seconds('screen_share_duration') }}
            as screen_share_duration_sec,
        assigned_products,
        {{ parse_boolean('has_other_action') }} as has_other_action,
        _source_file,
        _source_row,
        cast(_source_record as integer) as _source_record,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
