{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_clever__resource_usage')]) }}",
    )
}}

{#
    Typed and pseudonymized. Incremental by delivered file, like daily participation.
#}

with resource_usage as (
    select
        date,
        sis_id,
        staff_id,
        clever_user_id,
        clever_school_id,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        num_access,
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_clever__resource_usage') }}
    {{ new_file_versions_only(ref('base_clever__resource_usage')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('clever', 'resource_usage', [
            'date', 'sis_id', 'staff_id', 'clever_user_id', 'clever_school_id',
            'school_name', 'resource_type', 'resource_name', 'resource_id',
            'num_access',
        ]) }},
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from resource_usage
),

renamed as (
    select
        {{ parse_date('date', '%Y-%m-%d') }} as usage_date,
        _user_type as user_type,
        sis_id_pseudonym,
        staff_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        resource_type,
        resource_name,
        resource_id,
        cast(num_access as integer) as num_access,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from renamed
