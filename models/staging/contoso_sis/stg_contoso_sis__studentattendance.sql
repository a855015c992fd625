{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='attendance_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(
            ref('base_contoso_sis__studentattendance'), key=['id', 'attendance_id']
        ) }}",
    )
}}

{#
    One row per attendance record: its version from the batch loaded last (a later
    batch that re-sends a record replaces it; a restated file replaces only the
    records it held; see rows_loaded_since_last_run).
    Typed and pseudonymized by the source's column rules.
#}

with attendance as (
    select
        id,
        student_id,
        school_year,
        school_id,
        attendance_date,
        all_day,
        "Period",
        section_id,
        "AttendanceCode",
        "PresenceFlag",
        attendance_status,
        attendance_type,
        attendance_sequence,
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_contoso_sis__studentattendance') }}
    {{ rows_loaded_since_last_run(
        ref('base_contoso_sis__studentattendance'), key=['id', 'attendance_id']
    ) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('contoso_sis', 'studentattendance', [
            'id', 'student_id', 'school_year', 'school_id', 'attendance_date',
            'all_day', 'Period', 'section_id', 'AttendanceCode', 'PresenceFlag',
            'attendance_status', 'attendance_type', 'attendance_sequence',
        ]) }},
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from attendance
),

typed as (
    select
        id as attendance_id,
        student_id_pseudonym,
        cast(school_year as integer) as school_year,
        school_id,
        {{ parse_date('attendance_date', ['%Y-%m-%d', '%m/%d/%Y']) }}
            as attendance_date,
        {{ parse_boolean('all_day') }} as is_all_day,
        cast(period as integer) as period,
        section_id,
        attendance_code,
        {{ parse_boolean('presence_flag') }} as presence_flag,
        attendance_status,
        attendance_type,
        cast(attendance_sequence as integer) as attendance_sequence,
        _batch as batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
),

ranked as (
    select
        *,
        row_number() over (
            partition by attendance_id
            order by _loaded_at desc, _source_row desc
        ) as version_rank
    from typed
),

latest as (
    select
        attendance_id,
        student_id_pseudonym,
        school_year,
        school_id,
        attendance_date,
        is_all_day,
        period,
        section_id,
        attendance_code,
        presence_flag,
        attendance_status,
        attendance_type,
        attendance_sequence,
        batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
