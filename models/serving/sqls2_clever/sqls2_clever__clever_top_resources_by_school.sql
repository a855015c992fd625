{{ config(alias='clever_top_resources_by_school') }}

{#
    `sqls2_clever.clever_top_resources_by_school`: each school's top 5 resources by
    distinct students, with small cells suppressed (keys, rank and students kept,
    accesses NULL).
#}

with top_resources_by_school as (
    select
        clever_school_id,
        school_name,
        resource_rank,
        resource_id,
        resource_name,
        resource_type,
        students,
        accesses
    from {{ ref('rpt_clever__top_resources_by_school') }}
),

final as (
    select
        clever_school_id,
        school_name,
        resource_rank,
        resource_id,
        resource_name,
        resource_type,
        students,
        {{ is_small_cell('students') }} as is_suppressed,
        {{ unless_small_cell('accesses', 'students') }} as accesses
    from top_resources_by_school
)

select * from final
