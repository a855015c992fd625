{#
    Purpose: a top-level field of a JSON object held as text, as text (true/false
    for booleans, NULL when absent or null). Used on the JSON fields Graph delivers.
#}
{% macro json_field_text(column, field) -%}
    {{ return(adapter.dispatch('json_field_text')(column, field)) }}
{%- endmacro %}

{% macro default__json_field_text(column, field) -%}
    get_json_object({{ column }}, '$.{{ field }}')
{%- endmacro %}

{% macro duckdb__json_field_text(column, field) -%}
    json_extract_string({{ column }}, '$."{{ field }}"')
{%- endmacro %}
