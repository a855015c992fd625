{#
    Attendance records whose AttendanceCode the mapping in use
    (dim_attendance_codes: the attendance_codes seed and the
    `attendance_code_overrides` dbt var) does not list: one row per delivered file
    and unknown code, with how many records carry it and their first lines. The
    records stay in staging, counted as neither present nor absent; the code is
    not personal data, so the district can see what to add to the seed
    (sqls2_quality.delivery_findings publishes the counts without it).
#}

with attendance as (
    select
        attendance_code,
        _source_file,
        _source_row
    from {{ ref('stg_contoso_sis__studentattendance') }}
    where nullif(trim(attendance_code), '') is not null
),

codes as (
    select attendance_code
    from {{ ref('dim_attendance_codes') }}
),

unknown as (
    select
        attendance._source_file,
        attendance._source_row,
        attendance.attendance_code
    from attendance
    left join codes
        on attendance.attendance_code = codes.attendance_code
    where codes.attendance_code is null
),

final as (
    select
        _source_file as file_path,
        attendance_code,
        count(*) as rows_affected,
        min(_source_row) as first_line,
        {{ first_distinct_values_text('_source_row', 5) }} as first_lines
    from unknown
    group by
        _source_file,
        attendance_code
)

select * from final
