{{ config(materialized='table') }}

{#
    The SIS roster the identity match rates compare against: one row per student
    the SIS knows, from attendance records or demographics, with the school of
    their latest attendance record.
    A table, not a view: several models and tests read it, and each would otherwise
    scan every attendance record again.
#}

with attendance as (
    select
        student_id_pseudonym,
        school_id,
        attendance_date,
        attendance_id
    from {{ ref('stg_contoso_sis__studentattendance') }}
),

demographics as (
    select sis_id_pseudonym
    from {{ ref('stg_contoso_sis__studentdemographics') }}
),

attendance_ranked as (
    select
        student_id_pseudonym,
        school_id,
        attendance_date,
        row_number() over (
            partition by student_id_pseudonym
            order by attendance_date desc, attendance_id desc
        ) as recency_rank
    from attendance
),

attendance_by_student as (
    select
        student_id_pseudonym,
        min(attendance_date) as first_attendance_date,
        max(attendance_date) as last_attendance_date,
        max(case when recency_rank = 1 then school_id end) as latest_school_id
    from attendance_ranked
    group by student_id_pseudonym
),

students as (
    select
        attendance_by_student.latest_school_id as school_id,
        attendance_by_student.first_attendance_date,
        attendance_by_student.last_attendance_date,
        coalesce(
            attendance_by_student.student_id_pseudonym, demographics.sis_id_pseudonym
        ) as student_id_pseudonym,
        attendance_by_student.student_id_pseudonym is not null as has_attendance,
        demographics.sis_id_pseudonym is not null as has_demographics
    from attendance_by_student
    full outer join demographics
        on attendance_by_student.student_id_pseudonym = demographics.sis_id_pseudonym
)

select * from students
