{#
    Hybrid engagement per school, grade and week (Monday): students with a school
    day that week, student-days in each category and the pooled rates. Students
    count in their school and grade of the school year (dim_student_year).
#}

with daily as (
    select
        student_id_pseudonym,
        school_id,
        grade,
        school_year,
        week_start,
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

weekly as (
    select
        school_id,
        grade,
        school_year,
        week_start,
        {{ hybrid_category_measures() }}
    from daily
    group by
        school_id,
        grade,
        school_year,
        week_start
),

final as (
    select
        weekly.school_id,
        schools.school_name,
        weekly.grade,
        weekly.school_year,
        weekly.week_start,
        weekly.students,
        weekly.school_days,
        weekly.present_days,
        weekly.digital_days,
        weekly.engaged_days,
        weekly.in_person_and_digital_days,
        weekly.in_person_only_days,
        weekly.digital_only_days,
        weekly.not_engaged_days,
        weekly.in_person_rate,
        weekly.digital_rate,
        weekly.hybrid_rate
    from weekly
    left join schools
        on weekly.school_id = schools.school_id
)

select * from final
