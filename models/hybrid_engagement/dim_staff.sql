{#
    Teachers and staff, for the adoption rollups only (never in a student rate):
    one row per staff member, by the pseudonym of their SIS (or Clever staff) id,
    the key their digital activity resolves to. From Clever's teacher and staff
    files (their latest school), the Insights roster's Teacher roles (primary,
    active, newest snapshot first) and Insights signals whose ActorRole is Teacher.
    School: the roster's organization, else the organization whose name is the
    Clever school's. Students (int_hybrid_engagement__students) are left out.
#}

with clever_rows as (
    select
        user_type,
        school_name,
        participation_date,
        coalesce(sis_id_pseudonym, staff_id_pseudonym) as staff_id_pseudonym
    from {{ ref('stg_clever__daily_participation') }}
    where user_type in ('teachers', 'staff')
),

roles as (
    select
        person_organization_role_id,
        external_id_pseudonym,
        organization_id,
        ref_role_id,
        is_primary,
        is_active_in_session,
        snapshot_at
    from {{ ref('stg_insights__person_organization_role') }}
    where external_id_pseudonym is not null
),

ref_definitions as (
    select
        ref_definition_id,
        code
    from {{ ref('stg_insights__ref_definition') }}
),

organizations as (
    select
        organization_id,
        organization_name
    from {{ ref('stg_insights__organization') }}
),

teacher_signals as (
    select distinct
        actor_key_type,
        actor_key
    from {{ ref('digital_activity_signals') }}
    where
        actor_role = 'teachers'
        and actor_key is not null
),

actor_keys as (
    select
        actor_key_type,
        actor_key,
        sis_id_pseudonym
    from {{ ref('int_identity__actor_keys') }}
),

students as (
    select student_id_pseudonym
    from {{ ref('int_hybrid_engagement__students') }}
),

clever_latest as (
    select
        staff_id_pseudonym,
        user_type,
        school_name,
        row_number() over (
            partition by staff_id_pseudonym
            order by participation_date desc, user_type asc, school_name asc
        ) as recency_rank
    from clever_rows
    where staff_id_pseudonym is not null
),

clever_staff as (
    select
        clever_latest.staff_id_pseudonym,
        clever_latest.school_name,
        organizations.organization_id,
        case when clever_latest.user_type = 'teachers' then 'teacher' else 'staff' end
            as staff_role
    from clever_latest
    left join organizations
        on lower(clever_latest.school_name) = lower(organizations.organization_name)
    where clever_latest.recency_rank = 1
),

teacher_roles as (
    select
        roles.external_id_pseudonym as staff_id_pseudonym,
        roles.organization_id,
        row_number() over (
            partition by roles.external_id_pseudonym
            order by
                coalesce(roles.is_primary, false) desc,
                coalesce(roles.is_active_in_session, false) desc,
                roles.snapshot_at desc,
                roles.person_organization_role_id asc
        ) as role_rank
    from roles
    inner join ref_definitions
        on lower(roles.ref_role_id) = lower(ref_definitions.ref_definition_id)
    where lower(ref_definitions.code) = 'teacher'
),

roster_teachers as (
    select
        staff_id_pseudonym,
        organization_id
    from teacher_roles
    where role_rank = 1
),

signal_teachers as (
    select distinct actor_keys.sis_id_pseudonym as staff_id_pseudonym
    from teacher_signals
    inner join actor_keys
        on
            teacher_signals.actor_key_type = actor_keys.actor_key_type
            and teacher_signals.actor_key = actor_keys.actor_key
),

staff_ids as (
    select staff_id_pseudonym from clever_staff
    union
    select staff_id_pseudonym from roster_teachers
    union
    select staff_id_pseudonym from signal_teachers
),

joined as (
    select
        staff_ids.staff_id_pseudonym,
        clever_staff.school_name as clever_school_name,
        coalesce(clever_staff.staff_role, 'teacher') as staff_role,
        coalesce(roster_teachers.organization_id, clever_staff.organization_id)
            as school_id,
        roster_teachers.staff_id_pseudonym is not null as is_in_roster,
        clever_staff.staff_id_pseudonym is not null as is_in_clever
    from staff_ids
    left join clever_staff
        on staff_ids.staff_id_pseudonym = clever_staff.staff_id_pseudonym
    left join roster_teachers
        on staff_ids.staff_id_pseudonym = roster_teachers.staff_id_pseudonym
    left join students
        on staff_ids.staff_id_pseudonym = students.student_id_pseudonym
    where students.student_id_pseudonym is null
),

final as (
    select
        joined.staff_id_pseudonym,
        joined.staff_role,
        joined.school_id,
        joined.is_in_roster,
        joined.is_in_clever,
        coalesce(organizations.organization_name, joined.clever_school_name)
            as school_name
    from joined
    left join organizations
        on joined.school_id = organizations.organization_id
)

select * from final
