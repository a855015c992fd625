{{
    config(**date_partitioned(
        column='calendar_date',
        by_date={
            'stg_contoso_sis__studentattendance': 'attendance_date',
            'school_calendar_exceptions': 'calendar_date',
        },
        whole=[],
        by_range={
            'int_hybrid_engagement__enrollments': [
                'enrollment_start_date', 'enrollment_end_date',
            ],
        },
        columns={
            'stg_contoso_sis__studentattendance': [
                'student_id_pseudonym', 'school_id',
            ],
            'int_hybrid_engagement__enrollments': [
                'student_id_pseudonym', 'school_id',
            ],
        },
    ))
}}

{#
    Each school's calendar as the SIS shows it: one row per school and date on
    which the school recorded any attendance, or which the
    school_calendar_exceptions seed names. A date is an instructional day when the
    school recorded attendance for more than `instructional_day_min_share` (dbt
    var) of its enrolled students (int_hybrid_engagement__enrollments), unless the
    seed says otherwise: a `closure` is never one, a `partial_day` always is (an
    early release on which few records were taken still counts). A day the SIS
    forgot for a few students stays an instructional day for them: they miss a
    record on it (a finding), not a school day.

    A date's row depends on that date's records and exceptions and on the
    enrollments that span it (who, where; their first and last date only through
    which dates they span), so a day's delivery rewrites only its own dates. The
    exceptions are a by_date input too, so that a date with an exception and no
    record is fingerprinted (with the enrollments spanning it) like any other.
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
        and {{ in_changed_dates('attendance_date') }}
),

enrollments as (
    select
        student_id_pseudonym,
        school_id,
        enrollment_start_date,
        enrollment_end_date
    from {{ ref('int_hybrid_engagement__enrollments') }}
),

exceptions as (
    select
        school_id,
        calendar_date,
        exception_type,
        instructional_fraction,
        description
    from {{ ref('school_calendar_exceptions') }}
    where {{ in_changed_dates('calendar_date') }}
),

recorded as (
    select
        school_id,
        attendance_date as calendar_date,
        count(distinct student_id_pseudonym) as recorded_students
    from attendance
    group by
        school_id,
        attendance_date
),

dates as (
    select
        school_id,
        calendar_date
    from recorded
    union
    select
        school_id,
        calendar_date
    from exceptions
),

enrolled as (
    select
        dates.school_id,
        dates.calendar_date,
        count(distinct enrollments.student_id_pseudonym) as enrolled_students
    from dates
    inner join enrollments
        on
            dates.school_id = enrollments.school_id
            and dates.calendar_date >= enrollments.enrollment_start_date
            and dates.calendar_date <= enrollments.enrollment_end_date
    group by
        dates.school_id,
        dates.calendar_date
),

joined as (
    select
        dates.school_id,
        dates.calendar_date,
        exceptions.exception_type,
        exceptions.instructional_fraction,
        exceptions.description as exception_description,
        coalesce(enrolled.enrolled_students, 0) as enrolled_students,
        coalesce(recorded.recorded_students, 0) as recorded_students
    from dates
    left join recorded
        on
            dates.school_id = recorded.school_id
            and dates.calendar_date = recorded.calendar_date
    left join enrolled
        on
            dates.school_id = enrolled.school_id
            and dates.calendar_date = enrolled.calendar_date
    left join exceptions
        on
            dates.school_id = exceptions.school_id
            and dates.calendar_date = exceptions.calendar_date
),

inferred as (
    select
        *,
        -- exact: the share is a decimal, the counts are integers
        recorded_students > {{ var('instructional_day_min_share') }}
        * enrolled_students as is_inferred_instructional_day
    from joined
),

final as (
    select
        school_id,
        calendar_date,
        {{ school_year('calendar_date') }} as school_year,
        {{ week_start('calendar_date') }} as week_start,
        enrolled_students,
        recorded_students,
        is_inferred_instructional_day,
        exception_type,
        exception_description,
        case
            when exception_type = 'closure' then false
            when exception_type = 'partial_day' then true
            else is_inferred_instructional_day
        end as is_instructional_day,
        cast(
            case
                when exception_type = 'closure' then 0
                when exception_type = 'partial_day'
                    then coalesce(instructional_fraction, 1)
                when is_inferred_instructional_day then 1
                else 0
            end
            as decimal(5, 4)
        ) as instructional_fraction
    from inferred
)

select * from final
