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

final as (
    select
        students.person_id_pseudonym as "StudentId_internal_pseudonym",
        students.student_id_pseudonym as "StudentId_external_pseudonym",
        persons.surname as "Surname",
        persons.given_name as "GivenName",
        persons.middle_name as "MiddleName",
        students.person_role as "PersonRole",
        students.grade as "StudentGrade",
        cast(students.coded_p_records as double)
        / nullif(students.attendance_records, 0) as "AverageAttendance_inPerson",
        cast(students.digital_activity_dates as double)
        / nullif(district_digital_dates.activity_dates, 0)
            as "AverageAttendance_digital",
        students.school_id as "OrganizationId",
        students.school_name as "OrganizationName"
    from students
    cross join district_digital_dates
    left join persons
        on students.person_id_pseudonym = persons.person_id_pseudonym
)

select * from final
