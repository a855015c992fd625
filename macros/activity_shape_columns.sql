{#
    Purpose: the columns of the activity shape every int_*_activity mapping
    produces, in the one order digital_activity_signals unions them in (a union
    matches columns by position, so every branch selects this list). `shows_use`
    is the source's own "digitally active" rule (design.md), decided in its
    int_*_activity model so the marts need no per-source case; `activity_date` the
    day that use counts on (the event's date, except Graph's reports: their
    lastActivityDate, not the refresh date OEA's event_time keeps).
#}
{% macro activity_shape_columns() -%}
    {%- set columns = [
        'event_id', 'event_type', 'event_actor', 'actor_key_type', 'actor_key',
        'event_object', 'event_time', 'activity_date', 'entity_type',
        'software_application_version',
        'time_on_task_sec', 'num_access', 'is_used', 'shows_use', 'report_period_days',
        'year', 'month', 'actor_role', 'source_school_name', 'exclusion_reason',
        '_source_file', '_source_row', '_source_record', '_record_signal',
        '_file_sha256',
    ] -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}
