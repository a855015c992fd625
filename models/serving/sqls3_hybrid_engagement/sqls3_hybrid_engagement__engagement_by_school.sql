{{ config(alias='engagement_by_school') }}

{#
    `sqls3_hybrid_engagement.engagement_by_school`:
    hybrid engagement per school, with small cells
    suppressed: a row describing fewer than `small_cell_min_students` students keeps
    its keys, students and school days, and has NULL category counts and rates.
#}

with rollup as (
    select
        school_id,
        school_name,
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
    from {{ ref('rpt_engagement_by_school') }}
),

final as (
    select
        school_id,
        school_name,
        students,
        {{ unless_small_cell('chronically_absent_students', 'students') }}
            as chronically_absent_students,
        school_days,
        {{ suppressed_hybrid_measures('students') }}
    from rollup
)

select * from final
