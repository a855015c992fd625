{{
    config(**date_partitioned(
        column='usage_date',
        by_date={'stg_clever__daily_participation': 'participation_date'},
        whole=[],
        columns={
            'stg_clever__daily_participation': [
                'user_type', 'clever_user_id_pseudonym', 'is_active', 'num_logins',
                'num_resources_accessed',
            ],
        },
    ))
}}

{#
    OEA's Clever dashboard, "usage over time": students' Clever logins and resources
    accessed per calendar day, district-wide. One row per day Clever reported.
    A day's row depends on that day's participation rows alone: a day's delivery
    writes its own day (date_partitioned), not the whole history.
#}

with participation as (
    select
        participation_date,
        clever_user_id_pseudonym,
        is_active,
        num_logins,
        num_resources_accessed
    from {{ ref('stg_clever__daily_participation') }}
    where
        user_type = 'students'
        and participation_date is not null
        and {{ in_changed_dates('participation_date') }}
),

flagged as (
    select
        participation_date,
        clever_user_id_pseudonym,
        num_logins,
        num_resources_accessed,
        coalesce(is_active or num_logins > 0, false) as is_used
    from participation
),

by_day as (
    select
        participation_date,
        count(distinct clever_user_id_pseudonym) as students,
        count(
            distinct case when is_used then clever_user_id_pseudonym end
        ) as active_students,
        sum(num_logins) as logins,
        sum(num_resources_accessed) as resources_accessed
    from flagged
    group by participation_date
),

final as (
    select
        participation_date as usage_date,
        cast(students as bigint) as students,
        cast(active_students as bigint) as active_students,
        cast(logins as bigint) as logins,
        cast(resources_accessed as bigint) as resources_accessed,
        cast(logins as double) / students as avg_logins_per_student,
        cast(resources_accessed as double)
        / students as avg_resources_accessed_per_student
    from by_day
)

select * from final
