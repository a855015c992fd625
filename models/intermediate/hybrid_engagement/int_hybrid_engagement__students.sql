{{ config(materialized='table') }}

{#
    The students the hybrid engagement marts describe: everyone with a Student role
    in the Insights roster or with attendance records in the SIS, one row per SIS id
    pseudonym. School, grade and role come from the roster (PersonOrganizationRole,
    Organization, RefDefinition); a student the roster does not list takes the
    school of their latest attendance record.
    A table, not a view: several marts and tests read it, and each would otherwise
    scan the roster and every attendance record again.
#}

with roster_roles as (
    select
        person_organization_role_id,
        person_id_pseudonym,
        external_id_pseudonym,
        organization_id,
        ref_role_id,
        ref_grade_level_id,
        is_primary,
        is_active_in_session,
        snapshot_at
    from {{ ref('stg_insights__person_organization_role') }}
    where external_id_pseudonym is not null
),

ref_definitions as (
    select
        ref_definition_id,
        code
    from {{ ref('stg_insights__ref_definition') }}
),

organizations as (
    select
        organization_id,
        organization_name
    from {{ ref('stg_insights__organization') }}
),

sis_students as (
    select
        student_id_pseudonym,
        school_id
    from {{ ref('int_contoso_sis__students') }}
    where has_attendance
),

student_roles as (
    select
        roster_roles.person_organization_role_id,
        roster_roles.person_id_pseudonym,
        roster_roles.external_id_pseudonym,
        roster_roles.organization_id,
        roster_roles.ref_grade_level_id,
        roster_roles.is_primary,
        roster_roles.is_active_in_session,
        roster_roles.snapshot_at,
        role_definitions.code as person_role
    from roster_roles
    inner join ref_definitions as role_definitions
        on
            lower(roster_roles.ref_role_id)
            = lower(role_definitions.ref_definition_id)
    where lower(role_definitions.code) = 'student'
),

ranked_roles as (
    select
        *,
        row_number() over (
            partition by external_id_pseudonym
            order by
                coalesce(is_primary, false) desc,
                coalesce(is_active_in_session, false) desc,
                snapshot_at desc,
                person_organization_role_id asc
        ) as role_rank
    from student_roles
),

roster_students as (
    select
        ranked_roles.external_id_pseudonym as student_id_pseudonym,
        ranked_roles.person_id_pseudonym,
        ranked_roles.person_role,
        ranked_roles.organization_id,
        grade_definitions.code as grade
    from ranked_roles
    left join ref_definitions as grade_definitions
        on
            lower(ranked_roles.ref_grade_level_id)
            = lower(grade_definitions.ref_definition_id)
    where ranked_roles.role_rank = 1
),

students as (
    select
        roster_students.person_id_pseudonym,
        roster_students.grade,
        coalesce(
            roster_students.student_id_pseudonym, sis_students.student_id_pseudonym
        ) as student_id_pseudonym,
        coalesce(roster_students.person_role, 'Student') as person_role,
        coalesce(roster_students.organization_id, sis_students.school_id)
            as school_id,
        roster_students.student_id_pseudonym is not null as is_in_roster,
        sis_students.student_id_pseudonym is not null as has_attendance
    from roster_students
    full outer join sis_students
        on roster_students.student_id_pseudonym = sis_students.student_id_pseudonym
),

final as (
    select
        students.student_id_pseudonym,
        students.person_id_pseudonym,
        students.person_role,
        students.school_id,
        organizations.organization_name as school_name,
        students.grade,
        students.is_in_roster,
        students.has_attendance
    from students
    left join organizations
        on students.school_id = organizations.organization_id
)

select * from final
