{#
    OEA's Clever dashboard, "top resources": every resource students opened through
    Clever, ranked by accesses (sum of num_access) over the whole period, district-
    wide. Ties in accesses are broken by resource name, then resource id.
#}

with resource_usage as (
    select
        clever_school_id,
        clever_user_id_pseudonym,
        resource_id,
        resource_name,
        resource_type,
        num_access
    from {{ ref('stg_clever__resource_usage') }}
    where user_type = 'students' and num_access > 0
),

by_resource as (
    select
        resource_id,
        max(resource_name) as resource_name,
        max(resource_type) as resource_type,
        count(distinct clever_user_id_pseudonym) as students,
        count(distinct clever_school_id) as schools,
        sum(num_access) as accesses
    from resource_usage
    group by resource_id
),

ranked as (
    select
        resource_id,
        resource_name,
        resource_type,
        students,
        schools,
        accesses,
        row_number() over (
            order by accesses desc, resource_name asc, resource_id asc
        ) as resource_rank
    from by_resource
),

final as (
    select
        cast(resource_rank as integer) as resource_rank,
        resource_id,
        resource_name,
        resource_type,
        cast(students as bigint) as students,
        cast(schools as bigint) as schools,
        cast(accesses as bigint) as accesses
    from ranked
)

select * from final
