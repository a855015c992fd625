{#
    Hybrid engagement per school over the whole period: every student of the
    school (rpt_student_engagement, including those without school days), the
    chronically absent among them, student-days in each category and the pooled
    rates.
#}

with students as (
    select
        student_id_pseudonym,
        school_id,
        school_name,
        is_chronically_absent
    from {{ ref('rpt_student_engagement') }}
),

daily as (
    select
        student_id_pseudonym,
        school_id,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

students_by_school as (
    select
        school_id,
        max(school_name) as school_name,
        count(*) as students,
        sum(case when is_chronically_absent then 1 else 0 end)
            as chronically_absent_students
    from students
    group by school_id
),

days_by_school as (
    select
        school_id,
        {{ hybrid_category_measures(student_count=false) }}
    from daily
    group by school_id
),

final as (
    select
        students_by_school.school_id,
        students_by_school.school_name,
        students_by_school.students,
        cast(students_by_school.chronically_absent_students as bigint)
            as chronically_absent_students,
        days_by_school.in_person_rate,
        days_by_school.digital_rate,
        days_by_school.hybrid_rate,
        coalesce(days_by_school.school_days, 0) as school_days,
        coalesce(days_by_school.present_days, 0) as present_days,
        coalesce(days_by_school.digital_days, 0) as digital_days,
        coalesce(days_by_school.engaged_days, 0) as engaged_days,
        coalesce(days_by_school.in_person_and_digital_days, 0)
            as in_person_and_digital_days,
        coalesce(days_by_school.in_person_only_days, 0) as in_person_only_days,
        coalesce(days_by_school.digital_only_days, 0) as digital_only_days,
        coalesce(days_by_school.not_engaged_days, 0) as not_engaged_days
    from students_by_school
    left join days_by_school
        on students_by_school.school_id is not distinct from days_by_school.school_id
)

select * from final
