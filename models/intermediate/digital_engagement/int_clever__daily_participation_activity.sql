{#
    Clever daily participation in OEA's Digital Engagement Schema: one activity row
    per user per day. `used` is Clever's `active`, numAccess its `num_logins`; the
    row shows use (design.md, "Digitally active") when active or with logins.
#}

with participation as (
    select
        participation_date,
        user_type,
        sis_id_pseudonym,
        staff_id_pseudonym,
        clever_user_id_pseudonym,
        school_name,
        is_active,
        num_logins,
        _source_file,
        _source_row,
        _file_sha256
    from {{ ref('stg_clever__daily_participation') }}
),

activity as (
    select
        {{ surrogate_key([
            "'Clever_Daily_Participation'",
            'user_type',
            'clever_user_id_pseudonym',
            'participation_date',
        ]) }} as event_id,
        'daily_participation' as event_type,
        coalesce(sis_id_pseudonym, staff_id_pseudonym) as event_actor,
        cast(null as {{ dbt.type_string() }}) as actor_key_type,
        cast(null as {{ dbt.type_string() }}) as actor_key,
        'Clever_Daily_Participation' as event_object,
        cast(participation_date as timestamp) as event_time,
        cast(participation_date as date) as activity_date,
        'Clever' as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        cast(null as integer) as time_on_task_sec,
        num_logins as num_access,
        is_active as is_used,
        -- digitally active: Clever says active, or the user logged in
        coalesce(is_active, false) or coalesce(num_logins, 0) > 0 as shows_use,
        1 as report_period_days,
        cast(extract(year from participation_date) as integer) as year,
        cast(extract(month from participation_date) as integer) as month,
        user_type as actor_role,
        school_name as source_school_name,
        cast(null as {{ dbt.type_string() }}) as exclusion_reason,
        _source_file,
        _source_row,
        1 as _source_record,
        1 as _record_signal,
        _file_sha256
    from participation
)

select * from activity
