{#
    Where the SIS's attendance and the inferred school calendar disagree: one row
    per school, date and finding, with how many students it concerns.
    * `no attendance record on an instructional day`: students enrolled at the
      school that day (within their first and last record, or the roster's dates)
      without any record, while most of the school was recorded; the day stays a
      school day for them, `unrecorded`.
    * `attendance recorded on a day that is not an instructional day`: records on
      a date on which too few of the school's students were recorded for it to be
      an instructional day (and which school_calendar_exceptions does not
      explain); those records make no school day.
    Counts only, no student: published as sqls2_quality.attendance_calendar_findings.
#}

with school_days as (
    select
        school_id,
        attendance_date,
        school_year,
        has_attendance_record
    from {{ ref('fct_student_school_days') }}
),

calendar as (
    select
        school_id,
        calendar_date,
        school_year,
        enrolled_students,
        recorded_students,
        is_instructional_day,
        exception_type
    from {{ ref('dim_school_calendar') }}
),

unrecorded as (
    select
        school_id,
        attendance_date as calendar_date,
        school_year,
        'no attendance record on an instructional day' as finding,
        count(*) as students_affected
    from school_days
    where not has_attendance_record
    group by
        school_id,
        attendance_date,
        school_year
),

outside_calendar as (
    select
        school_id,
        calendar_date,
        school_year,
        'attendance recorded on a day that is not an instructional day' as finding,
        recorded_students as students_affected
    from calendar
    where
        not is_instructional_day
        and exception_type is null
        and recorded_students > 0
),

findings as (
    select * from unrecorded
    union all
    select * from outside_calendar
),

final as (
    select
        findings.school_id,
        findings.calendar_date,
        findings.school_year,
        findings.finding,
        findings.students_affected,
        calendar.enrolled_students,
        calendar.recorded_students
    from findings
    inner join calendar
        on
            findings.school_id = calendar.school_id
            and findings.calendar_date = calendar.calendar_date
)

select * from final
