{#
    Purpose: each of the given boolean SQL expressions holds for every row: the
    column rules of a model (e.g. `digital_rate between 0 and 1`) in one query and
    one dbt node. Fails with the rows where one does not hold (a null result is no
    failure, as in expression_is_true).
#}
{% test expressions_are_true(model, expressions) %}

select *
from {{ model }}
where
    {% for expression in expressions -%}
    not ({{ expression }}){{ ' or' if not loop.last }}
    {% endfor %}

{% endtest %}
