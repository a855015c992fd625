{{
    config(**date_partitioned(
        column='activity_date',
        by_date={'digital_activity_signals': 'activity_date'},
        whole=[
            'int_identity__actor_keys',
            'digital_activity_event_objects',
            'int_hybrid_engagement__students',
        ],
        columns={
            'digital_activity_signals': [
                'event_actor', 'actor_key_type', 'actor_key', 'event_object',
                'time_on_task_sec', 'num_access', 'shows_use', 'exclusion_reason',
            ],
        },
    ))
}}

{#
    Digital activity of each student: one row per student per date with at least one
    digital_activity row, on the day the row's use counts (`activity_date`: the
    event's date, except Graph's period reports, which count on their
    lastActivityDate rather than the refresh date digital_activity keeps). Digitally active when a row shows use by its source's rule
    (design.md), decided in the source's int_*_activity model as `shows_use`:
    Clever daily participation active or with logins; Clever resource usage with
    accesses; any Insights signal; an i-Ready completed lesson; Graph `used` or a
    count above zero. Actors resolve to students as in digital_activity; the source
    of each report comes from the digital_activity_event_objects seed, so a new
    source needs no change here.
#}

{%- set sources = ['clever', 'insights', 'iready', 'graph'] %}

with signals as (
    select
        event_actor,
        actor_key_type,
        actor_key,
        event_object,
        time_on_task_sec,
        num_access,
        shows_use,
        activity_date
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

event_objects as (
    select
        event_object,
        source
    from {{ ref('digital_activity_event_objects') }}
),

students as (
    select student_id_pseudonym
    from {{ ref('int_hybrid_engagement__students') }}
),

resolved as (
    select
        signals.activity_date,
        signals.event_object,
        signals.time_on_task_sec,
        signals.num_access,
        signals.shows_use,
        coalesce(signals.event_actor, actor_keys.sis_id_pseudonym)
            as student_id_pseudonym
    from signals
    left join actor_keys
        on
            signals.actor_key_type = actor_keys.actor_key_type
            and signals.actor_key = actor_keys.actor_key
),

flagged as (
    select
        resolved.student_id_pseudonym,
        resolved.activity_date,
        resolved.time_on_task_sec,
        resolved.num_access,
        event_objects.source as activity_source,
        case when resolved.shows_use then 1 else 0 end as is_use
    from resolved
    inner join students
        on resolved.student_id_pseudonym = students.student_id_pseudonym
    left join event_objects
        on resolved.event_object = event_objects.event_object
),

daily as (
    select
        student_id_pseudonym,
        activity_date,
        count(*) as activity_rows,
        sum(is_use) as active_rows,
        {%- for source in sources %}
            coalesce(max(case when activity_source = '{{ source }}' then is_use end), 0)
                as {{ source }}_active,
        {%- endfor %}
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
        {{ school_year('activity_date') }} as school_year,
        activity_rows,
        cast(active_rows as bigint) as active_rows,
        cast(accesses as bigint) as accesses,
        -- the seed's sources are exactly these (its accepted_values test), so the
        -- flags add up to the distinct count, at half the cost of counting it
        cast(
            {% for source in sources -%}
                {{ source }}_active{{ " + " if not loop.last }}
            {%- endfor %} as integer
        ) as active_sources,
        active_rows > 0 as is_digitally_active,
        {%- for source in sources %}
            {{ source }}_active = 1 as is_{{ source }}_active,
        {%- endfor %}
        cast(time_on_task_sec as double) / 60 as minutes
    from daily
)

select * from final
