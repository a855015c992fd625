{#
    What each SIS attendance code means: one row per code, from the
    attendance_codes seed, with the `attendance_code_overrides` dbt var applied on
    top (a code there replaces the seed's row or adds one). The attendance type
    decides presence (present, tardy and partial_day are in person), the absence
    fraction how much of the school day counts as missed.
#}

{%- set overrides = var('attendance_code_overrides') or {} %}

with seeded as (
    select
        attendance_code,
        attendance_type,
        absence_fraction,
        description
    from {{ ref('attendance_codes') }}
),

overridden as (
    {%- if overrides %}
    select
        overrides.attendance_code,
        overrides.attendance_type,
        overrides.absence_fraction,
        overrides.description
    from (
        values
        {%- for code, meaning in overrides.items() %}
        (
            '{{ code }}',
            '{{ meaning["attendance_type"] }}',
            cast({{ meaning.get("absence_fraction", 0) }} as decimal(5, 4)),
            'set by the attendance_code_overrides dbt var'
        ){{ "," if not loop.last }}
        {%- endfor %}
    ) as overrides (attendance_code, attendance_type, absence_fraction, description)
    {%- else %}
        select
            attendance_code,
            attendance_type,
            absence_fraction,
            description
        from seeded
        where false
    {%- endif %}
),

combined as (
    select
        seeded.attendance_code,
        seeded.attendance_type,
        seeded.absence_fraction,
        seeded.description,
        false as is_overridden
    from seeded
    where
        seeded.attendance_code not in (
            select overridden.attendance_code from overridden
        )
    union all
    select
        attendance_code,
        attendance_type,
        absence_fraction,
        description,
        true as is_overridden
    from overridden
),

final as (
    select
        attendance_code,
        attendance_type,
        cast(absence_fraction as decimal(5, 4)) as absence_fraction,
        description,
        is_overridden,
        attendance_type in ('present', 'tardy', 'partial_day') as is_in_person
    from combined
)

select * from final
