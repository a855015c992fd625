{{ config(alias='student_engagement') }}

{#
    `sqls3_hybrid_engagement.student_engagement`: one row per student (roster or
    attendance) and school year, with that year's school, grade, days, the three
    rates, the days of each attendance type, absence days and rate, and chronic
    absence. No subgroup: those are published only as suppressed rollups.
#}

with students as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        grade,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        excused_absence_days,
        unexcused_absence_days,
        tardy_days,
        partial_days,
        unrecorded_days,
        unknown_code_days,
        absence_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        absence_rate,
        is_chronically_absent
    from {{ ref('rpt_student_year_engagement') }}
),

final as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        grade,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        excused_absence_days,
        unexcused_absence_days,
        tardy_days,
        partial_days,
        unrecorded_days,
        unknown_code_days,
        absence_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        absence_rate,
        is_chronically_absent
    from students
)

select * from final
