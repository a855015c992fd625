{{ config(materialized='table') }}

{#
    Each student's enrollment at a school in a school year: one row per student,
    school (the SIS school_id of their attendance records) and school year. It
    spans their first to last attendance record there that year; with the
    `enrollment_includes_roster_dates` dbt var, widened to the dates of their
    Student role at that school in the Insights roster (RoleStartDate, RoleEndDate),
    cut to the school year. Only students with attendance records have an
    enrollment; their school days are the school's instructional days within it.
#}

with attendance as (
    select
        student_id_pseudonym,
        school_id,
        attendance_date
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where
        student_id_pseudonym is not null
        and school_id is not null
        and attendance_date is not null
),

roles as (
    select
        external_id_pseudonym,
        organization_id,
        ref_role_id,
        role_start_date,
        role_end_date
    from {{ ref('stg_insights__person_organization_role') }}
    where external_id_pseudonym is not null
),

ref_definitions as (
    select
        ref_definition_id,
        code
    from {{ ref('stg_insights__ref_definition') }}
),

records_by_year as (
    select
        student_id_pseudonym,
        school_id,
        attendance_date,
        {{ school_year('attendance_date') }} as school_year
    from attendance
),

record_windows as (
    select
        student_id_pseudonym,
        school_id,
        school_year,
        min(attendance_date) as first_attendance_date,
        max(attendance_date) as last_attendance_date,
        count(distinct attendance_date) as attendance_dates
    from records_by_year
    group by
        student_id_pseudonym,
        school_id,
        school_year
),

student_roles as (
    select
        roles.external_id_pseudonym as student_id_pseudonym,
        roles.organization_id as school_id,
        {{ try_parse_date('roles.role_start_date', '%Y-%m-%d') }}
            as role_start_date,
        {{ try_parse_date('roles.role_end_date', '%Y-%m-%d') }} as role_end_date
    from roles
    inner join ref_definitions
        on lower(roles.ref_role_id) = lower(ref_definitions.ref_definition_id)
    where lower(ref_definitions.code) = 'student'
),

windows as (
    select
        student_id_pseudonym,
        school_id,
        school_year,
        first_attendance_date,
        last_attendance_date,
        attendance_dates,
        {{ school_year_first_day('school_year') }} as year_first_day,
        {{ dbt.dateadd('day', -1, school_year_first_day('school_year + 1')) }}
            as year_last_day
    from record_windows
),

roster_windows as (
    select
        windows.student_id_pseudonym,
        windows.school_id,
        windows.school_year,
        min(greatest(student_roles.role_start_date, windows.year_first_day))
            as roster_start_date,
        max(least(student_roles.role_end_date, windows.year_last_day))
            as roster_end_date
    from windows
    inner join student_roles
        on
            windows.student_id_pseudonym = student_roles.student_id_pseudonym
            and windows.school_id = student_roles.school_id
            and windows.year_last_day >= student_roles.role_start_date
            and windows.year_first_day <= student_roles.role_end_date
            and student_roles.role_start_date <= student_roles.role_end_date
    group by
        windows.student_id_pseudonym,
        windows.school_id,
        windows.school_year
),

final as (
    select
        windows.student_id_pseudonym,
        windows.school_id,
        windows.school_year,
        windows.first_attendance_date,
        windows.last_attendance_date,
        windows.attendance_dates,
        roster_windows.roster_start_date,
        roster_windows.roster_end_date,
        {%- if var('enrollment_includes_roster_dates') %}
            least(
                windows.first_attendance_date,
                coalesce(
                    roster_windows.roster_start_date, windows.first_attendance_date
                )
            ) as enrollment_start_date,
            greatest(
                windows.last_attendance_date,
                coalesce(roster_windows.roster_end_date, windows.last_attendance_date)
            ) as enrollment_end_date
        {%- else %}
        windows.first_attendance_date as enrollment_start_date,
        windows.last_attendance_date as enrollment_end_date
        {%- endif %}
    from windows
    left join roster_windows
        on
            windows.student_id_pseudonym = roster_windows.student_id_pseudonym
            and windows.school_id = roster_windows.school_id
            and windows.school_year = roster_windows.school_year
)

select * from final
