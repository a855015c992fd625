{{ config(alias='staff_adoption_by_school_week') }}

{#
    `sqls3_hybrid_engagement.staff_adoption_by_school_week`: teachers' and staff's
    digital activity per school, role and week (rpt_staff_adoption_by_school_week):
    active staff, logins, resource accesses, Insights signals, apps used. Staff
    only, never mixed into a student rate.
#}

with adoption as (
    select
        school_id,
        school_name,
        staff_role,
        school_year,
        week_start,
        staff,
        active_staff,
        active_staff_days,
        logins,
        resource_accesses,
        insights_signals,
        apps_used,
        adoption_rate
    from {{ ref('rpt_staff_adoption_by_school_week') }}
),

final as (
    select
        school_id,
        school_name,
        staff_role,
        school_year,
        week_start,
        staff,
        active_staff,
        active_staff_days,
        logins,
        resource_accesses,
        insights_signals,
        apps_used,
        adoption_rate
    from adoption
)

select * from final
