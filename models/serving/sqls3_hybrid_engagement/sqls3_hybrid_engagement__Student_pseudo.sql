{{ config(alias='Student_pseudo') }}

{#
    `sqls3_hybrid_engagement.Student_pseudo` with exactly OEA's columns: one row per
    student in the Insights roster or the SIS attendance (OEA's inner joins dropped
    students without activity). Names are the warehouse's masked '*'. The digital
    average counts dates across all sources (OEA: Insights timestamps only).
#}

with students as (
    select
        student_id_pseudonym,
        person_id_pseudonym,
        person_role,
        grade,
        school_id,
        school_name,
        attendance_records,
        coded_p_records,
        digital_activity_dates
    from {{ ref('dim_student') }}
),

persons as (
    select
        person_id_pseudonym,
        surname,
        given_name,
        middle_name
    from {{ ref('stg_insights__person') }}
),

digital as (
    select activity_date
    from {{ ref('fct_digital_activity_daily') }}
    where is_digitally_active
),

district_digital_dates as (
    select count(distinct activity_date) as activity_dates
    from digital
),

averaged as (
    select
        students.person_id_pseudonym,
        students.student_id_pseudonym,
        persons.surname,
        persons.given_name,
        persons.middle_name,
        students.person_role,
        students.grade,
        students.school_id,
        students.school_name,
        cast(students.coded_p_records as double)
        / nullif(students.attendance_records, 0) as in_person_average,
        cast(students.digital_activity_dates as double)
        / nullif(district_digital_dates.activity_dates, 0) as digital_average
    from students
    cross join district_digital_dates
    left join persons
        on students.person_id_pseudonym = persons.person_id_pseudonym
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
        in_person_average as "AverageAttendance_inPerson",
        digital_average as "AverageAttendance_digital",
        school_id as "OrganizationId",
        school_name as "OrganizationName"
    from averaged
)

select * from final
