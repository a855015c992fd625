{#
    OEA's Clever dashboard, "top resources by school": the 5 resources the most
    distinct students of each Clever school opened over the whole period. A usage
    row counts when num_access > 0. Ties in students are broken by resource name,
    then resource id (both ascending), so the ranking is total and repeatable.
#}

with resource_usage as (
    select
        clever_school_id,
        school_name,
        clever_user_id_pseudonym,
        resource_id,
        resource_name,
        resource_type,
        num_access
    from {{ ref('stg_clever__resource_usage') }}
    where user_type = 'students' and num_access > 0
),

by_school_resource as (
    select
        clever_school_id,
        resource_id,
        max(school_name) as school_name,
        max(resource_name) as resource_name,
        max(resource_type) as resource_type,
        count(distinct clever_user_id_pseudonym) as students,
        sum(num_access) as accesses
    from resource_usage
    group by
        clever_school_id,
        resource_id
),

ranked as (
    select
        clever_school_id,
        school_name,
        resource_id,
        resource_name,
        resource_type,
        students,
        accesses,
        row_number() over (
            partition by clever_school_id
            order by students desc, resource_name asc, resource_id asc
        ) as resource_rank
    from by_school_resource
),

final as (
    select
        clever_school_id,
        school_name,
        cast(resource_rank as integer) as resource_rank,
        resource_id,
        resource_name,
        resource_type,
        cast(students as bigint) as students,
        cast(accesses as bigint) as accesses
    from ranked
    where resource_rank <= 5
)

select * from final
