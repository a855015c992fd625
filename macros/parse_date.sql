{#
    Purpose: parse delivered date text into a date, failing loudly on text that does
    not match. `format` is a strftime format (e.g. '%m/%d/%Y') or a list of them,
    tried in order (e.g. ['%Y-%m-%d', '%m/%d/%Y'] for a SIS whose batches changed
    style). The loaders already rejected rows whose dates do not parse, so a failure
    here means a format changed.
#}
{% macro parse_date(column, format) -%}
    {{ return(adapter.dispatch('parse_date')(column, format)) }}
{%- endmacro %}

{% macro default__parse_date(column, format) -%}
    {%- set formats = [format] if format is string else format -%}
    {%- if formats | length == 1 -%}
        to_date({{ column }}, '{{ formats[0] }}')
    {%- else -%}
        coalesce(
            {%- for f in formats %}
            to_date({{ column }}, '{{ f }}'){{ "," if not loop.last }}
            {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__parse_date(column, format) -%}
    {%- set formats = [format] if format is string else format -%}
    {%- if formats | length == 1 -%}
        cast(strptime({{ column }}, '{{ formats[0] }}') as date)
    {%- else -%}
        cast(strptime({{ column }}, ['{{ formats | join("', '") }}']) as date)
    {%- endif -%}
{%- endmacro %}

{% macro spark__parse_date(column, format) -%}
    {#- to_date gives NULL for text that does not match: fail loudly instead. -#}
    {%- set formats = [format] if format is string else format -%}
    coalesce(
        {%- for f in formats %}
        to_date({{ column }}, '{{ java_datetime_pattern(f) }}'),
        {%- endfor %}
        case when {{ column }} is not null then raise_error(
            'parse_date: a value does not match {{ formats | join(" or ") }}'
        ) end
    )
{%- endmacro %}
