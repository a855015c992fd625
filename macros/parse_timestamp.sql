{#
    Purpose: parse delivered date-and-time text into a timestamp, failing loudly on
    text that does not parse. Without `format`: ISO-8601 text (2021-10-05
    06:52:20.0000000, 2021-08-15, 2021-08-15T10:00:00Z) or US dates (8/13/2021,
    optionally with a time). With `format`: that strftime format (or list of them),
    e.g. '%Y-%m-%dT%H-%M-%S' for an Insights snapshot folder. The loaders already
    rejected rows whose values do not parse.
#}
{% macro parse_timestamp(column, format=none) -%}
    {{ return(adapter.dispatch('parse_timestamp')(column, format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column, format=none) -%}
    {%- if format is not none -%}
        to_timestamp({{ column }}, '{{ format }}')
    {%- else -%}
        coalesce(
            try_cast({{ column }} as timestamp),
            to_timestamp({{ column }}, 'M/d/yyyy')
        )
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__parse_timestamp(column, format=none) -%}
    {%- if format is not none -%}
        {%- set formats = [format] if format is string else format -%}
        strptime({{ column }}, ['{{ formats | join("', '") }}'])
    {%- else -%}
        case
            when {{ column }} is not null
                then coalesce(
                    try_cast({{ column }} as timestamp),
                    strptime(
                        {{ column }},
                        ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p']
                    )
                )
        end
    {%- endif -%}
{%- endmacro %}
