{#
    Purpose: use each model's configured schema verbatim. The OEA schema names
    (sqls2_clever, sqls3_hybrid_engagement, ...) are a public contract and must not be
    prefixed with the target's schema; separate runs are isolated by DuckDB file path.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
