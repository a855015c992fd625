{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
    )
}}

{#
    Every activity signal of every source in the activity shape, before identity
    resolution, plus one row per source record that yields no signal (with its
    exclusion reason), so every delivered record is accounted for. Incremental by
    delivered file (see new_file_versions_only): a new delivery appends its rows, a
    restated file replaces its earlier version. digital_activity reads it.
#}

{%- set mappings = [
    'int_clever__daily_participation_activity',
    'int_clever__resource_usage_activity',
    'int_insights__activity',
    'int_graph__m365_app_activity',
    'int_graph__teams_activity',
    'int_iready__lesson_activity',
] %}

with
{%- for mapping in mappings %}
{{ mapping }} as (
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
        source_school_name,
        exclusion_reason,
        _source_file,
        _source_row,
        _source_record,
        _record_signal,
        _file_sha256
    from {{ ref(mapping) }}
    {{ new_file_versions_only(ref(mapping)) }}
),
{% endfor %}

unioned as (
    {%- for mapping in mappings %}
    select * from {{ mapping }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
