{{ config(alias='clever_usage_by_school') }}

{#
    `sqls2_clever.clever_usage_by_school`: students' Clever usage per school, with
    small cells suppressed (keys and students kept, measures NULL).
#}

with usage_by_school as (
    select
        clever_school_id,
        school_name,
        students,
        active_students,
        student_days,
        active_student_days,
        logins,
        resources_accessed,
        avg_logins_per_student_day,
        avg_resources_accessed_per_student_day
    from {{ ref('rpt_clever__usage_by_school') }}
),

final as (
    select
        clever_school_id,
        school_name,
        students,
        {{ is_small_cell('students') }} as is_suppressed,
        {{ unless_small_cell('active_students', 'students') }} as active_students,
        {{ unless_small_cell('student_days', 'students') }} as student_days,
        {{ unless_small_cell('active_student_days', 'students') }}
            as active_student_days,
        {{ unless_small_cell('logins', 'students') }} as logins,
        {{ unless_small_cell('resources_accessed', 'students') }}
            as resources_accessed,
        {{ unless_small_cell('avg_logins_per_student_day', 'students') }}
            as avg_logins_per_student_day,
        {{ unless_small_cell('avg_resources_accessed_per_student_day', 'students') }}
            as avg_resources_accessed_per_student_day
    from usage_by_school
)

select * from final
