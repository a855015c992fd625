{{
    config(**date_partitioned(
        column='activity_date',
        by_date={'digital_activity_signals': 'activity_date'},
        whole=['int_identity__actor_keys', 'dim_staff'],
        columns={
            'digital_activity_signals': [
                'event_actor', 'actor_key_type', 'actor_key', 'event_object',
                'entity_type', 'num_access', 'time_on_task_sec', 'shows_use',
                'exclusion_reason',
            ],
        },
    ))
}}

{#
    Teachers' and staff's digital activity: one row per staff member of dim_staff,
    date (the day use counts on, as for students), report (event_object) and app
    (entity_type: Clever for daily participation, the resource for Clever resource
    usage, the app for Insights and Graph). Whether it shows use by the source's
    rule, and its accesses (Clever logins and resource accesses, Teams counts).
    Actors resolve as in digital_activity; students never appear here, and no
    student model reads it.
#}

with signals as (
    select
        event_actor,
        actor_key_type,
        actor_key,
        event_object,
        entity_type,
        activity_date,
        num_access,
        time_on_task_sec,
        shows_use
    from {{ ref('digital_activity_signals') }}
    where
        exclusion_reason is null
        and activity_date is not null
        and {{ in_changed_dates('activity_date') }}
),

actor_keys as (
    select
        actor_key_type,
        actor_key,
        sis_id_pseudonym
    from {{ ref('int_identity__actor_keys') }}
),

staff as (
    select
        staff_id_pseudonym,
        staff_role,
        school_id,
        school_name
    from {{ ref('dim_staff') }}
),

resolved as (
    select
        signals.activity_date,
        signals.event_object,
        signals.num_access,
        signals.time_on_task_sec,
        signals.shows_use,
        coalesce(signals.entity_type, 'unknown') as app_name,
        coalesce(signals.event_actor, actor_keys.sis_id_pseudonym)
            as staff_id_pseudonym
    from signals
    left join actor_keys
        on
            signals.actor_key_type = actor_keys.actor_key_type
            and signals.actor_key = actor_keys.actor_key
),

staff_rows as (
    select
        resolved.staff_id_pseudonym,
        resolved.activity_date,
        resolved.event_object,
        resolved.app_name,
        resolved.num_access,
        resolved.time_on_task_sec,
        staff.staff_role,
        staff.school_id,
        staff.school_name,
        case when resolved.shows_use then 1 else 0 end as is_use
    from resolved
    inner join staff
        on resolved.staff_id_pseudonym = staff.staff_id_pseudonym
),

daily as (
    select
        staff_id_pseudonym,
        activity_date,
        event_object,
        app_name,
        max(staff_role) as staff_role,
        max(school_id) as school_id,
        max(school_name) as school_name,
        count(*) as activity_rows,
        max(is_use) as is_use,
        coalesce(sum(num_access), 0) as accesses,
        coalesce(sum(time_on_task_sec), 0) as time_on_task_sec
    from staff_rows
    group by
        staff_id_pseudonym,
        activity_date,
        event_object,
        app_name
),

final as (
    select
        staff_id_pseudonym,
        activity_date,
        {{ school_year('activity_date') }} as school_year,
        {{ week_start('activity_date') }} as week_start,
        event_object,
        app_name,
        staff_role,
        school_id,
        school_name,
        activity_rows,
        is_use = 1 as is_active,
        cast(accesses as bigint) as accesses,
        cast(time_on_task_sec as double) / 60 as minutes
    from daily
)

select * from final
