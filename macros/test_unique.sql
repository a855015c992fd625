{#
    Purpose: dbt's built-in `unique` test, with the query of macros/duplicate_keys.sql
    (dbt looks up `default__test_unique` in the project before its own). Same
    result as dbt's: one row per non-null value held more than once.
#}
{% macro default__test_unique(model, column_name) -%}
    {{ duplicate_keys(model, [column_name], where=column_name ~ ' is not null') }}
{%- endmacro %}
