{#
    Purpose: a strftime format (the one spelling the models use, DuckDB's) as the
    Java datetime pattern Spark's to_date and to_timestamp read: %Y -> yyyy,
    %m -> M, %d -> d, %H -> H, %I -> h, %M -> m, %S -> s, %p -> a; other letters
    quoted. One-letter fields read one or two digits, as strptime does.
#}
{% macro java_datetime_pattern(format) -%}
    {%- set fields = {
        'Y': 'yyyy', 'y': 'yy', 'm': 'M', 'd': 'd', 'H': 'H', 'I': 'h',
        'M': 'm', 'S': 's', 'p': 'a', 'f': 'SSSSSS',
    } -%}
    {%- set out = [] -%}
    {%- set state = namespace(percent=false) -%}
    {%- for char in format -%}
        {%- if state.percent -%}
            {%- if char not in fields -%}
                {{ exceptions.raise_compiler_error(
                    "java_datetime_pattern: %" ~ char ~ " in '" ~ format ~ "' has no Java pattern"
                ) }}
            {%- endif -%}
            {%- do out.append(fields[char]) -%}
            {%- set state.percent = false -%}
        {%- elif char == '%' -%}
            {%- set state.percent = true -%}
        {%- elif char.isalpha() -%}
            {%- do out.append("\\'" ~ char ~ "\\'") -%}
        {%- else -%}
            {%- do out.append(char) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- out | join('') -}}
{%- endmacro %}
