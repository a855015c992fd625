{#
    The version of each delivered file that counts: the newest one that loaded.
    A restated report (same path, new content) replaces the earlier version; a
    quarantined restatement does not, so the last good version stays in use.
#}

with loaded_files as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_sha256,
        rows_loaded,
        recorded_at
    from {{ source('loader', 'manifest') }}
    where status = 'loaded'
),

ranked as (
    select
        *,
        row_number() over (
            partition by file_path
            order by file_id desc
        ) as version_rank
    from loaded_files
),

current_files as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_sha256,
        rows_loaded,
        recorded_at as loaded_at
    from ranked
    where version_rank = 1
)

select * from current_files
