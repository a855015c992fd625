{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_clever__daily_participation')]) }}",
    )
}}

{#
    Typed and pseudonymized. Incremental by delivered file: a run reads only file
    versions it has not seen, and a restated file replaces its earlier version's rows.
#}

with participation as (
    select
        date,
        sis_id,
        staff_id,
        clever_user_id,
        clever_school_id,
        school_name,
        active,
        num_logins,
        num_resources_accessed,
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_clever__daily_participation') }}
    {{ new_file_versions_only(ref('base_clever__daily_participation')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('clever', 'daily_participation', [
            'date', 'sis_id', 'staff_id', 'clever_user_id', 'clever_school_id',
            'school_name', 'active', 'num_logins', 'num_resources_accessed',
        ]) }},
        _user_type,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from participation
),

renamed as (
    select
        {{ parse_date('date', '%Y-%m-%d') }} as participation_date,
        _user_type as user_type,
        sis_id_pseudonym,
        staff_id_pseudonym,
        clever_user_id_pseudonym,
        clever_school_id,
        school_name,
        cast(active as boolean) as is_active,
        cast(num_logins as integer) as num_logins,
        cast(num_resources_accessed as integer) as num_resources_accessed,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from renamed
