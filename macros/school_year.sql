{#
    Purpose: the school year a date belongs to, named by the calendar year in which
    it ends (2025 = the year from July 2024 to June 2025, the Contoso SIS's and
    Ed-Fi's convention). The year starts in the month of the
    `school_year_start_month` dbt var (default 7, July); with 1 a school year is a
    calendar year.
#}
{% macro school_year(date_column) -%}
    {%- set start_month = var('school_year_start_month') | int -%}
    {%- if start_month < 1 or start_month > 12 -%}
        {{ exceptions.raise_compiler_error(
            'school_year_start_month must be a month number (1 to 12), got '
            ~ start_month) }}
    {%- endif -%}
    {%- if start_month == 1 -%}
        cast(extract(year from {{ date_column }}) as integer)
    {%- else -%}
        cast(
            extract(year from {{ date_column }})
            + case
                when extract(month from {{ date_column }}) >= {{ start_month }}
                    then 1
                else 0
            end
            as integer
        )
    {%- endif -%}
{%- endmacro %}
