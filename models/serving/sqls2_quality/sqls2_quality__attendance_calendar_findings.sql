{{ config(alias='attendance_calendar_findings') }}

{#
    `sqls2_quality.attendance_calendar_findings`: where the SIS's attendance and
    the inferred school calendar disagree (audit.attendance_calendar_findings), per
    school, date and finding, with the students it concerns (a count, no student).
#}

with findings as (
    select
        school_id,
        calendar_date,
        school_year,
        finding,
        students_affected,
        enrolled_students,
        recorded_students
    from {{ ref('attendance_calendar_findings') }}
),

final as (
    select
        school_id,
        calendar_date,
        school_year,
        finding,
        students_affected,
        enrolled_students,
        recorded_students
    from findings
)

select * from final
