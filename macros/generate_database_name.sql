{#
    Purpose: the database a model is built in. On DuckDB, as configured: base views
    and lookups go to the attached restricted.duckdb (`+database: restricted` in
    dbt_project.yml), the rest to the warehouse. Spark has one catalog and no
    databases apart from schemas: there every model gets none, and the restricted
    schemas are kept apart by their folder (spark__create_schema).
#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {{ return(adapter.dispatch('generate_database_name')(custom_database_name, node)) }}
{%- endmacro %}

{% macro default__generate_database_name(custom_database_name=none, node=none) -%}
    {%- if custom_database_name is none -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name | trim }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__generate_database_name(custom_database_name=none, node=none) -%}
    {{ return(none) }}
{%- endmacro %}
