{#
    Purpose: the post-hook of every model incremental by delivered file (see
    new_file_versions_only): delete the rows of files the relations no longer hold
    any row of. With delete+insert on `_source_file`, a restated file replaces its
    earlier version by its new rows; a file restated with no rows (a header only)
    brings no row to replace them with, so its earlier rows are deleted here.
#}
{% macro forget_emptied_files(relations) -%}
    delete from {{ this }}
    where _source_file not in (
        {%- for relation in relations %}
            select _source_file from {{ relation }}
            where _source_file is not null
            {{ "union" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
