{#
    The measures of each student in each school year: one row per student of
    dim_student_year, with their school days, present, digital and engaged days,
    the three rates, the days of each attendance type, absence days and rate, and
    the chronic-absence flag (the standard definition: excused and unexcused
    absences both count). Students without school days that year stay, with zero
    days and NULL rates.
#}

with student_years as (
    select
        student_id_pseudonym,
        school_year
    from {{ ref('dim_student_year') }}
),

daily as (
    select
        student_id_pseudonym,
        school_year,
        attendance_type,
        absence_fraction,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

daily_by_student_year as (
    select
        student_id_pseudonym,
        school_year,
        {{ hybrid_category_measures(student_count=false) }},
        {{ absence_type_measures() }}
    from daily
    group by
        student_id_pseudonym,
        school_year
),

joined as (
    select
        student_years.student_id_pseudonym,
        student_years.school_year,
        daily_by_student_year.in_person_rate,
        daily_by_student_year.digital_rate,
        daily_by_student_year.hybrid_rate,
        daily_by_student_year.absence_rate,
        {%- for measure in [
            'school_days', 'present_days', 'digital_days', 'engaged_days',
            'in_person_and_digital_days', 'in_person_only_days',
            'digital_only_days', 'not_engaged_days', 'excused_absence_days',
            'unexcused_absence_days', 'tardy_days', 'partial_days',
            'unrecorded_days', 'unknown_code_days', 'absence_days',
        ] %}
        coalesce(daily_by_student_year.{{ measure }}, 0) as {{ measure }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from student_years
    left join daily_by_student_year
        on
            student_years.student_id_pseudonym
            = daily_by_student_year.student_id_pseudonym
            and student_years.school_year = daily_by_student_year.school_year
),

final as (
    select
        student_id_pseudonym,
        school_year,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        excused_absence_days,
        unexcused_absence_days,
        tardy_days,
        partial_days,
        unrecorded_days,
        unknown_code_days,
        cast(absence_days as decimal(18, 4)) as absence_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        absence_rate,
        {{ chronically_absent('school_days', 'absence_days') }}
            as is_chronically_absent
    from joined
)

select * from final
