{#
    Rejected lines without their text or values: file, line and the rule the line
    broke. (loader.rejects, in restricted.duckdb, keeps the text and the reason
    quoting the value; base_loader__rejects does not even select them.)
#}

with rejects as (
    select
        file_id,
        file_path,
        line,
        line_occurrence,
        rule
    from {{ ref('base_loader__rejects') }}
),

cleaned as (
    select
        file_id,
        file_path,
        line,
        line_occurrence,
        coalesce(rule, 'rejected (recorded before rules were kept)') as rule
    from rejects
)

select * from cleaned
