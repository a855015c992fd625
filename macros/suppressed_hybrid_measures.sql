{#
    Purpose: the small-cell-suppressed measure columns every hybrid engagement
    rollup view publishes: the student-days of each hybrid category and the three
    rates, each NULL when the row is a small cell (fewer students than the
    `small_cell_min_students` dbt var), then `is_suppressed`. The rollup's keys,
    students and school days stay published and come before these in the view.
#}
{% macro suppressed_hybrid_measures(student_count='students') -%}
    {%- set measures = [
        'in_person_and_digital_days', 'in_person_only_days', 'digital_only_days',
        'not_engaged_days', 'in_person_rate', 'digital_rate', 'hybrid_rate',
    ] -%}
    {%- for measure in measures %}
        {{ unless_small_cell(measure, student_count) }} as {{ measure }},
    {%- endfor %}
        {{ is_small_cell(student_count) }} as is_suppressed
{%- endmacro %}
