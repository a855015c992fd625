{#
    Purpose: the select items of a restricted lookup (models/pii), from the same
    column rules staging applies (see pseudonymized_columns): a `hash` column gives
    its raw value and its pseudonym (<column>_pseudonym), a `mask` column its raw
    value (names, emails), a `no-op` column its value. `hash-no-lookup` columns are
    by definition not looked up: naming one fails the build.
#}
{% macro lookup_columns(source_name, table_name, columns, prefix='') -%}
    {%- set items = [] -%}
    {%- for column in columns -%}
        {%- set op = pseudonymization_rule(source_name, table_name, column) -%}
        {%- set quoted = prefix ~ adapter.quote(column) -%}
        {%- set name = snake_case(column) -%}
        {%- if op == 'hash' -%}
            {%- do items.append(quoted ~ ' as ' ~ name) -%}
            {%- do items.append(pseudonymize(quoted) ~ ' as ' ~ name ~ '_pseudonym') -%}
        {%- elif op in ('mask', 'no-op') -%}
            {%- do items.append(quoted ~ ' as ' ~ name) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "lookup_columns: " ~ source_name ~ "." ~ table_name ~ "." ~ column
                ~ " is " ~ op ~ ": it has no lookup"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}
