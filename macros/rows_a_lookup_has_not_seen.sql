{#
    Purpose: the incremental filter of the append-only lookups (models/pii): the
    rows that may hold an id combination the lookup does not have yet.

    After a passing whole build by the same project (the `hybrid-engagement`
    command then sets HE_TESTED_FILE_VERSIONS=on, see tests_only_new_file_versions),
    the lookup holds every combination of the file versions that build recorded
    in `audit.tested_file_versions`: the candidates are the rows of the current
    versions not among them (the files loaded since), listed first as constants so
    that DuckDB prunes the scans below the base views. Otherwise, the rows loaded
    after the lookup's newest first sighting, which lags behind the newest load
    (an id first seen in September makes every row loaded since a candidate: at
    20,000 students x 180 days, most of the year's Clever rows every day).
    `current_files`: ref('base_loader__current_files').
#}
{% macro rows_a_lookup_has_not_seen(current_files) -%}
    {%- if target.type == 'duckdb' and env_var('HE_TESTED_FILE_VERSIONS', '') == 'on' -%}
        {%- set versions = [] -%}
        {%- if execute -%}
            {%- for sha in run_query(
                "select distinct file_sha256 from " ~ current_files
                ~ " where file_sha256 is not null and file_sha256 not in ("
                ~ "select tested._file_sha256 from "
                ~ tested_file_versions_relation() ~ " as tested)"
            ).columns[0].values() -%}
                {%- do versions.append("'" ~ sha ~ "'") -%}
            {%- endfor -%}
        {%- endif -%}
        (
            _file_sha256 is null
            {%- if versions %}
            or _file_sha256 in ({{ versions | join(', ') }})
            {%- endif %}
        )
    {%- else -%}
        _loaded_at > (
            select max(existing.first_loaded_at) from {{ this }} as existing
        )
    {%- endif -%}
{%- endmacro %}
