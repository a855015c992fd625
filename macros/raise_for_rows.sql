{#
    Purpose: a value that stops the query with `message` (text SQL; may use the
    row's columns) for each row it is evaluated on. Singular tests use it to fail
    with a message that says what to do, not just a count of failing rows.
#}
{% macro raise_for_rows(message) -%}
    {{ return(adapter.dispatch('raise_for_rows')(message)) }}
{%- endmacro %}

{% macro default__raise_for_rows(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_for_rows(message) -%}
    error({{ message }})
{%- endmacro %}
