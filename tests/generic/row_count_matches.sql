{#
    Purpose: reconciliation. The model holds exactly as many rows (optionally those
    matching `model_filter`) as `compare_model` (optionally filtered); `compare_count`
    counts something else than rows, e.g. `count(distinct id)` for a model that keeps
    one row per key of a table with repeats. Fails with one row giving both counts.
#}
{% test row_count_matches(model, compare_model, model_filter="1 = 1", compare_filter="1 = 1", compare_count="count(*)") %}

with model_rows as (
    select count(*) as row_count
    from {{ model }}
    where {{ model_filter }}
),

compare_rows as (
    select {{ compare_count }} as row_count
    from {{ compare_model }}
    where {{ compare_filter }}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where model_rows.row_count <> compare_rows.row_count

{% endtest %}
