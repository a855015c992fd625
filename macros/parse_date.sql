{#
    Purpose: parse delivered date text in a strftime format (e.g. '%m/%d/%Y') into a
    date, failing loudly on text that does not match. The loaders already rejected
    rows whose dates do not parse, so a failure here means a format changed.
#}
{% macro parse_date(column, format) -%}
    {{ return(adapter.dispatch('parse_date')(column, format)) }}
{%- endmacro %}

{% macro default__parse_date(column, format) -%}
    to_date({{ column }}, '{{ format }}')
{%- endmacro %}

{% macro duckdb__parse_date(column, format) -%}
    cast(strptime({{ column }}, '{{ format }}') as date)
{%- endmacro %}
