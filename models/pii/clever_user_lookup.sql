{#
    Raw Clever ids and their pseudonyms: the only way back from a pseudonym to a
    person. Lives in restricted.duckdb (models/pii is configured there).
#}

with participation_users as (
    select
        _user_type as user_type,
        sis_id,
        staff_id,
        clever_user_id
    from {{ ref('base_clever__daily_participation') }}
),

resource_usage_users as (
    select
        _user_type as user_type,
        sis_id,
        staff_id,
        clever_user_id
    from {{ ref('base_clever__resource_usage') }}
),

users as (
    select * from participation_users
    union
    select * from resource_usage_users
),

lookup as (
    select
        user_type,
        sis_id,
        {{ pseudonymize('sis_id') }} as sis_id_pseudonym,
        staff_id,
        {{ pseudonymize('staff_id') }} as staff_id_pseudonym,
        clever_user_id,
        {{ pseudonymize('clever_user_id') }} as clever_user_id_pseudonym
    from users
)

select * from lookup
