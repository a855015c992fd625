{#
    Hybrid engagement per grade and school year, district-wide: every student of
    the grade that year (rpt_student_year_engagement, including those without
    school days), the chronically absent among them, student-days in each category
    and of each attendance type, and the pooled rates.
#}

with students as (
    select
        student_id_pseudonym,
        school_year,
        grade,
        is_chronically_absent
    from {{ ref('rpt_student_year_engagement') }}
),

daily as (
    select
        student_id_pseudonym,
        school_year,
        grade,
        attendance_type,
        absence_fraction,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

students_by_grade as (
    select
        grade,
        school_year,
        count(*) as students,
        sum(case when is_chronically_absent then 1 else 0 end)
            as chronically_absent_students
    from students
    group by
        grade,
        school_year
),

days_by_grade as (
    select
        grade,
        school_year,
        {{ hybrid_category_measures(student_count=false) }},
        {{ absence_type_measures() }}
    from daily
    group by
        grade,
        school_year
),

final as (
    select
        students_by_grade.grade,
        students_by_grade.school_year,
        students_by_grade.students,
        cast(students_by_grade.chronically_absent_students as bigint)
            as chronically_absent_students,
        days_by_grade.in_person_rate,
        days_by_grade.digital_rate,
        days_by_grade.hybrid_rate,
        days_by_grade.absence_rate,
        {{ rollup_day_counts('days_by_grade') }}
    from students_by_grade
    left join days_by_grade
        on
            students_by_grade.grade is not distinct from days_by_grade.grade
            and students_by_grade.school_year = days_by_grade.school_year
)

select * from final
