{#
    Digital activity of each student: one row per student per date with at least one
    digital_activity row. Digitally active when a row shows use by its source's rule
    (design.md): Clever daily participation active or with logins; Clever resource
    usage with accesses; any Insights signal; an i-Ready completed lesson; Graph
    `used` or a count above zero.
#}

with activity as (
    select
        event_actor,
        event_object,
        generated_aggregatemeasure_metric_timeontasksec as time_on_task_sec,
        generated_aggregatemeasure_metric_numaccess as num_access,
        generated_aggregatemeasure_metric_used as is_used,
        cast(event_eventtime as date) as activity_date
    from {{ ref('digital_activity') }}
    where
        event_actor is not null
        and event_eventtime is not null
),

students as (
    select student_id_pseudonym
    from {{ ref('int_hybrid_engagement__students') }}
),

classified as (
    select
        activity.event_actor as student_id_pseudonym,
        activity.activity_date,
        activity.time_on_task_sec,
        activity.num_access,
        case
            when activity.event_object like 'Clever%' then 'clever'
            when activity.event_object = 'MS_Insights' then 'insights'
            when activity.event_object like 'iReady%' then 'iready'
            when activity.event_object like 'MS_GraphAPI%' then 'graph'
        end as activity_source,
        case
            when activity.event_object = 'Clever_Daily_Participation'
                then
                    coalesce(activity.is_used, false)
                    or coalesce(activity.num_access, 0) > 0
            when activity.event_object = 'Clever_Resource_Usage'
                then coalesce(activity.num_access, 0) > 0
            when activity.event_object = 'MS_Insights' then true
            when activity.event_object like 'iReady%'
                then coalesce(activity.is_used, false)
            when activity.event_object like 'MS_GraphAPI%'
                then
                    coalesce(activity.is_used, false)
                    or coalesce(activity.num_access, 0) > 0
            else false
        end as shows_use
    from activity
    inner join students
        on activity.event_actor = students.student_id_pseudonym
),

flagged as (
    select
        student_id_pseudonym,
        activity_date,
        time_on_task_sec,
        num_access,
        case when shows_use then 1 else 0 end as is_use,
        case when shows_use and activity_source = 'clever' then 1 else 0 end
            as is_clever_use,
        case when shows_use and activity_source = 'insights' then 1 else 0 end
            as is_insights_use,
        case when shows_use and activity_source = 'iready' then 1 else 0 end
            as is_iready_use,
        case when shows_use and activity_source = 'graph' then 1 else 0 end
            as is_graph_use
    from classified
),

daily as (
    select
        student_id_pseudonym,
        activity_date,
        count(*) as activity_rows,
        sum(is_use) as active_rows,
        max(is_clever_use) as clever_active,
        max(is_insights_use) as insights_active,
        max(is_iready_use) as iready_active,
        max(is_graph_use) as graph_active,
        coalesce(sum(time_on_task_sec), 0) as time_on_task_sec,
        coalesce(sum(num_access), 0) as accesses
    from flagged
    group by
        student_id_pseudonym,
        activity_date
),

final as (
    select
        student_id_pseudonym,
        activity_date,
        activity_rows,
        cast(active_rows as bigint) as active_rows,
        cast(accesses as bigint) as accesses,
        cast(
            clever_active + insights_active + iready_active + graph_active
            as integer
        ) as active_sources,
        active_rows > 0 as is_digitally_active,
        clever_active = 1 as is_clever_active,
        insights_active = 1 as is_insights_active,
        iready_active = 1 as is_iready_active,
        graph_active = 1 as is_graph_active,
        cast(time_on_task_sec as double) / 60 as minutes
    from daily
)

select * from final
