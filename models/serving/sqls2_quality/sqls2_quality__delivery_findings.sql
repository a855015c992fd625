{{ config(alias='delivery_findings') }}

{#
    `sqls2_quality.delivery_findings`: every problem of every delivery, per file
    version and rule, with the count and the first lines. No delivered value.
#}

with findings as (
    select
        source,
        table_name,
        file_path,
        version_number,
        delivery_status,
        finding_kind,
        rule,
        rows_affected,
        first_lines
    from {{ ref('delivery_findings') }}
),

final as (
    select
        source,
        table_name,
        file_path,
        version_number,
        delivery_status,
        finding_kind,
        rule,
        rows_affected,
        first_lines
    from findings
)

select * from final
