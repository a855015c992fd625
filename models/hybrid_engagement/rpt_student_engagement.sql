{#
    Every student with their engagement: one row per student of dim_student, the
    roster attributes beside msr_student_engagement's measures. What the
    per-student serving views (student_engagement, Student_pseudo) select from.
#}

with students as (
    select
        student_id_pseudonym,
        person_id_pseudonym,
        surname,
        given_name,
        middle_name,
        person_role,
        school_id,
        school_name,
        grade,
        is_in_roster,
        has_attendance
    from {{ ref('dim_student') }}
),

measures as (
    select
        student_id_pseudonym,
        attendance_records,
        coded_p_records,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        digital_activity_dates,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        is_chronically_absent,
        average_attendance_in_person,
        average_attendance_digital
    from {{ ref('msr_student_engagement') }}
),

final as (
    select
        students.student_id_pseudonym,
        students.person_id_pseudonym,
        students.surname,
        students.given_name,
        students.middle_name,
        students.person_role,
        students.school_id,
        students.school_name,
        students.grade,
        students.is_in_roster,
        students.has_attendance,
        measures.attendance_records,
        measures.coded_p_records,
        measures.school_days,
        measures.present_days,
        measures.digital_days,
        measures.engaged_days,
        measures.in_person_and_digital_days,
        measures.in_person_only_days,
        measures.digital_only_days,
        measures.not_engaged_days,
        measures.digital_activity_dates,
        measures.in_person_rate,
        measures.digital_rate,
        measures.hybrid_rate,
        measures.is_chronically_absent,
        measures.average_attendance_in_person,
        measures.average_attendance_digital
    from students
    inner join measures
        on students.student_id_pseudonym = measures.student_id_pseudonym
)

select * from final
