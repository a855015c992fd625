{#
    Purpose: dbt-spark's create_schema, with the restricted schemas (the raw
    tables' raw_*, loader, and the restricted_* schemas of the base views and
    lookups) placed in the restricted folder, HE_SPARK_RESTRICTED_DIR: a table
    created there keeps its files there, apart from the warehouse's.
#}
{% macro spark__create_schema(relation) -%}
    {%- set location = spark_restricted_location(relation.schema) -%}
    {%- call statement('create_schema') -%}
        create schema if not exists {{ relation.schema }}
        {%- if location %} location '{{ location }}'{% endif %}
    {%- endcall -%}
{%- endmacro %}

{% macro spark_restricted_location(schema) -%}
    {#- The folder of a restricted schema, or none for the warehouse's. -#}
    {%- set root = env_var('HE_SPARK_RESTRICTED_DIR', '') -%}
    {%- set restricted = schema.startswith('raw_') or schema.startswith('restricted_')
        or schema == 'loader' -%}
    {%- if root and restricted -%}
        {{ return(root.rstrip('/') ~ '/' ~ schema ~ '.db') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
