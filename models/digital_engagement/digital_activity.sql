{{ config(materialized='view') }}

{#
    Every digital activity signal of every source in OEA's Digital Engagement Schema,
    with event_actor the pseudonym of the SIS id wherever it can be known.

    A view over digital_activity_signals (incremental, by delivered file) that
    resolves Insights and Graph actors through the identity map at read time: when
    a later roster maps an actor that was unknown when their activity loaded, that
    activity gets its student without reloading anything, and a full refresh gives
    exactly the same rows. Activity that maps to no one keeps a NULL event_actor
    and is counted in digital_activity_identity_match_rates.
#}

with signals as (
    select
        event_id,
        event_type,
        event_actor,
        actor_key_type,
        actor_key,
        event_object,
        event_time,
        entity_type,
        software_application_version,
        time_on_task_sec,
        num_access,
        is_used,
        report_period_days,
        year,
        month,
        actor_role,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256
    from {{ ref('digital_activity_signals') }}
    where exclusion_reason is null
),

actor_keys as (
    select
        actor_key_type,
        actor_key,
        sis_id_pseudonym
    from {{ ref('int_identity__actor_keys') }}
),

final as (
    select
        signals.event_id,
        signals.event_type,
        signals.event_object,
        signals.event_time as "event_eventTime",
        signals.entity_type,
        signals.software_application_version as "softwareApplication_version",
        signals.time_on_task_sec as "generated_aggregateMeasure_metric_timeOnTaskSec",
        signals.num_access as "generated_aggregateMeasure_metric_numAccess",
        signals.is_used as "generated_aggregateMeasure_metric_used",
        signals.report_period_days
            as "generated_aggregateMeasure_metric_activityReportPeriod",
        signals.year,
        signals.month,
        signals.actor_role,
        signals._source_file,
        signals._source_row,
        signals._source_record,
        signals._file_sha256,
        coalesce(signals.event_actor, actor_keys.sis_id_pseudonym) as event_actor
    from signals
    left join actor_keys
        on
            signals.actor_key_type = actor_keys.actor_key_type
            and signals.actor_key = actor_keys.actor_key
)

select * from final
