{{ config(alias='engagement_by_school') }}

{#
    `sqls3_hybrid_engagement.engagement_by_school`:
    hybrid engagement and absence per school and school year, with small cells
    suppressed: a row describing fewer than `small_cell_min_students` students keeps
    its keys, students and school days, and has NULL category counts and rates.
#}

with rollup as (
    select
        school_id,
        school_name,
        school_year,
        students,
        chronically_absent_students,
        school_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        excused_absence_days,
        unexcused_absence_days,
        tardy_days,
        partial_days,
        unrecorded_days,
        unknown_code_days,
        absence_days,
        absence_rate
    from {{ ref('rpt_engagement_by_school') }}
),

final as (
    select
        school_id,
        school_name,
        school_year,
        students,
        {{ unless_small_cell('chronically_absent_students', 'students') }}
            as chronically_absent_students,
        school_days,
        {{ suppressed_absence_measures('students') }}
        {{ suppressed_hybrid_measures('students') }}
    from rollup
)

select * from final
