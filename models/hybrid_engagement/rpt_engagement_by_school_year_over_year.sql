{#
    Year over year per school: one row per school and school year of
    rpt_engagement_by_school, beside the same school's previous school year (NULL
    in its first year): students, the three rates, the absence rate and the share
    of students chronically absent, each with its change in points (this year
    minus last, × 100).
#}

with schools as (
    select
        school_id,
        school_name,
        school_year,
        students,
        chronically_absent_students,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        absence_rate
    from {{ ref('rpt_engagement_by_school') }}
),

shares as (
    select
        *,
        cast(chronically_absent_students as double)
        / nullif(students, 0) as chronic_absence_share
    from schools
),

final as (
    select
        this_year.school_id,
        this_year.school_name,
        this_year.school_year,
        last_year.school_year as previous_school_year,
        this_year.students,
        last_year.students as previous_students,
        {%- for measure in [
            'in_person_rate', 'digital_rate', 'hybrid_rate', 'absence_rate',
            'chronic_absence_share',
        ] %}
        this_year.{{ measure }},
        last_year.{{ measure }} as previous_{{ measure }},
        100 * (this_year.{{ measure }} - last_year.{{ measure }})
            as {{ measure }}_change_points
        {{- "," if not loop.last }}
    {%- endfor %}
    from shares as this_year
    left join shares as last_year
        on
            this_year.school_id is not distinct from last_year.school_id
            and this_year.school_year - 1 = last_year.school_year
)

select * from final
