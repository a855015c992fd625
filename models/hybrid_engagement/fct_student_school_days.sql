{#
    The school days of each student: one row per student per school day, a date
    that is an instructional day of their school (dim_school_calendar) within their
    enrollment there (int_hybrid_engagement__enrollments). A school day on which the
    SIS holds no record for the student stays a school day, with
    `has_attendance_record` false: missing data, a finding. A student enrolled in
    two schools on the same date (a transfer) takes the school that recorded them
    that day, else the later enrollment.
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

calendar as (
    select
        school_id,
        calendar_date,
        school_year,
        week_start
    from {{ ref('dim_school_calendar') }}
    where is_instructional_day
),

attendance as (
    select
        student_id_pseudonym,
        school_id,
        attendance_date
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where
        student_id_pseudonym is not null
        and attendance_date is not null
),

records as (
    select
        student_id_pseudonym,
        attendance_date,
        count(*) as attendance_records
    from attendance
    group by
        student_id_pseudonym,
        attendance_date
),

recording_schools as (
    select distinct
        student_id_pseudonym,
        attendance_date,
        school_id
    from attendance
),

candidates as (
    select
        enrollments.student_id_pseudonym,
        enrollments.school_id,
        enrollments.enrollment_start_date,
        calendar.calendar_date,
        calendar.school_year,
        calendar.week_start
    from enrollments
    inner join calendar
        on
            enrollments.school_id = calendar.school_id
            and enrollments.school_year = calendar.school_year
            and enrollments.enrollment_start_date <= calendar.calendar_date
            and enrollments.enrollment_end_date >= calendar.calendar_date
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.student_id_pseudonym, candidates.calendar_date
            order by
                case when recording_schools.school_id is null then 1 else 0 end,
                candidates.enrollment_start_date desc,
                candidates.school_id asc
        ) as enrollment_rank
    from candidates
    left join recording_schools
        on
            candidates.student_id_pseudonym = recording_schools.student_id_pseudonym
            and candidates.calendar_date = recording_schools.attendance_date
            and candidates.school_id = recording_schools.school_id
),

school_days as (
    select
        ranked.student_id_pseudonym,
        ranked.calendar_date,
        ranked.school_id,
        ranked.school_year,
        ranked.week_start,
        coalesce(records.attendance_records, 0) as attendance_records
    from ranked
    left join records
        on
            ranked.student_id_pseudonym = records.student_id_pseudonym
            and ranked.calendar_date = records.attendance_date
    where ranked.enrollment_rank = 1
),

final as (
    select
        student_id_pseudonym,
        calendar_date as attendance_date,
        school_id,
        school_year,
        week_start,
        cast(attendance_records as bigint) as attendance_records,
        attendance_records > 0 as has_attendance_record
    from school_days
)

select * from final
