{#
    The one student key: which SIS id (pseudonym) each source's own actor key stands
    for. One row per actor key.

      insights_actor_id          Insights activity's ActorId, a Person id: through
                                 AadUserPersonMapping to the Azure AD account, whose
                                 StudentId (or TeacherId) is the SIS id; OEA's data
                                 has no StudentId split, the account's ObjectId is
                                 the SIS id there. An ActorId that is an account's
                                 ObjectId itself (as the CDM schema describes it)
                                 maps too.
      graph_user_principal_name  a Graph report's userPrincipalName: through Graph
                                 users to the user's id, the SIS id.

    Built from every record staging holds (each in its latest version), so a student
    who left the roster keeps their mapping for earlier activity. Clever and i-Ready
    name the SIS id directly and need no key.
#}

with person_accounts as (
    select
        person_id_pseudonym,
        object_id_pseudonym,
        snapshot_at
    from {{ ref('stg_insights__aad_user_person_mapping') }}
),

accounts as (
    select
        object_id_pseudonym,
        snapshot_at,
        coalesce(student_id_pseudonym, teacher_id_pseudonym, object_id_pseudonym)
            as sis_id_pseudonym
    from {{ ref('stg_insights__aad_user') }}
),

graph_users as (
    select
        user_principal_name_pseudonym,
        id_pseudonym,
        _loaded_at
    from {{ ref('stg_graph__users') }}
),

insights_person_keys as (
    select
        'insights_actor_id' as actor_key_type,
        person_accounts.person_id_pseudonym as actor_key,
        coalesce(accounts.sis_id_pseudonym, person_accounts.object_id_pseudonym)
            as sis_id_pseudonym,
        'AadUserPersonMapping' as mapped_through,
        1 as preference,
        person_accounts.snapshot_at as mapped_at
    from person_accounts
    left join accounts
        on person_accounts.object_id_pseudonym = accounts.object_id_pseudonym
),

insights_account_keys as (
    select
        'insights_actor_id' as actor_key_type,
        object_id_pseudonym as actor_key,
        sis_id_pseudonym,
        'AadUser' as mapped_through,
        2 as preference,
        snapshot_at as mapped_at
    from accounts
),

graph_keys as (
    select
        'graph_user_principal_name' as actor_key_type,
        user_principal_name_pseudonym as actor_key,
        id_pseudonym as sis_id_pseudonym,
        'Graph users' as mapped_through,
        1 as preference,
        _loaded_at as mapped_at
    from graph_users
),

candidates as (
    select * from insights_person_keys
    union all
    select * from insights_account_keys
    union all
    select * from graph_keys
),

ranked as (
    select
        *,
        row_number() over (
            partition by actor_key_type, actor_key
            order by preference asc, mapped_at desc, sis_id_pseudonym asc
        ) as candidate_rank
    from candidates
    where
        actor_key is not null
        and sis_id_pseudonym is not null
),

actor_keys as (
    select
        actor_key_type,
        actor_key,
        sis_id_pseudonym,
        mapped_through,
        mapped_at
    from ranked
    where candidate_rank = 1
)

select * from actor_keys
