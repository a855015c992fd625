{#
    Purpose: a FROM-clause item giving one row per element of a JSON array held as
    text in `relation_name.column`: `alias.element` (the element as JSON text) and
    `alias.position` (from 1). Rows whose array is empty or NULL yield nothing.
#}
{% macro json_array_elements(relation_name, column, alias) -%}
    {{ return(adapter.dispatch('json_array_elements')(relation_name, column, alias)) }}
{%- endmacro %}

{% macro default__json_array_elements(relation_name, column, alias) -%}
    {{ exceptions.raise_compiler_error(
        "json_array_elements: no implementation for adapter " ~ adapter.type()
        ~ " (on Spark: posexplode(from_json(...)), positions from 0)"
    ) }}
{%- endmacro %}

{% macro duckdb__json_array_elements(relation_name, column, alias) -%}
    unnest(cast({{ relation_name }}.{{ column }} as json[]))
        with ordinality as {{ alias }} (element, position)
{%- endmacro %}
