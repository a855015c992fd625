{#
    Purpose: an aggregate: the `count` smallest distinct values of `column` in the
    group, ascending, as text joined with ', ' (e.g. a finding's first lines:
    "3, 7, 12"). DuckDB's list functions or Spark's arrays behind one name.
#}
{% macro first_distinct_values_text(column, count) -%}
    {{ return(adapter.dispatch('first_distinct_values_text')(column, count)) }}
{%- endmacro %}

{% macro default__first_distinct_values_text(column, count) -%}
    array_join(slice(array_sort(collect_set({{ column }})), 1, {{ count }}), ', ')
{%- endmacro %}

{% macro duckdb__first_distinct_values_text(column, count) -%}
    array_to_string(
        list_slice(list(distinct {{ column }} order by {{ column }}), 1, {{ count }}),
        ', '
    )
{%- endmacro %}
