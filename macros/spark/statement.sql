{#
    Purpose: dbt's own `statement` (the one macro every query dbt runs goes
    through: models, tests, unit tests, hooks, run_query), with one step added:
    the SQL passes through `dialect_sql` before it is executed, so the models'
    DuckDB quoting reaches Spark as Spark's. On DuckDB dialect_sql returns the SQL
    unchanged and this is exactly dbt's statement. (dbt's documented way to change
    a macro that is not dispatched: redefine it in the project.)
#}
{%- macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- if execute: -%}
    {%- set compiled_code = caller() -%}
    {%- if language == 'sql' -%}
      {%- set compiled_code = dialect_sql(compiled_code) -%}
    {%- endif -%}

    {%- if name == 'main' -%}
      {{ log('Writing runtime {} for node "{}"'.format(language, model['unique_id'])) }}
      {{ write(compiled_code) }}
    {%- endif -%}
    {%- if language == 'sql'-%}
      {%- set res, table = adapter.execute(compiled_code, auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- elif language == 'python' -%}
      {%- set res = submit_python_job(model, compiled_code) -%}
      {%- set table = None -%}
    {%- else -%}
      {% do exceptions.raise_compiler_error("statement macro didn't get supported language") %}
    {%- endif -%}

    {%- if name is not none -%}
      {{ store_result(name, response=res, agate_table=table) }}
    {%- endif -%}

  {%- endif -%}
{%- endmacro %}
