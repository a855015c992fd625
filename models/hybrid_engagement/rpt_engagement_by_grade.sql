{#
    Hybrid engagement per grade, district-wide, over the whole period: every
    student of the grade (rpt_student_engagement, including those without school
    days), the chronically absent among them, student-days in each category and
    the pooled rates.
#}

with students as (
    select
        student_id_pseudonym,
        grade,
        is_chronically_absent
    from {{ ref('rpt_student_engagement') }}
),

daily as (
    select
        student_id_pseudonym,
        grade,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

students_by_grade as (
    select
        grade,
        count(*) as students,
        sum(case when is_chronically_absent then 1 else 0 end)
            as chronically_absent_students
    from students
    group by grade
),

days_by_grade as (
    select
        grade,
        {{ hybrid_category_measures(student_count=false) }}
    from daily
    group by grade
),

final as (
    select
        students_by_grade.grade,
        students_by_grade.students,
        cast(students_by_grade.chronically_absent_students as bigint)
            as chronically_absent_students,
        days_by_grade.in_person_rate,
        days_by_grade.digital_rate,
        days_by_grade.hybrid_rate,
        coalesce(days_by_grade.school_days, 0) as school_days,
        coalesce(days_by_grade.present_days, 0) as present_days,
        coalesce(days_by_grade.digital_days, 0) as digital_days,
        coalesce(days_by_grade.engaged_days, 0) as engaged_days,
        coalesce(days_by_grade.in_person_and_digital_days, 0)
            as in_person_and_digital_days,
        coalesce(days_by_grade.in_person_only_days, 0) as in_person_only_days,
        coalesce(days_by_grade.digital_only_days, 0) as digital_only_days,
        coalesce(days_by_grade.not_engaged_days, 0) as not_engaged_days
    from students_by_grade
    left join days_by_grade
        on students_by_grade.grade is not distinct from days_by_grade.grade
)

select * from final
