{{ config(alias='engagement_by_school_day') }}

{#
    `sqls3_hybrid_engagement.engagement_by_school_day`:
    hybrid engagement per school per school day, with small cells
    suppressed: a row describing fewer than `small_cell_min_students` students keeps
    its keys, students and school days, and has NULL category counts and rates.
#}

with rollup as (
    select
        school_id,
        school_name,
        school_year,
        attendance_date,
        students,
        school_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate
    from {{ ref('rpt_engagement_by_school_day') }}
),

final as (
    select
        school_id,
        school_name,
        school_year,
        attendance_date,
        students,
        school_days,
        {{ suppressed_hybrid_measures('students') }}
    from rollup
)

select * from final
