{#
    Raw resource usage rows of the current version of each delivered file.
    A view beside the raw table in restricted.duckdb: it still holds raw ids.
#}

with current_files as (
    select file_sha256
    from {{ ref('base_loader__current_files') }}
    where
        source = 'clever'
        and table_name = 'resource_usage'
),

resource_usage as (
    select
        date,
        sis_id,
        staff_id,
        clever_user_id,
        clever_school_id,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        num_access,
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ source('clever', 'resource_usage') }}
),

current_resource_usage as (
    select *
    from resource_usage
    where _file_sha256 in (select current_files.file_sha256 from current_files)
)

select * from current_resource_usage
