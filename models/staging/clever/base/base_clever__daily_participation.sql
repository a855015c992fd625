{#
    Raw daily participation rows of the current version of each delivered file.
    A view beside the raw table in restricted.duckdb: it still holds raw ids.
#}

with current_files as (
    select
        file_path,
        file_sha256
    from {{ ref('base_loader__current_files') }}
    where
        source = 'clever'
        and table_name = 'daily_participation'
),

participation as (
    select
        date,
        sis_id,
        staff_id,
        clever_user_id,
        clever_school_id,
        school_name,
        active,
        num_logins,
        num_resources_accessed,
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ source('clever', 'daily_participation') }}
),

current_participation as (
    select participation.*
    from participation
    inner join current_files
        on
            participation._source_file = current_files.file_path
            and participation._file_sha256 = current_files.file_sha256
)

select * from current_participation
