{{ config(alias='source_status') }}

{#
    `sqls2_quality.source_status`: one row per source that has delivered: its
    newest delivery, its rows in use, how much reaches digital_activity and the
    students, and why it looks silent (NULL when it does not).
#}

with sources as (
    select
        source,
        files_in_use,
        rows_in_use,
        last_delivered_at,
        freshness_days,
        as_of,
        activity_rows,
        student_activity_rows,
        finding
    from {{ ref('source_status') }}
),

final as (
    select
        source,
        files_in_use,
        rows_in_use,
        last_delivered_at,
        freshness_days,
        as_of,
        activity_rows,
        student_activity_rows,
        finding
    from sources
)

select * from final
