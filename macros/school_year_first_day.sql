{#
    Purpose: the first day of a school year (see school_year): the first of the
    `school_year_start_month` in the year before the one it is named by (July 1,
    2024 for school year 2025), or January 1 when school years are calendar years.
#}
{% macro school_year_first_day(school_year) -%}
    {%- set start_month = var('school_year_start_month') | int -%}
    {%- if start_month == 1 -%}
        make_date(cast({{ school_year }} as integer), 1, 1)
    {%- else -%}
        make_date(cast({{ school_year }} as integer) - 1, {{ start_month }}, 1)
    {%- endif -%}
{%- endmacro %}
