{#
    The student roster: one row per student in the Insights roster or the SIS
    attendance (pseudonymized), with school, grade, role and the roster's masked
    names. Attributes only; the per-student measures are in msr_student_engagement.
#}

with students as (
    select
        student_id_pseudonym,
        person_id_pseudonym,
        person_role,
        school_id,
        school_name,
        grade,
        is_in_roster,
        has_attendance
    from {{ ref('int_hybrid_engagement__students') }}
),

persons as (
    select
        person_id_pseudonym,
        surname,
        given_name,
        middle_name
    from {{ ref('stg_insights__person') }}
),

final as (
    select
        students.student_id_pseudonym,
        students.person_id_pseudonym,
        persons.surname,
        persons.given_name,
        persons.middle_name,
        students.person_role,
        students.school_id,
        students.school_name,
        students.grade,
        students.is_in_roster,
        students.has_attendance
    from students
    left join persons
        on students.person_id_pseudonym = persons.person_id_pseudonym
)

select * from final
