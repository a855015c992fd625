{#
    Nothing lost between the raw tables and digital_activity: one row per
    event_object (every report mapped, delivered or not) with the records of the
    current delivered files (raw, in restricted.duckdb), the records that became
    activity rows, and the records excluded with a reason. Tested: raw records =
    activity records + excluded records. (Rows the loader rejected never reached
    raw; loader.manifest reconciles those per file: rows in = loaded + rejected.)
#}

with event_objects as (
    select event_object
    from {{ ref('digital_activity_event_objects') }}
),

raw_records as (
    select
        'Clever_Daily_Participation' as event_object,
        count(*) as raw_records
    from {{ ref('base_clever__daily_participation') }}
    union all
    select
        'Clever_Resource_Usage' as event_object,
        count(*) as raw_records
    from {{ ref('base_clever__resource_usage') }}
    union all
    select
        'MS_Insights' as event_object,
        count(*) as raw_records
    from {{ ref('base_insights__activity') }}
    union all
    select
        'MS_GraphAPI_M365' as event_object,
        count(*) as raw_records
    from {{ ref('base_graph__m365_app_user_detail') }}
    union all
    select
        'MS_GraphAPI_Teams' as event_object,
        count(*) as raw_records
    from {{ ref('base_graph__teams_activity_user_detail') }}
    union all
    select
        case _subject
            when 'ela'
                then 'iReady_Comprehensive_Student_Lesson_Activity_with_Standards_ELA'
            when 'math'
                then 'iReady_Comprehensive_Student_Lesson_Activity_with_Standards_Math'
        end as event_object,
        count(*) as raw_records
    from {{ ref('base_iready__comprehensive_student_lesson_activity') }}
    group by _subject
),

signals as (
    select
        event_object,
        exclusion_reason,
        _record_signal
    from {{ ref('digital_activity_signals') }}
),

signal_counts as (
    select
        event_object,
        count(
            case when exclusion_reason is null and _record_signal = 1 then 1 end
        ) as activity_records,
        count(case when exclusion_reason is null then 1 end) as activity_rows,
        count(case when exclusion_reason is not null then 1 end) as excluded_records
    from signals
    group by event_object
),

reconciled as (
    select
        event_objects.event_object,
        coalesce(raw_records.raw_records, 0) as raw_records,
        coalesce(signal_counts.activity_records, 0) as activity_records,
        coalesce(signal_counts.excluded_records, 0) as excluded_records,
        coalesce(signal_counts.activity_rows, 0) as activity_rows
    from event_objects
    left join raw_records
        on event_objects.event_object = raw_records.event_object
    left join signal_counts
        on event_objects.event_object = signal_counts.event_object
)

select * from reconciled
