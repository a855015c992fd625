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

{% macro spark__parse_timestamp(column, format=none) -%}
    {#- ISO-8601 text casts; US dates (with an optional 24-hour or AM/PM time) are
        parsed; text that matches nothing fails loudly, as on DuckDB. -#}
    {%- if format is not none -%}
        {%- set formats = [format] if format is string else format -%}
    {%- else -%}
        {%- set formats = ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'] -%}
    {%- endif -%}
    coalesce(
        {%- if format is none %}
        cast({{ column }} as timestamp),
        {%- endif %}
        {%- for f in formats %}
        to_timestamp({{ column }}, '{{ java_datetime_pattern(f) }}'),
        {%- endfor %}
        case when {{ column }} is not null then raise_error(
            'parse_timestamp: a value does not parse as a timestamp'
        ) end
    )
{%- endmacro %}
