{#
    Purpose: marts with one slice per date (fct_*: one row per student per date, ...)
    rebuilt only on the dates whose inputs changed, with the same rows a full
    refresh gives. A day's delivery then costs what its dates cost, not the year.

    A model's config is `config(**date_partitioned(column, by_date, whole,
    by_range, columns))`:
        column:   the model's date column
        by_date:  {input model: its date column}, inputs whose rows of a date
                  make only the model's rows of that date
        whole:    [input model, ...], inputs any row of which may change any
                  date (dimensions, identity maps)
        by_range: {input model: [its first date, its last date]} (optional),
                  inputs whose row makes the model's rows of the dates it spans
                  (enrollments)
        columns:  {input model: the columns the model reads} (optional; without
                  it, every column without a leading underscore): what the
                  fingerprints hash, so a change to a column the model does not
                  read changes no date. A by_range input's first and last date
                  are hashed only when listed (the model reads their values, not
                  only which dates they span): a range that grows by a day then
                  changes that day alone, not every day it spans
    It is incremental on DuckDB (a table elsewhere), strategy `append`. Its
    pre-hook (forget_changed_dates) fingerprints the inputs per date (row count
    and sum of row hashes over the columns the model reads, so a
    restated file that re-sends the same rows changes no date), compares them with
    the last build's and deletes the model's rows of every changed date: every
    date when a whole input or the model's compiled SQL (its logic, the vars it
    reads) changed, or no fingerprints were kept. The body writes those dates again, and only they, with
    `in_changed_dates(column)` in the filter of each by_date input (`true` in a
    full build). The post-hook (remember_input_fingerprints) keeps this build's
    fingerprints in `<model>__input_fingerprints`; `<model>__rebuilt_dates` lists
    the dates the last build wrote (one NULL row: every date). The hooks run
    inside the model's transaction: a failed build forgets nothing and keeps the
    earlier fingerprints.
#}
{% macro date_partitioned(column, by_date, whole, by_range={}, columns={}) -%}
    {{ return({
        'materialized': 'incremental' if target.type == 'duckdb' else 'table',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': '{{ forget_changed_dates() }}',
        'post_hook': '{{ remember_input_fingerprints() }}',
        'meta': {'date_partitions': {
            'column': column,
            'by_date': by_date,
            'by_range': by_range,
            'whole': whole,
            'columns': columns,
        }},
    }) }}
{%- endmacro %}

{% macro in_changed_dates(column) -%}
    {#- The same text in a full build (its pre-hook lists every date) and an
        incremental one, so that the model's compiled SQL, which its fingerprint
        includes, changes only when its logic or a var it reads changes. -#}
    {%- if target.type == 'duckdb' and this is not none and this.identifier -%}
        (
            {{ column }} in (
                select changed.partition_date
                from {{ changed_dates_relation() }} as changed
            )
            or exists (
                select 1 from {{ changed_dates_relation() }} as changed
                where changed.partition_date is null
            )
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro forget_changed_dates() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1 as no_date_partitions
    {%- else -%}
        {%- set spec = model.config.meta.date_partitions -%}
        create or replace table {{ fingerprints_relation('next') }} as
        {{ input_fingerprints_sql(spec) }};
        {%- if not is_incremental() %}
        create or replace table {{ changed_dates_relation() }} as
        select cast(null as date) as partition_date;
        {%- else %}
        create or replace table {{ changed_dates_relation() }} as
        {{ changed_dates_sql() }};
        delete from {{ this }}
        where
            {{ spec.column }} in (
                select changed.partition_date from {{ changed_dates_relation() }} as changed
            )
            or exists (
                select 1 from {{ changed_dates_relation() }} as changed
                where changed.partition_date is null
            );
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{% macro remember_input_fingerprints() -%}
    {%- if target.type != 'duckdb' or not execute -%}
        select 1 as no_date_partitions
    {%- else -%}
        create or replace table {{ fingerprints_relation() }} as
        select * from {{ fingerprints_relation('next') }};
        drop table {{ fingerprints_relation('next') }};
    {%- endif -%}
{%- endmacro %}

{#
    Per input and date: rows and the sum of row hashes. A by_date input's rows
    without a date are left out (each model reads only rows with one); a
    by_range input is counted on every date of the by_date inputs its range
    covers; a whole input has a NULL date.
#}
{% macro input_fingerprints_sql(spec) -%}
    with by_date as (
        select
            'model sql' as input_name,
            cast(null as date) as partition_date,
            0 as row_count,
            cast(
                hash('{{ local_md5(model.compiled_code or model.raw_code) }}')
                as hugeint
            ) as row_hash_sum
        {%- for name, date_column in spec.by_date.items() %}
        union all
        select
            '{{ name }}' as input_name,
            cast(input_row.{{ date_column }} as date) as partition_date,
            count(*) as row_count,
            sum(hash(input_row)) as row_hash_sum
        from (
            select {{ fingerprinted_columns(spec, name, [date_column]) }}
            from {{ ref(name) }}
        ) as input_row
        where input_row.{{ date_column }} is not null
        group by cast(input_row.{{ date_column }} as date)
        {%- endfor %}
        {%- for name in spec.whole %}
        union all
        select
            '{{ name }}' as input_name,
            cast(null as date) as partition_date,
            count(*) as row_count,
            coalesce(sum(hash(input_row)), 0) as row_hash_sum
        from (
            select {{ fingerprinted_columns(spec, name) }}
            from {{ ref(name) }}
        ) as input_row
        {%- endfor %}
    )

    select * from by_date
    {%- for name, range in (spec.by_range or {}).items() %}
    union all
    select
        '{{ name }}' as input_name,
        dates.partition_date,
        count(*) as row_count,
        sum(ranges.row_hash) as row_hash_sum
    from (
        select distinct partition_date from by_date where partition_date is not null
    ) as dates
    inner join (
        select
            hash({{ range_fingerprinted_columns(spec, name) }}) as row_hash,
            cast({{ range[0] }} as date) as range_start,
            cast({{ range[1] }} as date) as range_end
        from {{ ref(name) }}
    ) as ranges
        on
            dates.partition_date >= ranges.range_start
            and dates.partition_date <= ranges.range_end
    group by dates.partition_date
    {%- endfor %}
{%- endmacro %}

{#
    What an input's row hash covers: the columns the model reads as the spec's
    `columns` lists them (with the date columns), else every column without a
    leading underscore.
#}
{% macro range_fingerprinted_columns(spec, name) -%}
    {%- set listed = (spec.columns or {}).get(name) -%}
    {%- if listed is none -%}
        *columns('^[^_]')
    {%- else -%}
        {{ listed | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{% macro fingerprinted_columns(spec, name, dates=[]) -%}
    {%- set listed = (spec.columns or {}).get(name) -%}
    {%- if listed is none -%}
        columns('^[^_]')
    {%- else -%}
        {{ (dates | reject('in', listed) | list + listed) | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{#
    The dates whose fingerprint differs from the last build's, in either
    direction (a date gone from every input is changed too); NULL among them
    means every date.
#}
{% macro changed_dates_sql() -%}
    {%- set kept = adapter.get_relation(
        database=this.database,
        schema=this.schema,
        identifier=fingerprints_relation().identifier,
    ) -%}
    {%- if kept is none -%}
        select cast(null as date) as partition_date
    {%- else -%}
        select distinct coalesce(current_build.partition_date, last_build.partition_date)
            as partition_date
        from {{ fingerprints_relation('next') }} as current_build
        full outer join {{ kept }} as last_build
            on
                current_build.input_name = last_build.input_name
                and current_build.partition_date is not distinct from last_build.partition_date
        where
            current_build.row_count is distinct from last_build.row_count
            or current_build.row_hash_sum is distinct from last_build.row_hash_sum
    {%- endif -%}
{%- endmacro %}

{% macro fingerprints_relation(suffix='') -%}
    {{ return(this.incorporate(path={
        'identifier': this.identifier ~ '__input_fingerprints'
            ~ ('_' ~ suffix if suffix else '')
    })) }}
{%- endmacro %}

{% macro changed_dates_relation() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__rebuilt_dates'})) }}
{%- endmacro %}
