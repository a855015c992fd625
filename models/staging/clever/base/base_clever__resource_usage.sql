{#
    Raw resource usage rows of the current version of each delivered file.
    A view beside the raw table in restricted.duckdb: it still holds raw ids.
#}

with current_files as (
    select
        file_path,
        file_sha256
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
    select resource_usage.*
    from resource_usage
    inner join current_files
        on
            resource_usage._source_file = current_files.file_path
            and resource_usage._file_sha256 = current_files.file_sha256
)

select * from current_resource_usage
