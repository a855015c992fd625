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
    ) }}
{%- endmacro %}

{% macro duckdb__json_array_elements(relation_name, column, alias) -%}
    unnest(cast({{ relation_name }}.{{ column }} as json[]))
        with ordinality as {{ alias }} (element, position)
{%- endmacro %}

{% macro spark__json_array_elements(relation_name, column, alias) -%}
    {#- A lateral subquery over posexplode (positions from 0, hence + 1); each
        element of an array of objects comes back as its JSON text. -#}
    lateral (
        select
            exploded.pos + 1 as position,
            exploded.col as element
        from posexplode(
            from_json({{ relation_name }}.{{ column }}, 'array<string>')
        ) as exploded
    ) as {{ alias }}
{%- endmacro %}
