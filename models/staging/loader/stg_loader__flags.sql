{#
    Loaded lines that deserve a look: file, line and the rule (loader.flags).
#}

with flags as (
    select
        file_id,
        file_path,
        line,
        rule
    from {{ source('loader', 'flags') }}
)

select * from flags
