{#
    Purpose: the small-cell-suppressed absence columns of the yearly rollup views:
    student-days of each attendance type, absence days and the absence rate, each
    NULL when the row is a small cell (see suppressed_hybrid_measures, which
    follows them and ends with `is_suppressed`).
#}
{% macro suppressed_absence_measures(student_count='students') -%}
    {%- set measures = [
        'excused_absence_days', 'unexcused_absence_days', 'tardy_days',
        'partial_days', 'unrecorded_days', 'unknown_code_days', 'absence_days',
        'absence_rate',
    ] -%}
    {%- for measure in measures %}
        {{ unless_small_cell(measure, student_count) }} as {{ measure }},
    {%- endfor %}
{%- endmacro %}
