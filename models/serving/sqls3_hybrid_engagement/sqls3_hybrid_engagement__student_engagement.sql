{{ config(alias='student_engagement') }}

{#
    `sqls3_hybrid_engagement.student_engagement`: one row per student (roster or
    attendance) with school, grade, days, the three rates and chronic absence.
#}

with students as (
    select
        student_id_pseudonym,
        school_id,
        school_name,
        grade,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        is_chronically_absent
    from {{ ref('rpt_student_engagement') }}
),

final as (
    select
        student_id_pseudonym,
        school_id,
        school_name,
        grade,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        is_chronically_absent
    from students
)

select * from final
