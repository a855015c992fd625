{{
    config(**date_partitioned(
        column='attendance_date',
        by_date={
            'dim_school_calendar': 'calendar_date',
            'stg_contoso_sis__studentattendance': 'attendance_date',
        },
        whole=[],
        by_range={
            'int_hybrid_engagement__enrollments': [
                'enrollment_start_date', 'enrollment_end_date',
            ],
        },
        columns={
            'dim_school_calendar': [
                'school_id', 'school_year', 'week_start', 'is_instructional_day',
            ],
            'stg_contoso_sis__studentattendance': [
                'student_id_pseudonym', 'school_id',
            ],
            'int_hybrid_engagement__enrollments': [
                'student_id_pseudonym', 'school_id', 'school_year',
                'enrollment_start_date',
            ],
        },
    ))
}}

{#
    The school days of each student: one row per student per school day, a date
    that is an instructional day of their school (dim_school_calendar) within their
    enrollment there (int_hybrid_engagement__enrollments). A school day on which the
    SIS holds no record for the student stays a school day, with
    `has_attendance_record` false: missing data, a finding. A student enrolled in
    two schools on the same date (a transfer) takes the school that recorded them
    that day, else the later enrollment.

    An enrollment's first date is fingerprinted (it orders a transfer's
    enrollments), its last date is not: it only bounds the days, so an enrollment
    that grows by a day changes that day, not every day it spans.
#}

with enrollments as (
    select
        student_id_pseudonym,
        school_id,
        school_year,
        enrollment_start_date,
        enrollment_end_date,
        count(*) over (
            partition by student_id_pseudonym, school_year
        ) as enrollments_in_year
    from {{ ref('int_hybrid_engagement__enrollments') }}
),

calendar as (
    select
        school_id,
        calendar_date,
        school_year,
        week_start
    from {{ ref('dim_school_calendar') }}
    where
        is_instructional_day
        and {{ in_changed_dates('calendar_date') }}
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
        and {{ in_changed_dates('attendance_date') }}
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

candidates as (
    select
        enrollments.student_id_pseudonym,
        enrollments.school_id,
        enrollments.enrollment_start_date,
        enrollments.enrollments_in_year,
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

-- One enrollment in the year gives at most one candidate a day (the calendar has
-- one row per school and date): only the days of students enrolled more than once
-- need ranking, a few rows instead of every student-day (at 100,000 students,
-- ranking them all ran out of a 3 GB memory limit).
single_enrollment_days as (
    select
        student_id_pseudonym,
        calendar_date,
        school_id,
        school_year,
        week_start
    from candidates
    where enrollments_in_year = 1
),

transfer_candidates as (
    select
        student_id_pseudonym,
        school_id,
        enrollment_start_date,
        calendar_date,
        school_year,
        week_start
    from candidates
    where enrollments_in_year > 1
),

recording_schools as (
    select distinct
        student_id_pseudonym,
        attendance_date,
        school_id
    from attendance
    where student_id_pseudonym in (
        select transfer_candidates.student_id_pseudonym from transfer_candidates
    )
),

ranked_transfers as (
    select
        transfer_candidates.*,
        row_number() over (
            partition by
                transfer_candidates.student_id_pseudonym,
                transfer_candidates.calendar_date
            order by
                case when recording_schools.school_id is null then 1 else 0 end,
                transfer_candidates.enrollment_start_date desc,
                transfer_candidates.school_id asc
        ) as enrollment_rank
    from transfer_candidates
    left join recording_schools
        on
            transfer_candidates.student_id_pseudonym
            = recording_schools.student_id_pseudonym
            and transfer_candidates.calendar_date = recording_schools.attendance_date
            and transfer_candidates.school_id = recording_schools.school_id
),

transfer_days as (
    select
        student_id_pseudonym,
        calendar_date,
        school_id,
        school_year,
        week_start
    from ranked_transfers
    where enrollment_rank = 1
),

school_days as (
    select * from single_enrollment_days
    union all
    select * from transfer_days
),

final as (
    select
        school_days.student_id_pseudonym,
        school_days.calendar_date as attendance_date,
        school_days.school_id,
        school_days.school_year,
        school_days.week_start,
        cast(coalesce(records.attendance_records, 0) as bigint) as attendance_records,
        coalesce(records.attendance_records, 0) > 0 as has_attendance_record
    from school_days
    left join records
        on
            school_days.student_id_pseudonym = records.student_id_pseudonym
            and school_days.calendar_date = records.attendance_date
)

select * from final
