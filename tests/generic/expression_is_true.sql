{#
    Purpose: a boolean SQL expression holds for every row. On a column, the
    expression continues the column (e.g. `>= 0`). Fails with the rows where it
    does not hold.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ column_name ~ ' ' if column_name else '' }}{{ expression }})

{% endtest %}
