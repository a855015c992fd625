{{
    config(
        schema='sqls3_hybrid_engagement',
        alias='Student_lookup',
    )
}}

{#
    OEA's `sqls3_hybrid_engagement.Student_lookup`: raw ids and names per student
    pseudonym, one row per student of the Insights roster (Student role) or the
    SIS attendance. Lives only in restricted.duckdb (the pii folder's database);
    never in the warehouse or the serving file.
#}

with roster_roles as (
    select
        "PersonId",
        "ExternalId",
        "RefRoleId"
    from {{ ref('base_insights__person_organization_role') }}
),

ref_definitions as (
    select
        "Id",
        "Code"
    from {{ ref('base_insights__ref_definition') }}
),

persons as (
    select
        "Id",
        "Surname",
        "GivenName",
        "MiddleName",
        _snapshot,
        _loaded_at,
        _source_row
    from {{ ref('base_insights__person') }}
),

attendance as (
    select student_id
    from {{ ref('base_contoso_sis__studentattendance') }}
),

roster_students as (
    select distinct
        roster_roles."ExternalId" as student_id,
        roster_roles."PersonId" as person_id
    from roster_roles
    inner join ref_definitions
        on lower(roster_roles."RefRoleId") = lower(ref_definitions."Id")
    where
        lower(ref_definitions."Code") = 'student'
        and nullif(trim(roster_roles."ExternalId"), '') is not null
),

attendance_students as (
    select distinct student_id
    from attendance
    where nullif(trim(student_id), '') is not null
),

students as (
    select
        roster_students.person_id,
        coalesce(roster_students.student_id, attendance_students.student_id)
            as student_id
    from roster_students
    full outer join attendance_students
        on roster_students.student_id = attendance_students.student_id
),

ranked_persons as (
    select
        "Id" as person_id,
        "Surname" as surname,
        "GivenName" as given_name,
        "MiddleName" as middle_name,
        row_number() over (
            partition by "Id"
            order by _snapshot desc, _loaded_at desc, _source_row desc
        ) as version_rank
    from persons
),

person_names as (
    select
        person_id,
        surname,
        given_name,
        middle_name
    from ranked_persons
    where version_rank = 1
),

final as (
    select
        students.student_id,
        students.person_id,
        person_names.surname,
        person_names.given_name,
        person_names.middle_name,
        {{ pseudonymize('students.student_id') }} as student_id_pseudonym,
        {{ pseudonymize('students.person_id') }} as person_id_pseudonym
    from students
    left join person_names
        on students.person_id = person_names.person_id
)

select * from final
