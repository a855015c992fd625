{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
    )
}}

{#
    Every digital activity signal of every source in OEA's Digital Engagement Schema.
    Incremental by delivered file (see new_file_versions_only).
#}

with clever_daily_participation as (
    select *
    from {{ ref('int_clever__daily_participation_activity') }}
    {{ new_file_versions_only(ref('int_clever__daily_participation_activity')) }}
),

clever_resource_usage as (
    select *
    from {{ ref('int_clever__resource_usage_activity') }}
    {{ new_file_versions_only(ref('int_clever__resource_usage_activity')) }}
),

unioned as (
    select * from clever_daily_participation
    union all
    select * from clever_resource_usage
),

final as (
    select
        event_id,
        event_type,
        event_actor,
        event_object,
        event_time as "event_eventTime",
        entity_type,
        software_application_version as "softwareApplication_version",
        time_on_task_sec as "generated_aggregateMeasure_metric_timeOnTaskSec",
        num_access as "generated_aggregateMeasure_metric_numAccess",
        is_used as "generated_aggregateMeasure_metric_used",
        report_period_days as "generated_aggregateMeasure_metric_activityReportPeriod",
        year,
        month,
        actor_role,
        _source_file,
        _source_row,
        _file_sha256
    from unioned
)

select * from final
