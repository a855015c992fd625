{#
    The manifest in the warehouse, without anything delivered in it: one row per
    (file path, content) the loader decided on. A reason taken from DuckDB's
    reader ("unreadable as CSV: ...") is cut to its first words, as the reader's
    message may quote the file's text.
#}

with manifest as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_size,
        file_sha256,
        status,
        reason,
        duplicate_of,
        rows_in,
        rows_loaded,
        rows_rejected,
        rows_flagged,
        rows_padded,
        encoding,
        is_finding,
        recorded_at
    from {{ ref('base_loader__manifest') }}
),

cleaned as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_size,
        file_sha256,
        status,
        duplicate_of,
        rows_in,
        rows_loaded,
        rows_rejected,
        rows_padded,
        encoding,
        recorded_at,
        case
            when reason like 'unreadable as %'
                then split_part(reason, ':', 1)
            else reason
        end as reason,
        coalesce(rows_flagged, 0) as rows_flagged,
        coalesce(
            is_finding,
            status in ('quarantined', 'ignored')
            or coalesce(rows_rejected, 0) > 0
            or coalesce(rows_flagged, 0) > 0
        ) as is_finding
    from manifest
)

select * from cleaned
