{#
    Purpose: use each model's configured schema verbatim. The OEA schema names
    (sqls2_clever, sqls3_hybrid_engagement, ...) are a public contract and must not be
    prefixed with the target's schema; separate runs are isolated by DuckDB file path.
    On Spark, whose one catalog has no databases apart from schemas, a model DuckDB
    builds in restricted.duckdb (`+database: restricted`) goes to the schema
    restricted_<schema> (e.g. restricted_pii, restricted_sqls3_hybrid_engagement
    for Student_lookup), kept in the restricted folder (spark__create_schema), so
    no raw id shares a schema with what BI tools read.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(adapter.dispatch('generate_schema_name')(custom_schema_name, node)) }}
{%- endmacro %}

{% macro default__generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = default__generate_schema_name(custom_schema_name, node) | trim -%}
    {%- if node is not none and node.config.database == 'restricted' -%}
        restricted_{{ schema }}
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
