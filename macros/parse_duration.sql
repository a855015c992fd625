{#
    Purpose: durations as delivered, in whole seconds. `hms_seconds` reads hh:mm:ss
    (Insights' MeetingDuration; plain whole seconds pass through);
    `iso8601_duration_seconds` reads ISO-8601 durations such as PT1M10S (Graph's
    Teams durations; days, hours, minutes, seconds). NULL stays NULL.
#}
{% macro hms_seconds(column) -%}
    case
        when {{ column }} like '%:%'
            then
                cast(split_part({{ column }}, ':', 1) as integer) * 3600
                + cast(split_part({{ column }}, ':', 2) as integer) * 60
                + cast(split_part({{ column }}, ':', 3) as integer)
        else cast({{ column }} as integer)
    end
{%- endmacro %}

{% macro iso8601_duration_seconds(column) -%}
    {%- set parts = [('D', 86400), ('H', 3600), ('M', 60)] -%}
    case when {{ column }} is not null then cast(round(
        {%- for unit, seconds in parts %}
        coalesce(cast(nullif(regexp_extract(
            {{ column }}, '{{ "T.*?" if unit != "D" else "P" }}([0-9]+){{ unit }}', 1
        ), '') as double), 0) * {{ seconds }} +
        {%- endfor %}
        coalesce(cast(nullif(regexp_extract(
            {{ column }}, 'T.*?([0-9.]+)S', 1
        ), '') as double), 0)
    ) as integer) end
{%- endmacro %}
