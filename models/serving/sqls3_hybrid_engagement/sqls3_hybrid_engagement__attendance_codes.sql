{{ config(alias='attendance_codes') }}

{#
    `sqls3_hybrid_engagement.attendance_codes`: what each SIS attendance code
    means in this build (dim_attendance_codes: the attendance_codes seed and the
    `attendance_code_overrides` dbt var).
#}

with codes as (
    select
        attendance_code,
        attendance_type,
        absence_fraction,
        is_in_person,
        description,
        is_overridden
    from {{ ref('dim_attendance_codes') }}
),

final as (
    select
        attendance_code,
        attendance_type,
        absence_fraction,
        is_in_person,
        description,
        is_overridden
    from codes
)

select * from final
