{{ config(alias='engagement_by_school_year_over_year') }}

{#
    `sqls3_hybrid_engagement.engagement_by_school_year_over_year`: per school and
    school year, the rates beside the previous school year's and the change in
    points. A year describing fewer than `small_cell_min_students` students
    publishes no rate (its keys and students stay); a change needs both years.
#}

{%- set measures = [
    'in_person_rate', 'digital_rate', 'hybrid_rate', 'absence_rate',
    'chronic_absence_share',
] %}

with schools as (
    select
        school_id,
        school_name,
        school_year,
        previous_school_year,
        students,
        previous_students,
        in_person_rate,
        previous_in_person_rate,
        in_person_rate_change_points,
        digital_rate,
        previous_digital_rate,
        digital_rate_change_points,
        hybrid_rate,
        previous_hybrid_rate,
        hybrid_rate_change_points,
        absence_rate,
        previous_absence_rate,
        absence_rate_change_points,
        chronic_absence_share,
        previous_chronic_absence_share,
        chronic_absence_share_change_points
    from {{ ref('rpt_engagement_by_school_year_over_year') }}
),

final as (
    select
        school_id,
        school_name,
        school_year,
        previous_school_year,
        students,
        previous_students,
        {%- for measure in measures %}
            {{ unless_small_cell(measure, 'students') }} as {{ measure }},
            {{ unless_small_cell('previous_' ~ measure, 'previous_students') }}
                as previous_{{ measure }},
            case
                when
                    not {{ is_small_cell('students') }}
                    and not {{ is_small_cell('previous_students') }}
                    then {{ measure }}_change_points
            end as {{ measure }}_change_points,
        {%- endfor %}
        {{ is_small_cell('students') }} as is_suppressed,
        coalesce({{ is_small_cell('previous_students') }}, false)
            as is_previous_suppressed
    from schools
)

select * from final
