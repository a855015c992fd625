{#
    Hybrid engagement per school and school year: every student of the school that
    year (rpt_student_year_engagement, including those without school days), the
    chronically absent among them, student-days in each category and of each
    attendance type, and the pooled rates.
#}

with students as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        is_chronically_absent
    from {{ ref('rpt_student_year_engagement') }}
),

daily as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        attendance_type,
        absence_fraction,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

students_by_school as (
    select
        school_id,
        school_year,
        max(school_name) as school_name,
        count(*) as students,
        sum(case when is_chronically_absent then 1 else 0 end)
            as chronically_absent_students
    from students
    group by
        school_id,
        school_year
),

days_by_school as (
    select
        school_id,
        school_year,
        {{ hybrid_category_measures(student_count=false) }},
        {{ absence_type_measures() }}
    from daily
    group by
        school_id,
        school_year
),

final as (
    select
        students_by_school.school_id,
        students_by_school.school_name,
        students_by_school.school_year,
        students_by_school.students,
        cast(students_by_school.chronically_absent_students as bigint)
            as chronically_absent_students,
        days_by_school.in_person_rate,
        days_by_school.digital_rate,
        days_by_school.hybrid_rate,
        days_by_school.absence_rate,
        {{ rollup_day_counts('days_by_school') }}
    from students_by_school
    left join days_by_school
        on
            students_by_school.school_id is not distinct from days_by_school.school_id
            and students_by_school.school_year = days_by_school.school_year
)

select * from final
