{#
    Purpose: the `materialized` keyword of a CTE on engines that have it. On DuckDB
    a materialized CTE is computed once, as a step of its own, before the query
    that reads it: a model with several large joins can then hold one join's build
    side in memory at a time. Spark's SQL has no such keyword (and plans each join
    as its own stage anyway): nothing there.
#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}
