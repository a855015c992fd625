{#
    OEA's Clever dashboard, "usage by school": students' Clever logins and resources
    accessed per student per day, one row per Clever school. A row of daily
    participation is one student-day as Clever reports it (every calendar day,
    weekends included, active or not), so the averages are sums over those rows
    divided by their number. Teachers' and staff's rows are left out.
#}

with participation as (
    select
        clever_school_id,
        school_name,
        clever_user_id_pseudonym,
        is_active,
        num_logins,
        num_resources_accessed
    from {{ ref('stg_clever__daily_participation') }}
    where user_type = 'students'
),

flagged as (
    select
        clever_school_id,
        school_name,
        clever_user_id_pseudonym,
        num_logins,
        num_resources_accessed,
        -- design.md: Clever participation shows use when active or logins > 0
        coalesce(is_active or num_logins > 0, false) as is_used
    from participation
),

by_school as (
    select
        clever_school_id,
        max(school_name) as school_name,
        count(distinct clever_user_id_pseudonym) as students,
        count(
            distinct case when is_used then clever_user_id_pseudonym end
        ) as active_students,
        count(*) as student_days,
        sum(case when is_used then 1 else 0 end) as active_student_days,
        sum(num_logins) as logins,
        sum(num_resources_accessed) as resources_accessed
    from flagged
    group by clever_school_id
),

final as (
    select
        clever_school_id,
        school_name,
        cast(students as bigint) as students,
        cast(active_students as bigint) as active_students,
        cast(student_days as bigint) as student_days,
        cast(active_student_days as bigint) as active_student_days,
        cast(logins as bigint) as logins,
        cast(resources_accessed as bigint) as resources_accessed,
        cast(logins as double) / student_days as avg_logins_per_student_day,
        cast(resources_accessed as double)
        / student_days as avg_resources_accessed_per_student_day
    from by_school
)

select * from final
