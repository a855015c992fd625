{#
    Purpose: the `delete+insert` incremental strategy on Spark, for tables in any
    file format (Parquet here: no Delta or Iceberg needed). The project's
    incremental models replace every row of a delivered file (`unique_key:
    _source_file`) or of a record key when a newer version arrives; dbt-spark
    knows only append, insert_overwrite, merge (Delta, Iceberg, Hudi) and
    microbatch. These two overrides of dbt-spark's (not dispatched, so redefined
    here, as dbt documents) accept `delete+insert` and hand every other strategy
    to dbt-spark's own.

    How: the rows of the table whose key the new rows do not carry, plus the new
    rows, are written to `<table>__dbt_swap` (Spark cannot overwrite a table it is
    reading); then the table is dropped and the swap renamed into its place. Each
    run rewrites the table once: the cost of a full refresh of the staged rows,
    without recomputing them.
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {% do return(raw_strategy) %}
    {%- endif -%}
    {% do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) %}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(
    strategy, source, target, existing, unique_key, incremental_predicates
) %}
    {%- if strategy != 'delete+insert' -%}
        {{ return(dbt.dbt_spark_get_incremental_sql(
            strategy, source, target, existing, unique_key, incremental_predicates
        )) }}
    {%- endif -%}
    {{ return(spark_delete_insert_sql(source, target, existing, unique_key)) }}
{% endmacro %}

{% macro spark_delete_insert_sql(source, target, existing, unique_key) %}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error(
            "delete+insert needs a unique_key (" ~ target ~ ")"
        ) }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set columns = adapter.get_columns_in_relation(target)
        | map(attribute='quoted') | join(', ') -%}
    {%- set swap = target.incorporate(path={'identifier': target.identifier ~ '__dbt_swap'}) -%}
    {%- call statement('drop_swap') -%}
        drop table if exists {{ swap }}
    {%- endcall -%}
    {%- call statement('write_swap') -%}
        create table {{ swap }}
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        as
        select {{ columns }}
        from {{ target }} as kept
        where not exists (
            select 1
            from {{ source }} as arriving
            where
                {%- for key in keys %}
                kept.{{ key }} = arriving.{{ key }}{{ ' and' if not loop.last }}
                {%- endfor %}
        )
        union all
        select {{ columns }}
        from {{ source }}
    {%- endcall -%}
    {%- do adapter.drop_relation(existing) -%}
    alter table {{ swap }} rename to {{ target }}
{% endmacro %}
