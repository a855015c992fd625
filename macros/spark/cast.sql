{#
    Purpose: dbt's cross-database `cast` on Spark, reading the DuckDB type names the
    contracts in the models' YAML are written in (dbt casts NULL to each
    contracted type to compare a view's columns with its contract): `varchar`
    (Spark wants a length) and `text` are Spark's `string`; other names are the
    same on both engines.
#}
{% macro spark__cast(field, type) -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string'} -%}
    cast({{ field }} as {{ spark_types.get(type | trim | lower, type) }})
{%- endmacro %}
