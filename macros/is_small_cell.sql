{#
    Purpose: small-cell suppression for the serving views. A rollup row describing
    fewer than `small_cell_min_students` students (dbt var) must not publish its
    rates or category counts: with so few students they can single one out.
#}
{% macro is_small_cell(student_count) -%}
    ({{ student_count }} < {{ var('small_cell_min_students') }})
{%- endmacro %}
