{#
    Purpose: the given columns together identify a row (the model's grain). Fails
    with one row per duplicated combination.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with grouped as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select *
from grouped
where occurrences > 1

{% endtest %}
