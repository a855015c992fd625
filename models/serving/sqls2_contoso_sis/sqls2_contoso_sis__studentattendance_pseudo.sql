{{ config(alias='studentattendance_pseudo') }}

{#
    OEA's Contoso SIS attendance table as the Synapse serverless endpoint served it
    (`sqls2_contoso_sis.studentattendance_pseudo`), typed: one row per attendance
    record, its latest version.
#}

with attendance as (
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
        attendance_sequence
    from {{ ref('stg_contoso_sis__studentattendance') }}
),

final as (
    select
        attendance_id as id,
        student_id_pseudonym,
        school_year,
        school_id,
        attendance_date,
        is_all_day as all_day,
        period as "Period",
        section_id,
        attendance_code as "AttendanceCode",
        presence_flag as "PresenceFlag",
        attendance_status,
        attendance_type,
        attendance_sequence
    from attendance
)

select * from final
