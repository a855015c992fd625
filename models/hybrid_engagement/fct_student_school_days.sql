{#
    The school calendar of each student: one row per student per school day, a date
    on which the SIS holds at least one attendance record for the student.
#}

with attendance as (
    select
        student_id_pseudonym,
        attendance_date
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where
        student_id_pseudonym is not null
        and attendance_date is not null
),

school_days as (
    select
        student_id_pseudonym,
        attendance_date,
        count(*) as attendance_records
    from attendance
    group by
        student_id_pseudonym,
        attendance_date
),

final as (
    select
        student_id_pseudonym,
        attendance_date,
        {{ week_start('attendance_date') }} as week_start,
        attendance_records
    from school_days
)

select * from final
