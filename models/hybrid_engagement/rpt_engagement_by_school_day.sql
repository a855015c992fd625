{#
    Hybrid engagement per school and school day: students with a school
    day that day, student-days in each category and the pooled rates. Students
    count in their school of the school year (dim_student_year).
#}

with daily as (
    select
        student_id_pseudonym,
        school_id,
        school_year,
        attendance_date,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

schools as (
    select distinct
        school_id,
        school_name
    from {{ ref('dim_student_year') }}
),

daily_by_school as (
    select
        school_id,
        school_year,
        attendance_date,
        {{ hybrid_category_measures() }}
    from daily
    group by
        school_id,
        school_year,
        attendance_date
),

final as (
    select
        daily_by_school.school_id,
        schools.school_name,
        daily_by_school.school_year,
        daily_by_school.attendance_date,
        daily_by_school.students,
        daily_by_school.school_days,
        daily_by_school.present_days,
        daily_by_school.digital_days,
        daily_by_school.engaged_days,
        daily_by_school.in_person_and_digital_days,
        daily_by_school.in_person_only_days,
        daily_by_school.digital_only_days,
        daily_by_school.not_engaged_days,
        daily_by_school.in_person_rate,
        daily_by_school.digital_rate,
        daily_by_school.hybrid_rate
    from daily_by_school
    left join schools
        on daily_by_school.school_id = schools.school_id
)

select * from final
