{{ config(alias='engagement_by_grade') }}

{#
    `sqls3_hybrid_engagement.engagement_by_grade`:
    hybrid engagement per grade, district-wide, with small cells
    suppressed: a row describing fewer than `small_cell_min_students` students keeps
    its keys, students and school days, and has NULL category counts and rates.
#}

with rollup as (
    select
        grade,
        students,
        chronically_absent_students,
        school_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate
    from {{ ref('rpt_engagement_by_grade') }}
),

final as (
    select
        grade,
        students,
        {{ unless_small_cell('chronically_absent_students', 'students') }}
            as chronically_absent_students,
        school_days,
        {{ suppressed_hybrid_measures('students') }}
    from rollup
)

select * from final
