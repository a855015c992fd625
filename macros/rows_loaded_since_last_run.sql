{#
    Purpose: incremental staging of tables whose records have a primary key and come
    again in later deliveries (SIS batches, roster snapshots, Graph users). Staging
    keeps, per key, the version loaded last; a model uses three pieces:

      rows_loaded_since_last_run(base)  filter: rows loaded after the newest row the
                                        model holds (a constant, so DuckDB prunes
                                        the scan; a quiet day reads nothing)
      rebuild_if_restated(base)         pre-hook: when a delivered file was restated
                                        (same path, new content), empty the model;
                                        the filter then selects every current row
      restated_since_last_run(base)     whether that happened

    With delete+insert on the key, a run replaces the records its new rows carry.
    The result equals a full refresh (every current row, the last loaded version of
    each key): a later batch wins, a restatement can remove records.

    A model whose key is a delivered column kept as it is may pass `key`: (its name
    in base, its name in the model). A restatement then costs what it touches rather
    than the whole table (on DuckDB; elsewhere the model is emptied as above): the
    pre-hook forgets only the keys the model holds from file versions that are no
    longer current (noting them in a temporary table of the session), and the filter
    adds the current rows of those keys, among which the last loaded version wins
    again. A key no current version delivers any more is simply gone.
#}
{% macro rows_loaded_since_last_run(relation, key=none) -%}
    {%- if is_incremental() and execute -%}
        {%- set restated = restated_since_last_run(relation) -%}
        {%- if not restated or forgets_restated_keys(key) -%}
            {%- set watermark = run_query(
                "select cast(max(_loaded_at) as " ~ dbt.type_string() ~ ") from "
                ~ this
            ).columns[0].values()[0] -%}
            {%- if watermark is not none %}
            where
                _loaded_at > cast('{{ watermark }}' as timestamp)
                {%- if restated %}
                or {{ key[0] }} in (
                    select forgotten_key from {{ forgotten_keys_table() }}
                )
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro rebuild_if_restated(relation, key=none) -%}
    {%- if is_incremental() and execute and restated_since_last_run(relation) -%}
        {%- if forgets_restated_keys(key) -%}
            create or replace temporary table {{ forgotten_keys_table() }} as
            select distinct held.{{ key[1] }} as forgotten_key
            from {{ this }} as held
            where not exists (
                select 1
                from (
                    select distinct _source_file, _file_sha256 from {{ relation }}
                ) as current_versions
                where
                    current_versions._source_file = held._source_file
                    and current_versions._file_sha256 = held._file_sha256
            );

            delete from {{ this }}
            where {{ key[1] }} in (
                select forgotten_key from {{ forgotten_keys_table() }}
            )
        {%- else -%}
            truncate table {{ this }}
        {%- endif -%}
    {%- else -%}
        select 1 as nothing_restated
    {%- endif -%}
{%- endmacro %}

{% macro forgotten_keys_table() -%}
    {#- The keys the pre-hook forgot, for the model's own statements that follow
    (a temporary table: the dbt connection's, this model's run). -#}
    {{ this.identifier }}__forgotten_keys
{%- endmacro %}

{% macro forgets_restated_keys(key) -%}
    {#- Spark's Parquet tables have no DELETE: there a restatement rebuilds. -#}
    {{ return(key is not none and target.type == 'duckdb') }}
{%- endmacro %}

{% macro restated_since_last_run(relation) -%}
    {#- A file version this model holds rows of is no longer the current one. -#}
    {%- set query -%}
        with built as (
            select distinct _source_file, _file_sha256 from {{ this }}
        ),

        current_versions as (
            select distinct _source_file, _file_sha256 from {{ relation }}
        )

        select count(*)
        from built
        left join current_versions
            on
                built._source_file = current_versions._source_file
                and built._file_sha256 = current_versions._file_sha256
        where current_versions._source_file is null
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}
