{#
    Purpose: the number of elements of a JSON array held as text (NULL for NULL).
#}
{% macro json_array_length(column) -%}
    {{ return(adapter.dispatch('json_array_length')(column)) }}
{%- endmacro %}

{% macro default__json_array_length(column) -%}
    size(from_json({{ column }}, 'array<string>'))
{%- endmacro %}

{% macro duckdb__json_array_length(column) -%}
    json_array_length({{ column }})
{%- endmacro %}

{% macro spark__json_array_length(column) -%}
    {#- size() of NULL is -1 with ANSI mode off: NULL stays NULL here. -#}
    case
        when {{ column }} is not null
            then size(from_json({{ column }}, 'array<string>'))
    end
{%- endmacro %}
