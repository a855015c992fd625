{#
    Purpose: the given columns together identify a row (the model's grain). Fails
    with one row per duplicated combination (macros/duplicate_keys.sql).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{{ duplicate_keys(model, combination_of_columns) }}

{% endtest %}
