{{ config(alias='engagement_by_school_grade_week') }}

{#
    `sqls3_hybrid_engagement.engagement_by_school_grade_week`:
    hybrid engagement per school, grade and week, with small cells
    suppressed: a row describing fewer than `small_cell_min_students` students keeps
    its keys, students and school days, and has NULL category counts and rates.
#}

with rollup as (
    select
        school_id,
        school_name,
        grade,
        week_start,
        students,
        school_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate
    from {{ ref('rpt_engagement_by_school_grade_week') }}
),

final as (
    select
        school_id,
        school_name,
        grade,
        week_start,
        students,
        school_days,
        {{ unless_small_cell('in_person_and_digital_days', 'students') }}
            as in_person_and_digital_days,
        {{ unless_small_cell('in_person_only_days', 'students') }}
            as in_person_only_days,
        {{ unless_small_cell('digital_only_days', 'students') }}
            as digital_only_days,
        {{ unless_small_cell('not_engaged_days', 'students') }}
            as not_engaged_days,
        {{ unless_small_cell('in_person_rate', 'students') }}
            as in_person_rate,
        {{ unless_small_cell('digital_rate', 'students') }}
            as digital_rate,
        {{ unless_small_cell('hybrid_rate', 'students') }}
            as hybrid_rate,
        {{ is_small_cell('students') }} as is_suppressed
    from rollup
)

select * from final
