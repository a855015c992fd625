{#
    Insights activity signals in OEA's Digital Engagement Schema: one activity row
    per signal. The actor is the signal's ActorId (a Person id), kept as a source
    key: digital_activity resolves it to the SIS id through the latest roster, so a
    later roster can map an actor that was unknown when the signal loaded. Every
    signal counts as use (shows_use, design.md "Digitally active"); MeetingDuration
    (already in seconds) is the time on task.
#}

with activity as (
    select
        signal_id,
        signal_type,
        start_time,
        actor_id_pseudonym,
        actor_role,
        app_name,
        schema_version,
        meeting_duration_sec,
        _source_file,
        _source_row,
        _file_sha256
    from {{ ref('stg_insights__activity') }}
),

mapped as (
    select
        signal_id as event_id,
        signal_type as event_type,
        cast(null as {{ dbt.type_string() }}) as event_actor,
        'insights_actor_id' as actor_key_type,
        actor_id_pseudonym as actor_key,
        'MS_Insights' as event_object,
        start_time as event_time,
        cast(start_time as date) as activity_date,
        app_name as entity_type,
        schema_version as software_application_version,
        meeting_duration_sec as time_on_task_sec,
        cast(null as integer) as num_access,
        true as is_used,
        -- digitally active: every Insights signal is a use
        true as shows_use,
        cast(null as integer) as report_period_days,
        cast(extract(year from start_time) as integer) as year,
        cast(extract(month from start_time) as integer) as month,
        case lower(actor_role)
            when 'student' then 'students'
            when 'teacher' then 'teachers'
            else lower(actor_role)
        end as actor_role,
        cast(null as {{ dbt.type_string() }}) as source_school_name,
        cast(null as {{ dbt.type_string() }}) as exclusion_reason,
        _source_file,
        _source_row,
        1 as _source_record,
        1 as _record_signal,
        _file_sha256
    from activity
)

select * from mapped
