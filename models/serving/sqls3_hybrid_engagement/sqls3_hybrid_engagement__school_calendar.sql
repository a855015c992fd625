{{ config(alias='school_calendar') }}

{#
    `sqls3_hybrid_engagement.school_calendar`: each school's calendar as inferred
    from the SIS (dim_school_calendar): one row per school and date with records
    or a calendar exception, whether it is an instructional day and why.
#}

with calendar as (
    select
        school_id,
        calendar_date,
        school_year,
        week_start,
        enrolled_students,
        recorded_students,
        is_inferred_instructional_day,
        exception_type,
        is_instructional_day,
        instructional_fraction
    from {{ ref('dim_school_calendar') }}
),

final as (
    select
        school_id,
        calendar_date,
        school_year,
        week_start,
        enrolled_students,
        recorded_students,
        is_inferred_instructional_day,
        exception_type,
        is_instructional_day,
        instructional_fraction
    from calendar
)

select * from final
