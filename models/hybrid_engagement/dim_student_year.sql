{#
    The students of each school year: one row per student and school year in which
    they were enrolled (int_hybrid_engagement__enrollments) or held a Student role
    in the Insights roster (the school year of the role's start date, or of the
    snapshot that lists it). School and grade are that year's: the roster role's
    organization and grade level (primary, active in session, newest snapshot
    first), else the school of the student's latest enrollment of the year. Every
    fact and rollup of a school year counts its students here.
#}

with enrollments as (
    select
        student_id_pseudonym,
        school_id,
        school_year,
        enrollment_start_date,
        enrollment_end_date
    from {{ ref('int_hybrid_engagement__enrollments') }}
),

roles as (
    select
        person_organization_role_id,
        external_id_pseudonym,
        organization_id,
        ref_role_id,
        ref_grade_level_id,
        is_primary,
        is_active_in_session,
        role_start_date,
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

enrollment_years as (
    select
        student_id_pseudonym,
        school_year,
        min(enrollment_start_date) as enrollment_start_date,
        max(enrollment_end_date) as enrollment_end_date
    from enrollments
    group by
        student_id_pseudonym,
        school_year
),

latest_enrollments as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        row_number() over (
            partition by student_id_pseudonym, school_year
            order by enrollment_end_date desc, enrollment_start_date desc, school_id asc
        ) as enrollment_rank
    from enrollments
),

student_roles as (
    select
        roles.person_organization_role_id,
        roles.external_id_pseudonym as student_id_pseudonym,
        roles.organization_id,
        roles.ref_grade_level_id,
        roles.is_primary,
        roles.is_active_in_session,
        roles.snapshot_at,
        coalesce(
            {{ school_year(try_parse_date('roles.role_start_date', '%Y-%m-%d')) }},
            {{ school_year('roles.snapshot_at') }}
        ) as school_year
    from roles
    inner join ref_definitions
        on lower(roles.ref_role_id) = lower(ref_definitions.ref_definition_id)
    where lower(ref_definitions.code) = 'student'
),

ranked_roles as (
    select
        *,
        row_number() over (
            partition by student_id_pseudonym, school_year
            order by
                coalesce(is_primary, false) desc,
                coalesce(is_active_in_session, false) desc,
                snapshot_at desc,
                person_organization_role_id asc
        ) as role_rank
    from student_roles
),

roster_years as (
    select
        ranked_roles.student_id_pseudonym,
        ranked_roles.school_year,
        ranked_roles.organization_id,
        grade_definitions.code as grade
    from ranked_roles
    left join ref_definitions as grade_definitions
        on
            lower(ranked_roles.ref_grade_level_id)
            = lower(grade_definitions.ref_definition_id)
    where ranked_roles.role_rank = 1
),

sis_years as (
    select
        enrollment_years.student_id_pseudonym,
        enrollment_years.school_year,
        enrollment_years.enrollment_start_date,
        enrollment_years.enrollment_end_date,
        latest_enrollments.school_id
    from enrollment_years
    inner join latest_enrollments
        on
            enrollment_years.student_id_pseudonym
            = latest_enrollments.student_id_pseudonym
            and enrollment_years.school_year = latest_enrollments.school_year
            and latest_enrollments.enrollment_rank = 1
),

student_years as (
    select
        roster_years.grade,
        sis_years.enrollment_start_date,
        sis_years.enrollment_end_date,
        coalesce(
            roster_years.student_id_pseudonym, sis_years.student_id_pseudonym
        ) as student_id_pseudonym,
        coalesce(roster_years.school_year, sis_years.school_year) as school_year,
        coalesce(roster_years.organization_id, sis_years.school_id) as school_id,
        roster_years.student_id_pseudonym is not null as is_in_roster,
        sis_years.student_id_pseudonym is not null as has_attendance
    from roster_years
    full outer join sis_years
        on
            roster_years.student_id_pseudonym = sis_years.student_id_pseudonym
            and roster_years.school_year = sis_years.school_year
),

final as (
    select
        student_years.student_id_pseudonym,
        student_years.school_year,
        student_years.school_id,
        organizations.organization_name as school_name,
        student_years.grade,
        student_years.enrollment_start_date,
        student_years.enrollment_end_date,
        student_years.is_in_roster,
        student_years.has_attendance
    from student_years
    left join organizations
        on student_years.school_id = organizations.organization_id
)

select * from final
