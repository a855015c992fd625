{{ config(alias='digital_activity') }}

{#
    `sqls2_digital_activity.digital_activity`: the Digital Engagement Schema with
    exactly OEA's columns, typed.
#}

with activity as (
    select
        event_id,
        event_type,
        event_actor,
        event_object,
        "event_eventTime",
        entity_type,
        "softwareApplication_version",
        "generated_aggregateMeasure_metric_timeOnTaskSec",
        "generated_aggregateMeasure_metric_numAccess",
        "generated_aggregateMeasure_metric_used",
        "generated_aggregateMeasure_metric_activityReportPeriod",
        year,
        month
    from {{ ref('digital_activity') }}
)

select * from activity
