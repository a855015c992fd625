{#
    Purpose: make the raw tables the loaders exported as Parquet (see
    loaders/spark.py: one folder per table, HE_SPARK_RESTRICTED_DIR/raw/<schema>/
    <table>) the dbt sources on Spark, under the same schema and table names as
    in restricted.duckdb. `hybrid-engagement build --target spark` runs it before
    every build (`dbt run-operation declare_raw_tables --target spark` by hand):
    each table is declared again, so a new export (or a new column) is what the
    build reads. The tables are external: dropping one never deletes the files.
#}
{% macro declare_raw_tables() -%}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error("declare_raw_tables is for the spark target") }}
    {%- endif -%}
    {%- set root = env_var('HE_SPARK_RESTRICTED_DIR', '') -%}
    {%- if not root -%}
        {{ exceptions.raise_compiler_error(
            "HE_SPARK_RESTRICTED_DIR is not set: the folder holding raw/<schema>/<table>"
        ) }}
    {%- endif -%}
    {%- set declared = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set relation = api.Relation.create(
            schema=node.schema, identifier=node.identifier
        ) -%}
        {%- if node.schema not in declared -%}
            {%- do spark__create_schema(relation) -%}
            {%- do declared.append(node.schema) -%}
        {%- endif -%}
        {%- call statement('drop_raw_table') -%}
            drop table if exists {{ relation }}
        {%- endcall -%}
        {%- call statement('declare_raw_table') -%}
            create table {{ relation }} using parquet
            location '{{ root.rstrip('/') }}/raw/{{ node.schema }}/{{ node.identifier }}'
        {%- endcall -%}
    {%- endfor -%}
    {{ log("declared " ~ graph.sources | length ~ " raw tables from " ~ root, info=true) }}
{%- endmacro %}
