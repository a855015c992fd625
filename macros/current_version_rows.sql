{#
    Purpose: the body of a base_ view: the raw rows of a source table that belong to
    the current (newest loaded) version of each delivered file, every column as
    delivered. A restated file replaces its earlier version; a quarantined
    restatement does not, so the last good version stays in use.
#}
{% macro current_version_rows(source_name, table_name) -%}
with current_files as (
    select
        file_path,
        file_sha256
    from {{ ref('base_loader__current_files') }}
    where
        source = '{{ source_name }}'
        and table_name = '{{ table_name }}'
),

delivered_rows as (
    select *
    from {{ source(source_name, table_name) }}
),

current_rows as (
    select delivered_rows.*
    from delivered_rows
    inner join current_files
        on
            delivered_rows._source_file = current_files.file_path
            and delivered_rows._file_sha256 = current_files.file_sha256
)

select * from current_rows
{%- endmacro %}
