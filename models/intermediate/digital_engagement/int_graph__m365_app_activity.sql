{#
    Microsoft 365 app user detail in OEA's Digital Engagement Schema: one activity
    row per app per report period of a record (OEA's unpivot of the excel, oneNote,
    outlook, powerPoint, teams and word flags), `used` = the app's flag. The actor
    stays a source key (the userPrincipalName pseudonym) that digital_activity
    resolves through Graph users. An app row shows use (design.md, "Digitally
    active") when its flag is true. A record without app details is kept as one
    excluded row with its reason, so the reconciliation counts it.
#}

with app_usage as (
    select
        report_refresh_date,
        last_activity_date,
        user_principal_name_pseudonym,
        details,
        _source_file,
        _source_row,
        _source_record,
        _file_sha256
    from {{ ref('stg_graph__m365_app_user_detail') }}
),

apps as (
    {#- OEA's six apps; the platform flags (excelWeb, teamsMobile, ...) stay in
        the staged JSON. -#}
    select
        six_apps.app_position,
        six_apps.app_flag,
        six_apps.app_name
    from (
        values
        (1, 'excel', 'Excel'),
        (2, 'oneNote', 'OneNote'),
        (3, 'outlook', 'Outlook'),
        (4, 'powerPoint', 'PowerPoint'),
        (5, 'teams', 'Teams'),
        (6, 'word', 'Word')
    ) as six_apps (app_position, app_flag, app_name)
),

report_periods as (
    select
        app_usage.report_refresh_date,
        app_usage.last_activity_date,
        app_usage.user_principal_name_pseudonym,
        periods.element as period_detail,
        periods.position as period_position,
        app_usage._source_file,
        app_usage._source_row,
        app_usage._source_record,
        app_usage._file_sha256
    from
        app_usage,
        {{ json_array_elements('app_usage', 'details', 'periods') }}
),

app_flags as (
    select
        report_periods.*,
        apps.app_position,
        apps.app_name,
        case apps.app_flag
            {%- for flag in ['excel', 'oneNote', 'outlook', 'powerPoint', 'teams',
                'word'] %}
                when '{{ flag }}' then {{ json_field_text('period_detail', flag) }}
            {%- endfor %}
        end as app_flag_value,
        {{ json_field_text('period_detail', 'reportPeriod') }} as report_period
    from report_periods
    cross join apps
),

mapped as (
    select
        {{ surrogate_key([
            "'MS_GraphAPI_M365'", '_source_file', '_source_row', '_source_record',
            'period_position', 'app_position',
        ]) }} as event_id,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as {{ dbt.type_string() }}) as event_actor,
        'graph_user_principal_name' as actor_key_type,
        user_principal_name_pseudonym as actor_key,
        'MS_GraphAPI_M365' as event_object,
        cast(report_refresh_date as timestamp) as event_time,
        -- the day of use: the last activity date, not the refresh (design.md)
        cast(coalesce(last_activity_date, report_refresh_date) as date)
            as activity_date,
        app_name as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        cast(null as integer) as time_on_task_sec,
        cast(null as integer) as num_access,
        cast(app_flag_value as boolean) as is_used,
        -- digitally active: the app was used (M365 rows carry no count)
        coalesce(cast(app_flag_value as boolean), false) as shows_use,
        cast(report_period as integer) as report_period_days,
        cast(extract(year from report_refresh_date) as integer) as year,
        cast(extract(month from report_refresh_date) as integer) as month,
        cast(null as {{ dbt.type_string() }}) as actor_role,
        cast(null as {{ dbt.type_string() }}) as source_school_name,
        cast(null as {{ dbt.type_string() }}) as exclusion_reason,
        _source_file,
        _source_row,
        _source_record,
        cast((period_position - 1) * 6 + app_position as integer) as _record_signal,
        _file_sha256
    from app_flags
),

without_details as (
    select
        {{ surrogate_key([
            "'MS_GraphAPI_M365'", '_source_file', '_source_row', '_source_record',
        ]) }} as event_id,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as {{ dbt.type_string() }}) as event_actor,
        'graph_user_principal_name' as actor_key_type,
        user_principal_name_pseudonym as actor_key,
        'MS_GraphAPI_M365' as event_object,
        cast(report_refresh_date as timestamp) as event_time,
        -- the day of use: the last activity date, not the refresh (design.md)
        cast(coalesce(last_activity_date, report_refresh_date) as date)
            as activity_date,
        cast(null as {{ dbt.type_string() }}) as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        cast(null as integer) as time_on_task_sec,
        cast(null as integer) as num_access,
        cast(null as boolean) as is_used,
        false as shows_use,
        cast(null as integer) as report_period_days,
        cast(extract(year from report_refresh_date) as integer) as year,
        cast(extract(month from report_refresh_date) as integer) as month,
        cast(null as {{ dbt.type_string() }}) as actor_role,
        cast(null as {{ dbt.type_string() }}) as source_school_name,
        'no app usage details in the record' as exclusion_reason,
        _source_file,
        _source_row,
        _source_record,
        1 as _record_signal,
        _file_sha256
    from app_usage
    where coalesce({{ json_array_length('details') }}, 0) = 0
),

unioned as (
    select * from mapped
    union all
    select * from without_details
)

select * from unioned
