{#
    Purpose: none of the given columns is null in any row: the `not_null` tests of
    a model's columns in one query and one dbt node (a node costs dbt about as much
    as the query itself on a day's delivery). Fails with the rows holding a null.
#}
{% test not_null_columns(model, column_names) %}

select *
from {{ model }}
where
    {% for column in column_names -%}
    {{ column }} is null{{ ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
