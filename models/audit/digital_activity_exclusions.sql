{{ config(materialized='view') }}

{#
    Delivered activity records that yield no digital_activity row, each with the
    reason: one row per such record (an M365 record without app details, an
    i-Ready lesson without a completion date).
#}

with signals as (
    select
        event_object,
        exclusion_reason,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256
    from {{ ref('digital_activity_signals') }}
    where exclusion_reason is not null
)

select * from signals
