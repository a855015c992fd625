{{ config(alias='delivered_files') }}

{#
    `sqls2_quality.delivered_files`: every delivered file version and where its
    records are (in use, rejected, superseded). No delivered value.
#}

with delivered_files as (
    select
        source,
        table_name,
        file_path,
        version_number,
        delivery_status,
        reason,
        rows_in,
        rows_in_use,
        rows_rejected,
        rows_superseded,
        rows_flagged,
        is_finding,
        recorded_at
    from {{ ref('delivered_files') }}
),

final as (
    select
        source,
        table_name,
        file_path,
        version_number,
        delivery_status,
        reason,
        rows_in,
        rows_in_use,
        rows_rejected,
        rows_superseded,
        rows_flagged,
        is_finding,
        recorded_at
    from delivered_files
)

select * from final
