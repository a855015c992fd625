{#
    Purpose: the last step every statement takes before it reaches the engine (see
    `statement`). The models are written in DuckDB's SQL, where "double quotes"
    name a column (OEA's camelCase names, i-Ready's "Student ID"). Spark (with
    dbt-spark's ANSI mode off) reads "..." as a string literal, so a column would
    silently become its own name; spark__dialect_sql rewrites each double-quoted
    identifier outside string literals and comments as a `backquoted` one. Nothing
    else is rewritten: functions and types go through dispatched macros.
#}
{% macro dialect_sql(sql) -%}
    {{ return(adapter.dispatch('dialect_sql')(sql)) }}
{%- endmacro %}

{% macro default__dialect_sql(sql) -%}
    {{ return(sql) }}
{%- endmacro %}

{% macro spark__dialect_sql(sql) -%}
    {#- Tokens, in Spark's lexing: 'strings' (backslash escapes), `identifiers`,
        -- line comments, /* block comments */ and "double-quoted identifiers". -#}
    {%- set token = modules.re.compile(
        "('(?:[^'\\\\]|\\\\.)*'|`(?:[^`]|``)*`|--[^\\n]*|/\\*.*?\\*/|\"(?:[^\"]|\"\")*\")",
        modules.re.DOTALL
    ) -%}
    {%- if '"' not in sql -%}
        {{ return(sql) }}
    {%- endif -%}
    {%- set parts = token.split(sql) -%}
    {%- set rewritten = [] -%}
    {%- for part in parts -%}
        {%- if loop.index is even and part.startswith('"') -%}
            {%- set name = part[1:-1].replace('""', '"').replace('`', '``') -%}
            {%- do rewritten.append('`' ~ name ~ '`') -%}
        {%- else -%}
            {%- do rewritten.append(part) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rewritten | join('')) }}
{%- endmacro %}
