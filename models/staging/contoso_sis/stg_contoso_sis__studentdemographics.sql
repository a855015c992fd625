{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='sis_id_pseudonym',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_contoso_sis__studentdemographics')) }}",
    )
}}

{#
    One row per student (SIS ID): the demographics from the batch loaded last.
    Typed and pseudonymized by the source's column rules.
#}

with demographics as (
    select
        "SIS ID",
        "FederalRaceCategory",
        "PrimaryLanguage",
        "ELLStatus",
        "SpecialEducation",
        "LowIncome",
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_contoso_sis__studentdemographics') }}
    {{ rows_loaded_since_last_run(ref('base_contoso_sis__studentdemographics')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('contoso_sis', 'studentdemographics', [
            'SIS ID', 'FederalRaceCategory', 'PrimaryLanguage', 'ELLStatus',
            'SpecialEducation', 'LowIncome',
        ]) }},
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from demographics
),

typed as (
    select
        sis_id_pseudonym,
        federal_race_category,
        primary_language,
        ell_status,
        special_education,
        {{ parse_boolean('low_income') }} as is_low_income,
        _batch as batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
),

ranked as (
    select
        *,
        row_number() over (
            partition by sis_id_pseudonym
            order by _loaded_at desc, _source_row desc
        ) as version_rank
    from typed
),

latest as (
    select
        sis_id_pseudonym,
        federal_race_category,
        primary_language,
        ell_status,
        special_education,
        is_low_income,
        batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
