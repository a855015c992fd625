{#
    Purpose: the query of the uniqueness tests (`unique`, `unique_combination_of_columns`):
    one row per key value held by more than one row, with its count.

    Grouping a large table by its key costs a hash table of the key values (long
    text such as file paths and event ids). This groups by one 64-bit hash of the
    key instead, then groups the exact key values only among the rows whose hash
    repeats: the result is exactly the plain `group by`'s (rows that share a key
    share its hash; rows whose different keys share a hash are told apart in the
    second step), for about two thirds of its time (the uniqueness tests of a
    20,000-student day: 16.5 s -> ~11 s).
    NULLs count as equal values, as in a `group by`; `unique` leaves them out with
    `where`.
#}
{% macro duplicate_keys(relation, key_columns, where='true') -%}
    {%- set key = key_columns | join(', ') -%}
    {%- set rebuilt = rebuilt_dates_filter(relation, key_columns) -%}
    {%- if rebuilt is not none -%}
        {%- set where = '(' ~ where ~ ') and ' ~ rebuilt -%}
    {%- endif -%}
    {%- if tests_only_new_file_versions(relation) -%}
        {{ new_file_versions_duplicate_keys(relation, key_columns, where) }}
    {%- else -%}
    with repeated_hashes as (
        select hash({{ key }}) as key_hash
        from {{ relation }}
        where {{ where }}
        group by hash({{ key }})
        having count(*) > 1
    )

    {{ keys_held_more_than_once(
        relation, key, where,
        'hash(' ~ key ~ ') in (select repeated.key_hash from repeated_hashes as repeated)',
    ) }}
    {%- endif -%}
{%- endmacro %}

{# The key values held by more than one of the rows `where` and `candidates` keep. #}
{% macro keys_held_more_than_once(relation, key, where, candidates) -%}
    select
        {{ key }},
        count(*) as occurrences
    from {{ relation }}
    where
        ({{ where }})
        and {{ candidates }}
    group by {{ key }}
    having count(*) > 1
{%- endmacro %}

{#
    The same result for a build in which the rows of the file versions the last
    passing build tested are as that build tested them (tests_only_new_file_versions
    says when): a key held twice is then held by at least one row of a file version
    not tested yet, so only the keys of those rows are grouped. With `_source_file`
    in the key (a repeat within one file), the rows of the files with an untested
    version are grouped, the files listed first: a constant list, which DuckDB
    pushes down to the scans below any view (a day's test of
    base_clever__daily_participation at 20,000 x 180: 0.1 s; with the files as a
    subquery 1.0-2.0 s, more than the whole test). Else the keys of the untested
    rows are looked up by their hash among every row (a key repeated across files:
    the same Clever user-day under two names). Rows without a file or a version
    count as untested.
#}
{% macro new_file_versions_duplicate_keys(relation, key_columns, where) -%}
    {%- set key = key_columns | join(', ') -%}
    {%- set untested -%}
        (
            _file_sha256 is null
            or _file_sha256 not in (
                select tested._file_sha256
                from {{ tested_file_versions_relation() }} as tested
            )
        )
    {%- endset -%}
    {%- if '_source_file' in key_columns -%}
        {%- set files = [] -%}
        {%- for name in run_query(
            "select distinct _source_file from " ~ relation
            ~ " where _source_file is not null and " ~ untested
        ).columns[0].values() -%}
            {%- do files.append("'" ~ (name | replace("'", "''")) ~ "'") -%}
        {%- endfor %}
    {{ keys_held_more_than_once(
        relation, key, where,
        '(_source_file is null'
        ~ (' or _source_file in (' ~ files | join(', ') ~ ')' if files else '') ~ ')',
    ) }}
    {%- else %}
    with untested_key_hashes as (
        select distinct hash({{ key }}) as key_hash
        from {{ relation }}
        where ({{ where }}) and {{ untested }}
    )

    {{ keys_held_more_than_once(
        relation, key, where,
        'hash(' ~ key ~ ') in (select untested.key_hash from untested_key_hashes as untested)',
    ) }}
    {%- endif -%}
{%- endmacro %}

{#
    Whether a uniqueness test may look at the rows of untested file versions only:
    the `hybrid-engagement` command asks for it (HE_TESTED_FILE_VERSIONS=on) when
    the last passing build was a whole build by the same project and recorded the
    file versions it tested (`audit.tested_file_versions`), and the tested model
    is one whose rows of a delivered file version are written once, from that
    version alone, and stay as written (the `rows_fixed_per_file_version` var).
    A bare `dbt` run, a changed project, a failed or partial build test every row.
#}
{% macro tests_only_new_file_versions(relation) -%}
    {{ return(
        execute
        and target.type == 'duckdb'
        and relation.identifier is defined
        and relation.identifier in var('rows_fixed_per_file_version', [])
        and env_var('HE_TESTED_FILE_VERSIONS', '') == 'on'
    ) }}
{%- endmacro %}

{% macro tested_file_versions_relation() -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema='audit',
        identifier='tested_file_versions',
    )) }}
{%- endmacro %}

{#
    A date-partitioned model (macros/in_changed_dates.sql) whose key holds its date
    column keeps each key within one date, so a key held twice is held twice on one
    date. After a passing build by the same project (the condition of
    tests_only_new_file_versions, without the list of models), the rows of the
    dates this build did not write are as that build tested them: the uniqueness
    tests then group the rows of the dates in `<model>__rebuilt_dates`, listed
    first as constants (DuckDB skips the row groups of other dates), or none when
    it wrote none. None: test every row (every date was written, or the test is
    not of such a model and key).
#}
{% macro rebuilt_dates_filter(relation, key_columns) -%}
    {%- if not (
        execute
        and target.type == 'duckdb'
        and relation.identifier is defined
        and env_var('HE_TESTED_FILE_VERSIONS', '') == 'on'
    ) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set partitioned = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('alias', 'equalto', relation.identifier)
        | selectattr('schema', 'equalto', relation.schema)
        | selectattr('config.meta.date_partitions', 'defined')
        | map(attribute='config.meta.date_partitions')
        | list -%}
    {%- if not partitioned or partitioned[0].column not in key_columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set dates = run_query(
        "select cast(partition_date as " ~ dbt.type_string() ~ ") from "
        ~ relation.incorporate(path={
            'identifier': relation.identifier ~ '__rebuilt_dates'
        })
    ).columns[0].values() -%}
    {%- if none in dates -%}
        {{ return(none) }}
    {%- elif not dates -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set listed = [] -%}
    {%- for day in dates -%}
        {%- do listed.append("date '" ~ day ~ "'") -%}
    {%- endfor -%}
    {{ return(partitioned[0].column ~ ' in (' ~ listed | join(', ') ~ ')') }}
{%- endmacro %}
