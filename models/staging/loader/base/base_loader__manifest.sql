{#
    The loader's manifest as it keeps it: one row per (file path, content) the
    loader decided on. A view in restricted.duckdb; stg_loader__files takes it into
    the warehouse without anything delivered in it.
#}

with manifest as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_size,
        file_mtime,
        file_sha256,
        status,
        reason,
        duplicate_of,
        rows_in,
        rows_loaded,
        rows_rejected,
        rows_flagged,
        rows_padded,
        columns_from,
        encoding,
        is_finding,
        recorded_at
    from {{ source('loader', 'manifest') }}
)

select * from manifest
