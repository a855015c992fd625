{#
    Purpose: a value a serving view publishes only when its row is not a small cell
    (see is_small_cell): NULL otherwise.
#}
{% macro unless_small_cell(value, student_count) -%}
    case when not {{ is_small_cell(student_count) }} then {{ value }} end
{%- endmacro %}
