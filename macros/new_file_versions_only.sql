{#
    Purpose: the incremental filter of every model built from delivered files. In an
    incremental run it keeps only rows from file versions (by `_file_sha256`) the
    model does not hold yet; combined with delete+insert on `_source_file`, a new
    delivery appends its rows and a restated file replaces its earlier version.
#}
{% macro new_file_versions_only() -%}
    {%- if is_incremental() -%}
        where _file_sha256 not in (
            select distinct existing._file_sha256
            from {{ this }} as existing
        )
    {%- endif -%}
{%- endmacro %}
