{#
    Rejected lines without their text or values: file, line and the rule the line
    broke. (loader.rejects, in restricted.duckdb, keeps the text and the reason
    quoting the value.)
#}

with rejects as (
    select
        file_id,
        file_path,
        line,
        rule
    from {{ source('loader', 'rejects') }}
),

cleaned as (
    select
        file_id,
        file_path,
        line,
        coalesce(rule, 'rejected (recorded before rules were kept)') as rule
    from rejects
)

select * from cleaned
