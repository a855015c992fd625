{#
    The loader's flags: one row per loaded record that deserves a look, with its
    file, line and rule (no delivered value). A view in restricted.duckdb.
#}

with flags as (
    select
        file_id,
        file_path,
        line,
        rule
    from {{ source('loader', 'flags') }}
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
    from flags
)

select * from numbered
