{#
    Purpose: OEA's column rules, applied in staging. Each delivered column of a source
    table carries its rule in the source's YAML (`config: meta: pseudonymization:`),
    taken from OEA's metadata files:

      hash, hash-no-lookup  the pseudonym (see `pseudonymize`), named <column>_pseudonym;
                            `hash` columns also get a lookup in restricted.duckdb
      mask                  '*' (the value never leaves restricted.duckdb)
      no-op                 the value as delivered

    Returns one select item per column, renamed to snake_case. A column without a
    rule fails the build: nothing reaches the warehouse by omission.
#}
{% macro pseudonymized_columns(source_name, table_name, columns, prefix='') -%}
    {%- set items = [] -%}
    {%- for column in columns -%}
        {%- set op = pseudonymization_rule(source_name, table_name, column) -%}
        {%- set quoted = prefix ~ adapter.quote(column) -%}
        {%- set name = snake_case(column) -%}
        {%- if op in ('hash', 'hash-no-lookup') -%}
            {%- do items.append(pseudonymize(quoted) ~ ' as ' ~ name ~ '_pseudonym') -%}
        {%- elif op == 'mask' -%}
            {%- do items.append("cast('*' as " ~ dbt.type_string() ~ ') as ' ~ name) -%}
        {%- elif op == 'no-op' -%}
            {%- do items.append(quoted ~ ' as ' ~ name) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "pseudonymization rule '" ~ op ~ "' of " ~ source_name ~ "." ~ table_name
                ~ "." ~ column ~ " is not one of hash, hash-no-lookup, mask, no-op"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ items | join(',\n        ') }}
{%- endmacro %}

{% macro pseudonymization_rule(source_name, table_name, column) -%}
    {#-
        The rule of one delivered column; 'no-op' while dbt only parses. dbt runs
        unit tests without the project graph: a unit test of a staging model gives
        the rules of the columns it checks as `overrides: vars:
        pseudonymization_rules: {column: op}`; other columns are no-op there.
    -#}
    {%- if not execute -%}
        {{ return('no-op') }}
    {%- endif -%}
    {%- if 'sources' not in graph -%}
        {{ return(var('pseudonymization_rules', {}).get(column, 'no-op')) }}
    {%- endif -%}
    {%- set node_id = 'source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name -%}
    {%- set node = graph.sources.get(node_id) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set described = node.columns.get(column) -%}
    {%- set op = (described.config.meta or {}).get('pseudonymization')
        if described is not none else none -%}
    {%- if op is none -%}
        {{ exceptions.raise_compiler_error(
            "column '" ~ column ~ "' of source " ~ source_name ~ "." ~ table_name
            ~ " has no pseudonymization rule: describe it in the source YAML with"
            ~ " config: meta: pseudonymization: hash | hash-no-lookup | mask | no-op"
        ) }}
    {%- endif -%}
    {{ return(op) }}
{%- endmacro %}
