{#
    The loader's rejected lines without their delivered values: one row per
    rejected line, with its file, line and rule. The reject's `reason` and `record`
    may quote the delivered text, so they are not selected here and no model can
    take them out of restricted.duckdb.
#}

with rejects as (
    select
        file_id,
        file_path,
        line,
        rule
    from {{ source('loader', 'rejects') }}
),

numbered as (
    select
        file_id,
        file_path,
        line,
        rule,
        -- a JSON page is one line holding many records: number them per line and
        -- rule, so file_id, line, rule and line_occurrence identify a row
        row_number() over (
            partition by file_id, line, rule
            order by file_id
        ) as line_occurrence
    from rejects
)

select * from numbered
