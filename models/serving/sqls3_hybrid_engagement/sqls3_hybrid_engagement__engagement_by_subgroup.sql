{{ config(alias='engagement_by_subgroup') }}

{#
    `sqls3_hybrid_engagement.engagement_by_subgroup`: the equity breakdowns, one
    row per school year, scope (`school`, `district`), school, subgroup and
    category, with primary and complementary suppression (rpt_engagement_by_subgroup
    decides it): a suppressed cell keeps its keys and `is_suppressed`, and every
    figure, its student count too, is NULL. Categories only: no student.
#}

{%- set measures = [
    'students', 'chronically_absent_students', 'school_days', 'present_days',
    'digital_days', 'engaged_days', 'in_person_and_digital_days',
    'in_person_only_days', 'digital_only_days', 'not_engaged_days',
    'excused_absence_days', 'unexcused_absence_days', 'absence_days',
    'in_person_rate', 'digital_rate', 'hybrid_rate', 'absence_rate',
] %}

with cells as (
    select
        scope,
        school_year,
        school_id,
        school_name,
        subgroup,
        subgroup_value,
        {{ measures | join(',\n        ') }},
        is_suppressed
    from {{ ref('rpt_engagement_by_subgroup') }}
),

final as (
    select
        school_year,
        scope,
        school_id,
        school_name,
        subgroup,
        subgroup_value,
        {%- for measure in measures %}
            case when not is_suppressed then {{ measure }} end as {{ measure }},
        {%- endfor %}
        is_suppressed
    from cells
)

select * from final
