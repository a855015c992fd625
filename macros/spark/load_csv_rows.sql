{#
    Purpose: dbt's seed inserts on Spark, each value written as a SQL literal.
    dbt-spark's own passes the values as bindings, which its in-process session
    pastes into the SQL between quotes as they are: a seed text with an apostrophe
    (attendance_codes: "OEA's Contoso code") broke the statement, and an empty
    cell became the text 'None'. Here text is quoted with its backslashes and
    quotes escaped, an empty cell is NULL, and each value is cast to its column's
    type as dbt-spark does.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for name in agate_table.column_names -%}
        {%- do types.append(
            column_types.get(name, adapter.convert_type(agate_table, loop.index0))
        ) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for rows in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in rows %}
            (
                {%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {{- ", " if not loop.last -}}
                {%- endfor -%}
            ){{ "," if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        {%- if value.hour is defined -%}
            {%- set value = value.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
        {%- endif -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
