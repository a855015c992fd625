{#
    Every student in every school year with their engagement: one row per student
    and school year of dim_student_year, that year's school and grade beside
    msr_student_year_engagement's measures. What the student_engagement serving
    view and the yearly rollups' student counts select from.
#}

with student_years as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        grade,
        enrollment_start_date,
        enrollment_end_date,
        is_in_roster,
        has_attendance
    from {{ ref('dim_student_year') }}
),

measures as (
    select
        student_id_pseudonym,
        school_year,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        excused_absence_days,
        unexcused_absence_days,
        tardy_days,
        partial_days,
        unrecorded_days,
        unknown_code_days,
        absence_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        absence_rate,
        is_chronically_absent
    from {{ ref('msr_student_year_engagement') }}
),

final as (
    select
        student_years.student_id_pseudonym,
        student_years.school_year,
        student_years.school_id,
        student_years.school_name,
        student_years.grade,
        student_years.enrollment_start_date,
        student_years.enrollment_end_date,
        student_years.is_in_roster,
        student_years.has_attendance,
        measures.school_days,
        measures.present_days,
        measures.digital_days,
        measures.engaged_days,
        measures.in_person_and_digital_days,
        measures.in_person_only_days,
        measures.digital_only_days,
        measures.not_engaged_days,
        measures.excused_absence_days,
        measures.unexcused_absence_days,
        measures.tardy_days,
        measures.partial_days,
        measures.unrecorded_days,
        measures.unknown_code_days,
        measures.absence_days,
        measures.in_person_rate,
        measures.digital_rate,
        measures.hybrid_rate,
        measures.absence_rate,
        measures.is_chronically_absent
    from student_years
    inner join measures
        on
            student_years.student_id_pseudonym = measures.student_id_pseudonym
            and student_years.school_year = measures.school_year
)

select * from final
