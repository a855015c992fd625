{{ config(alias='engagement_drop') }}

{#
    `sqls3_hybrid_engagement.engagement_drop`: the early-warning list, one row per
    flagged student in the latest school year (see rpt_engagement_drop for the rule and its dbt vars).
#}

with drops as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        grade,
        previous_school_days,
        recent_school_days,
        previous_hybrid_rate,
        recent_hybrid_rate,
        hybrid_drop_points,
        in_person_drop_points,
        digital_drop_points,
        dropped_channel
    from {{ ref('rpt_engagement_drop') }}
),

final as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        grade,
        previous_school_days,
        recent_school_days,
        previous_hybrid_rate,
        recent_hybrid_rate,
        hybrid_drop_points,
        in_person_drop_points,
        digital_drop_points,
        dropped_channel
    from drops
)

select * from final
