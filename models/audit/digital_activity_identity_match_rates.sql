{#
    How much activity reaches a student: one row per source report (event_object),
    actor role and school, with the activity rows and distinct actors, and how many
    of them matched a student on the SIS roster (attendance or demographics) through
    the one student key. The school is the one the source reports (Clever, i-Ready)
    or else the matched student's SIS school; NULL when neither is known. Unmatched
    activity stays in digital_activity with a NULL or non-student actor; this is
    where it is counted. A source at 0% usually means its ids do not line up with
    the SIS (or, for Graph, that Microsoft conceals user names).
#}

with signals as (
    select
        event_object,
        actor_role,
        source_school_name,
        event_actor,
        actor_key_type,
        actor_key
    from {{ ref('digital_activity_signals') }}
    where exclusion_reason is null
),

actor_keys as (
    select
        actor_key_type,
        actor_key,
        sis_id_pseudonym
    from {{ ref('int_identity__actor_keys') }}
),

sis_students as (
    select
        student_id_pseudonym,
        school_id
    from {{ ref('int_contoso_sis__students') }}
),

organizations as (
    select
        organization_id,
        organization_name
    from {{ ref('stg_insights__organization') }}
),

by_source_actor as (
    -- one pass over the activity; everything after works on actors, not rows
    select
        event_object,
        actor_role,
        source_school_name,
        event_actor,
        actor_key_type,
        actor_key,
        count(*) as activity_rows
    from signals
    group by
        event_object,
        actor_role,
        source_school_name,
        event_actor,
        actor_key_type,
        actor_key
),

resolved as (
    select
        by_source_actor.event_object,
        by_source_actor.actor_role,
        by_source_actor.activity_rows,
        coalesce(by_source_actor.event_actor, by_source_actor.actor_key)
            as source_actor,
        sis_students.student_id_pseudonym is not null as is_matched,
        coalesce(
            by_source_actor.source_school_name,
            organizations.organization_name,
            sis_students.school_id
        ) as school_name
    from by_source_actor
    left join actor_keys
        on
            by_source_actor.actor_key_type = actor_keys.actor_key_type
            and by_source_actor.actor_key = actor_keys.actor_key
    left join sis_students
        on
            coalesce(by_source_actor.event_actor, actor_keys.sis_id_pseudonym)
            = sis_students.student_id_pseudonym
    left join organizations
        on sis_students.school_id = organizations.organization_id
),

match_rates as (
    select
        event_object,
        actor_role,
        school_name,
        sum(activity_rows) as activity_rows,
        sum(case when is_matched then activity_rows else 0 end) as matched_rows,
        count(distinct source_actor) as actors,
        count(distinct case when is_matched then source_actor end) as matched_actors
    from resolved
    group by
        event_object,
        actor_role,
        school_name
),

final as (
    select
        event_object,
        actor_role,
        school_name,
        cast(activity_rows as bigint) as activity_rows,
        cast(matched_rows as bigint) as matched_rows,
        actors,
        matched_actors,
        cast(matched_rows as double) / activity_rows as row_match_rate,
        cast(matched_actors as double) / nullif(actors, 0) as actor_match_rate
    from match_rates
)

select * from final
