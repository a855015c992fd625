{{ config(alias='clever_daily_usage') }}

{#
    `sqls2_clever.clever_daily_usage`: students' Clever usage per day, district-wide,
    with small cells suppressed (keys and students kept, measures NULL).
#}

with daily_usage as (
    select
        usage_date,
        students,
        active_students,
        logins,
        resources_accessed,
        avg_logins_per_student,
        avg_resources_accessed_per_student
    from {{ ref('rpt_clever__daily_usage') }}
),

final as (
    select
        usage_date,
        students,
        {{ is_small_cell('students') }} as is_suppressed,
        {{ unless_small_cell('active_students', 'students') }} as active_students,
        {{ unless_small_cell('logins', 'students') }} as logins,
        {{ unless_small_cell('resources_accessed', 'students') }}
            as resources_accessed,
        {{ unless_small_cell('avg_logins_per_student', 'students') }}
            as avg_logins_per_student,
        {{ unless_small_cell('avg_resources_accessed_per_student', 'students') }}
            as avg_resources_accessed_per_student
    from daily_usage
)

select * from final
