{#
    Purpose: the day counts of a yearly rollup, from a CTE of
    hybrid_category_measures and absence_type_measures, 0 where the rollup's
    students had no school day: school, present, digital and engaged days, the
    days of each hybrid category and attendance type, and absence days.
#}
{% macro rollup_day_counts(relation) -%}
    {%- set measures = [
        'school_days', 'present_days', 'digital_days', 'engaged_days',
        'in_person_and_digital_days', 'in_person_only_days', 'digital_only_days',
        'not_engaged_days', 'excused_absence_days', 'unexcused_absence_days',
        'tardy_days', 'partial_days', 'unrecorded_days', 'unknown_code_days',
        'absence_days',
    ] -%}
    {%- for measure in measures %}
        coalesce({{ relation }}.{{ measure }}, 0) as {{ measure }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
