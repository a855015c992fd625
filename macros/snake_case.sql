{#
    Purpose: the snake_case name staging gives a delivered column: ObjectId ->
    object_id, ELLStatus -> ell_status, "Total Time on Lesson (min)" ->
    total_time_on_lesson_min, userPrincipalName -> user_principal_name.
#}
{% macro snake_case(name) -%}
    {%- set split = modules.re.sub('(?<=[a-z0-9])(?=[A-Z])', '_', name) -%}
    {%- set split = modules.re.sub('(?<=[A-Z])(?=[A-Z][a-z])', '_', split) -%}
    {{- modules.re.sub('[^a-z0-9]+', '_', split | lower) | trim('_') -}}
{%- endmacro %}
