{#
    Purpose: parse date text that may not follow the format (a roster's optional
    dates) into a date, NULL where it does not parse. Use only where a test counts
    the NULLs it produced (see parse_date for text that must parse).
#}
{% macro try_parse_date(column, format) -%}
    {{ return(adapter.dispatch('try_parse_date')(column, format)) }}
{%- endmacro %}

{% macro default__try_parse_date(column, format) -%}
    try_to_date({{ column }}, '{{ format }}')
{%- endmacro %}

{% macro duckdb__try_parse_date(column, format) -%}
    cast(try_strptime({{ column }}, '{{ format }}') as date)
{%- endmacro %}

{% macro spark__try_parse_date(column, format) -%}
    try_to_date({{ column }}, '{{ java_datetime_pattern(format) }}')
{%- endmacro %}
