{{ config(alias='clever_top_resources') }}

{#
    `sqls2_clever.clever_top_resources`: every resource ranked by students'
    accesses, district-wide, with small cells suppressed (keys, rank and students
    kept, schools and accesses NULL).
#}

with top_resources as (
    select
        resource_rank,
        resource_id,
        resource_name,
        resource_type,
        students,
        schools,
        accesses
    from {{ ref('rpt_clever__top_resources') }}
),

final as (
    select
        resource_rank,
        resource_id,
        resource_name,
        resource_type,
        students,
        {{ is_small_cell('students') }} as is_suppressed,
        {{ unless_small_cell('schools', 'students') }} as schools,
        {{ unless_small_cell('accesses', 'students') }} as accesses
    from top_resources
)

select * from final
