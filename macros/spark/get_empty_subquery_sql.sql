{#
    Purpose: dbt's "columns of this query" probe (contracts, unit tests) runs the
    query straight from Python, not through `statement`: on Spark it too must pass
    through dialect_sql.
#}
{% macro spark__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {{ return(dialect_sql(default__get_empty_subquery_sql(select_sql, select_sql_header))) }}
{%- endmacro %}
