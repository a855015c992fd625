{#
    Staff adoption (OEA's Clever dashboard shows adoption, not only student use):
    one row per school, staff role (teacher, staff) and week (Monday) with any
    staff activity. Staff the school has (dim_staff), how many of them were
    digitally active that week and on how many staff-days, Clever logins and
    resource accesses, Insights signals, and the apps used. Staff only: no student
    is counted here, and no student rate reads it.
#}

with activity as (
    select
        staff_id_pseudonym,
        activity_date,
        school_year,
        week_start,
        event_object,
        app_name,
        staff_role,
        school_id,
        school_name,
        activity_rows,
        is_active,
        accesses
    from {{ ref('fct_staff_app_use_daily') }}
),

staff as (
    select
        staff_id_pseudonym,
        staff_role,
        school_id,
        school_name
    from {{ ref('dim_staff') }}
),

staff_by_school as (
    select
        school_id,
        staff_role,
        max(school_name) as school_name,
        count(*) as staff
    from staff
    group by
        school_id,
        staff_role
),

weekly as (
    select
        school_id,
        staff_role,
        school_year,
        week_start,
        count(
            distinct case when is_active then staff_id_pseudonym end
        ) as active_staff,
        count(
            distinct case
                when is_active
                    then
                        staff_id_pseudonym
                        || '|'
                        || cast(activity_date as {{ dbt.type_string() }})
            end
        ) as active_staff_days,
        sum(
            case
                when event_object = 'Clever_Daily_Participation' then accesses
                else 0
            end
        ) as logins,
        sum(
            case
                when event_object = 'Clever_Resource_Usage' then accesses else 0
            end
        ) as resource_accesses,
        sum(
            case when event_object = 'MS_Insights' then activity_rows else 0 end
        ) as insights_signals,
        count(
            distinct case
                when
                    is_active and event_object <> 'Clever_Daily_Participation'
                    then app_name
            end
        ) as apps_used
    from activity
    group by
        school_id,
        staff_role,
        school_year,
        week_start
),

final as (
    select
        weekly.school_id,
        staff_by_school.school_name,
        weekly.staff_role,
        weekly.school_year,
        weekly.week_start,
        staff_by_school.staff,
        weekly.active_staff,
        weekly.active_staff_days,
        cast(weekly.logins as bigint) as logins,
        cast(weekly.resource_accesses as bigint) as resource_accesses,
        cast(weekly.insights_signals as bigint) as insights_signals,
        weekly.apps_used,
        cast(weekly.active_staff as double)
        / nullif(staff_by_school.staff, 0) as adoption_rate
    from weekly
    inner join staff_by_school
        on
            weekly.school_id is not distinct from staff_by_school.school_id
            and weekly.staff_role = staff_by_school.staff_role
)

select * from final
