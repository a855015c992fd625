{{
    config(**date_partitioned(
        column='attendance_date',
        by_date={'stg_contoso_sis__studentattendance': 'attendance_date'},
        whole=['dim_attendance_codes'],
        columns={
            'stg_contoso_sis__studentattendance': [
                'attendance_id', 'student_id_pseudonym', 'school_id',
                'attendance_code', 'presence_flag',
            ],
        },
    ))
}}

{#
    What the SIS says about each student on each date: one row per student per
    date with at least one attendance record. Each record's code is classified by
    dim_attendance_codes (a record without a code by its PresenceFlag: present, or
    an unexcused absence); the day takes the record that shows the most
    attendance (the smallest absence fraction; on a tie present, tardy,
    partial_day, excused_absence, unexcused_absence), so a day with a P period and
    an A period is present, as in OEA. A code the mapping does not know is
    `unknown_code`: neither present nor absent, and a finding.
#}

with attendance as (
    select
        attendance_id,
        student_id_pseudonym,
        school_id,
        attendance_date,
        attendance_code,
        presence_flag
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where
        student_id_pseudonym is not null
        and attendance_date is not null
        and {{ in_changed_dates('attendance_date') }}
),

codes as (
    select
        attendance_code,
        attendance_type,
        absence_fraction
    from {{ ref('dim_attendance_codes') }}
),

classified as (
    select
        attendance.attendance_id,
        attendance.student_id_pseudonym,
        attendance.school_id,
        attendance.attendance_date,
        case when attendance.attendance_code = 'P' then 1 else 0 end
            as is_coded_p,
        case
            when codes.attendance_type is not null then codes.attendance_type
            when
                nullif(trim(attendance.attendance_code), '') is null
                and attendance.presence_flag
                then 'present'
            when
                nullif(trim(attendance.attendance_code), '') is null
                and not attendance.presence_flag
                then 'unexcused_absence'
            else 'unknown_code'
        end as attendance_type,
        case
            when codes.attendance_type is not null then codes.absence_fraction
            when
                nullif(trim(attendance.attendance_code), '') is null
                and attendance.presence_flag
                then 0
            when
                nullif(trim(attendance.attendance_code), '') is null
                and not attendance.presence_flag
                then 1
        end as absence_fraction
    from attendance
    left join codes
        on attendance.attendance_code = codes.attendance_code
),

ranked as (
    select
        *,
        case when attendance_type = 'unknown_code' then 1 else 0 end
            as is_unknown_code,
        row_number() over (
            partition by student_id_pseudonym, attendance_date
            order by
                coalesce(absence_fraction, 2) asc,
                case attendance_type
                    when 'present' then 1
                    when 'tardy' then 2
                    when 'partial_day' then 3
                    when 'excused_absence' then 4
                    when 'unexcused_absence' then 5
                    else 6
                end asc,
                attendance_id asc
        ) as record_rank
    from classified
),

days as (
    select
        student_id_pseudonym,
        attendance_date,
        count(*) as attendance_records,
        sum(is_coded_p) as coded_p_records,
        sum(is_unknown_code) as unknown_code_records,
        max(case when record_rank = 1 then attendance_type end) as attendance_type,
        max(case when record_rank = 1 then absence_fraction end)
            as absence_fraction,
        max(case when record_rank = 1 then school_id end) as school_id
    from ranked
    group by
        student_id_pseudonym,
        attendance_date
),

final as (
    select
        student_id_pseudonym,
        attendance_date,
        school_id,
        {{ school_year('attendance_date') }} as school_year,
        attendance_records,
        attendance_type,
        cast(absence_fraction as decimal(5, 4)) as absence_fraction,
        attendance_type in ('present', 'tardy', 'partial_day') as is_present,
        cast(coded_p_records as bigint) as coded_p_records,
        cast(unknown_code_records as bigint) as unknown_code_records
    from days
)

select * from final
