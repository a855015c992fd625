{#
    Purpose: the absence-type columns of a rollup over rows of
    fct_hybrid_engagement_daily (one per student per school day): school days of
    each attendance type, the absence days (excused and unexcused days, plus the
    missed share of partial days) and the absence rate (absence days / school
    days). Days without a usable record (`unrecorded`, `unknown_code`) are counted
    apart: findings, not absences.
#}
{% macro absence_type_measures() -%}
    {%- for attendance_type in [
        'excused_absence', 'unexcused_absence', 'tardy', 'partial_day',
        'unrecorded', 'unknown_code',
    ] %}
    cast(
        sum(case when attendance_type = '{{ attendance_type }}' then 1 else 0 end)
        as bigint
    ) as {{ attendance_type | replace('partial_day', 'partial') }}_days,
    {%- endfor %}
    cast(coalesce(sum(absence_fraction), 0) as decimal(18, 4)) as absence_days,
    cast(coalesce(sum(absence_fraction), 0) as double)
    / count(*) as absence_rate
{%- endmacro %}
