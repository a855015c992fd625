{{ config(alias='resource_usage_pseudo') }}

{#
    OEA's Clever resource usage table as the Synapse serverless endpoint served it
    (`sqls2_clever.resource_usage_pseudo`), plus the user type and staff id pseudonym.
#}

with resource_usage as (
    select
        usage_date,
        sis_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        num_access,
        user_type,
        staff_id_pseudonym
    from {{ ref('stg_clever__resource_usage') }}
),

final as (
    select
        usage_date as date,
        sis_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        num_access,
        user_type,
        staff_id_pseudonym
    from resource_usage
)

select * from final
