{#
    In-person presence: one row per student per school day. Present when at least
    one of the day's records has AttendanceCode 'P', or PresenceFlag true when the
    record has no code.
#}

with attendance as (
    select
        student_id_pseudonym,
        attendance_date,
        attendance_code,
        presence_flag
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where
        student_id_pseudonym is not null
        and attendance_date is not null
),

classified as (
    select
        student_id_pseudonym,
        attendance_date,
        case when attendance_code = 'P' then 1 else 0 end as is_coded_p,
        case
            when attendance_code = 'P' then 1
            when
                nullif(trim(attendance_code), '') is null
                and presence_flag
                then 1
            else 0
        end as shows_presence
    from attendance
),

presence as (
    select
        student_id_pseudonym,
        attendance_date,
        count(*) as attendance_records,
        sum(is_coded_p) as coded_p_records,
        max(shows_presence) = 1 as is_present
    from classified
    group by
        student_id_pseudonym,
        attendance_date
),

final as (
    select
        student_id_pseudonym,
        attendance_date,
        attendance_records,
        is_present,
        cast(coded_p_records as bigint) as coded_p_records
    from presence
)

select * from final
