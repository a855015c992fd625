{#
    Purpose: the chronic-absence rule (design.md), exact in decimals: a student
    with at least `chronic_absence_min_school_days` school days who attended less
    than `chronic_absence_threshold` of them, i.e. whose absence days (excused and
    unexcused, partial days by their missed share) exceed the rest. Never NULL.
#}
{% macro chronically_absent(school_days, absence_days) -%}
    coalesce(
        {{ school_days }} >= {{ var('chronic_absence_min_school_days') }}
        and {{ school_days }} - {{ absence_days }}
        < {{ var('chronic_absence_threshold') }} * {{ school_days }},
        false
    )
{%- endmacro %}
