{#
    Purpose: the Monday of a date's week, as a date: the key of the weekly rollups
    and of the school weeks the engagement-drop model compares.
#}
{% macro week_start(date_column) -%}
    cast({{ dbt.date_trunc('week', date_column) }} as date)
{%- endmacro %}
