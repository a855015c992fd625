{#
    Purpose: the measure columns of a hybrid engagement rollup over rows of
    fct_hybrid_engagement_daily (one per student per school day): student-days in
    each category and the three pooled rates (days in category / school days).
#}
{% macro hybrid_category_measures(student_count=true) -%}
    {%- if student_count %}
    count(distinct student_id_pseudonym) as students,
    {%- endif %}
    count(*) as school_days,
    cast(sum(case when is_present then 1 else 0 end) as bigint) as present_days,
    cast(sum(case when is_digitally_active then 1 else 0 end) as bigint)
        as digital_days,
    cast(sum(case when is_engaged then 1 else 0 end) as bigint) as engaged_days,
    {%- for category in [
        'in_person_and_digital', 'in_person_only', 'digital_only', 'not_engaged'
    ] %}
    cast(
        sum(case when hybrid_category = '{{ category }}' then 1 else 0 end)
        as bigint
    ) as {{ category }}_days,
    {%- endfor %}
    cast(sum(case when is_present then 1 else 0 end) as double)
    / count(*) as in_person_rate,
    cast(sum(case when is_digitally_active then 1 else 0 end) as double)
    / count(*) as digital_rate,
    cast(sum(case when is_engaged then 1 else 0 end) as double)
    / count(*) as hybrid_rate
{%- endmacro %}
