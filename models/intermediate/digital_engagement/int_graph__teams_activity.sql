{#
    Teams activity user detail in OEA's Digital Engagement Schema: one activity row
    per counter (OEA's unpivot of callCount, meetingCount, meetingsAttendedCount,
    meetingsOrganizedCount, privateChatMessageCount, teamChatMessageCount):
    event_type = the counter's name, numAccess = its value, `used` = value above
    zero. The video time (videoDuration, ISO-8601 such as PT1M10S, in seconds) is a
    seventh row, event_type `videoDuration`: OEA repeated it on all six counter
    rows, so summing time on task counted it six times. The actor stays a source key
    (the userPrincipalName pseudonym) that digital_activity resolves through users.
    A row shows use (design.md, "Digitally active") when used or its count is
    above zero.
#}

with teams_activity as (
    select
        report_refresh_date,
        last_activity_date,
        user_principal_name_pseudonym,
        report_period_days,
        call_count,
        meeting_count,
        meetings_attended_count,
        meetings_organized_count,
        private_chat_message_count,
        team_chat_message_count,
        video_duration_sec,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256
    from {{ ref('stg_graph__teams_activity_user_detail') }}
),

counters as (
    select
        seven_counters.counter_position,
        seven_counters.counter_name
    from (
        values
        (1, 'callCount'),
        (2, 'meetingCount'),
        (3, 'meetingsAttendedCount'),
        (4, 'meetingsOrganizedCount'),
        (5, 'privateChatMessageCount'),
        (6, 'teamChatMessageCount'),
        (7, 'videoDuration')
    ) as seven_counters (counter_position, counter_name)
),

unpivoted as (
    select
        teams_activity.*,
        counters.counter_position,
        counters.counter_name,
        case counters.counter_name
            when 'callCount' then teams_activity.call_count
            when 'meetingCount' then teams_activity.meeting_count
            when 'meetingsAttendedCount' then teams_activity.meetings_attended_count
            when 'meetingsOrganizedCount' then teams_activity.meetings_organized_count
            when 'privateChatMessageCount'
                then teams_activity.private_chat_message_count
            when 'teamChatMessageCount' then teams_activity.team_chat_message_count
        end as counter_value
    from teams_activity
    cross join counters
),

mapped as (
    select
        {{ surrogate_key([
            "'MS_GraphAPI_Teams'", '_source_file', '_source_row', '_source_record',
            'counter_position',
        ]) }} as event_id,
        counter_name as event_type,
        cast(null as {{ dbt.type_string() }}) as event_actor,
        'graph_user_principal_name' as actor_key_type,
        user_principal_name_pseudonym as actor_key,
        'MS_GraphAPI_Teams' as event_object,
        cast(report_refresh_date as timestamp) as event_time,
        -- the day of use: the last activity date, not the refresh (design.md)
        cast(coalesce(last_activity_date, report_refresh_date) as date)
            as activity_date,
        'Teams' as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        case
            when counter_name = 'videoDuration' then video_duration_sec
        end as time_on_task_sec,
        counter_value as num_access,
        case
            when counter_name = 'videoDuration' then video_duration_sec > 0
            else counter_value > 0
        end as is_used,
        -- digitally active: used, or a count above zero
        coalesce(counter_value, 0) > 0
        or coalesce(
            counter_name = 'videoDuration' and video_duration_sec > 0, false
        ) as shows_use,
        report_period_days,
        cast(extract(year from report_refresh_date) as integer) as year,
        cast(extract(month from report_refresh_date) as integer) as month,
        cast(null as {{ dbt.type_string() }}) as actor_role,
        cast(null as {{ dbt.type_string() }}) as source_school_name,
        cast(null as {{ dbt.type_string() }}) as exclusion_reason,
        _source_file,
        _source_row,
        _source_record,
        counter_position as _record_signal,
        _file_sha256
    from unpivoted
)

select * from mapped
