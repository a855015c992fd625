{#
    Loaded lines that deserve a look: file, line and the rule (loader.flags).
#}

with flags as (
    select
        file_id,
        file_path,
        line,
        line_occurrence,
        rule
    from {{ ref('base_loader__flags') }}
)

select * from flags
