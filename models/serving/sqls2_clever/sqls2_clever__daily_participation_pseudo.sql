{{ config(alias='daily_participation_pseudo') }}

{#
    OEA's Clever daily participation table as the Synapse serverless endpoint served
    it (`sqls2_clever.daily_participation_pseudo`), plus the user type and staff id
    pseudonym for teachers' and staff's rows.
#}

with participation as (
    select
        participation_date,
        sis_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        is_active,
        num_logins,
        num_resources_accessed,
        user_type,
        staff_id_pseudonym
    from {{ ref('stg_clever__daily_participation') }}
),

final as (
    select
        participation_date as date,
        sis_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        is_active as active,
        num_logins,
        num_resources_accessed,
        user_type,
        staff_id_pseudonym
    from participation
)

select * from final
