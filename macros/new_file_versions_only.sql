{#
    Purpose: the incremental filter of every model built from delivered files.

    In an incremental run it keeps only rows of file versions (by `_file_sha256`)
    that `relation` holds and this model does not yet. The new versions are looked up
    first, from the one column, and the filter is a constant list, so DuckDB pushes
    it down to the table scans below any views: a quiet day reads almost nothing.
    With delete+insert on `_source_file`, a new delivery appends its rows and a
    restated file replaces its earlier version.
#}
{% macro new_file_versions_only(relation) -%}
    {%- if is_incremental() and execute -%}
        {%- set new_versions = run_query(
            "select distinct _file_sha256 from " ~ relation
            ~ " except select distinct _file_sha256 from " ~ this
        ).columns[0].values() -%}
        {%- if new_versions | length == 0 %}
            where false
        {%- else %}
            where _file_sha256 in (
                {%- for sha in new_versions %}
                '{{ sha }}'{{ "," if not loop.last }}
                {%- endfor %}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
