{#
    Purpose: delivered yes/no text as a boolean: true/false, 1/0, Yes/No, Y/N in any
    case; NULL stays NULL. The loaders rejected every other value, so nothing here
    turns an unknown value into false.
#}
{% macro parse_boolean(column) -%}
    case
        when lower({{ column }}) in ('true', '1', 'yes', 'y') then true
        when lower({{ column }}) in ('false', '0', 'no', 'n') then false
    end
{%- endmacro %}
