{{ config(alias='Student_pseudo') }}

{#
    `sqls3_hybrid_engagement.Student_pseudo` with exactly OEA's columns: one row per
    student in the Insights roster or the SIS attendance (OEA's inner joins dropped
    students without activity). Names are the warehouse's masked '*'. The averages
    are msr_student_engagement's (the digital one counts dates across all sources;
    OEA: Insights timestamps only).
#}

with students as (
    select
        person_id_pseudonym,
        student_id_pseudonym,
        surname,
        given_name,
        middle_name,
        person_role,
        grade,
        average_attendance_in_person,
        average_attendance_digital,
        school_id,
        school_name
    from {{ ref('rpt_student_engagement') }}
),

final as (
    select
        person_id_pseudonym as "StudentId_internal_pseudonym",
        student_id_pseudonym as "StudentId_external_pseudonym",
        surname as "Surname",
        given_name as "GivenName",
        middle_name as "MiddleName",
        person_role as "PersonRole",
        grade as "StudentGrade",
        average_attendance_in_person as "AverageAttendance_inPerson",
        average_attendance_digital as "AverageAttendance_digital",
        school_id as "OrganizationId",
        school_name as "OrganizationName"
    from students
)

select * from final
