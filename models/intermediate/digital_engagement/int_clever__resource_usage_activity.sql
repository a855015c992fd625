{#
    Clever resource usage in OEA's Digital Engagement Schema: one activity row per
    user per resource per day. event_type is the resource type, entity_type the
    resource name, numAccess Clever's `num_access`; the row shows use (design.md,
    "Digitally active") when num_access is above zero.
#}

with resource_usage as (
    select
        usage_date,
        user_type,
        sis_id_pseudonym,
        staff_id_pseudonym,
        clever_user_id_pseudonym,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        num_access,
        _source_file,
        _source_row,
        _file_sha256
    from {{ ref('stg_clever__resource_usage') }}
),

activity as (
    select
        {{ surrogate_key([
            "'Clever_Resource_Usage'",
            'user_type',
            'clever_user_id_pseudonym',
            'usage_date',
            'resource_id',
        ]) }} as event_id,
        resource_type as event_type,
        coalesce(sis_id_pseudonym, staff_id_pseudonym) as event_actor,
        cast(null as {{ dbt.type_string() }}) as actor_key_type,
        cast(null as {{ dbt.type_string() }}) as actor_key,
        'Clever_Resource_Usage' as event_object,
        cast(usage_date as timestamp) as event_time,
        cast(usage_date as date) as activity_date,
        resource_name as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        cast(null as integer) as time_on_task_sec,
        num_access,
        num_access > 0 as is_used,
        -- digitally active: the resource was opened
        coalesce(num_access, 0) > 0 as shows_use,
        1 as report_period_days,
        cast(extract(year from usage_date) as integer) as year,
        cast(extract(month from usage_date) as integer) as month,
        user_type as actor_role,
        school_name as source_school_name,
        cast(null as {{ dbt.type_string() }}) as exclusion_reason,
        _source_file,
        _source_row,
        1 as _source_record,
        1 as _record_signal,
        _file_sha256
    from resource_usage
)

select * from activity
