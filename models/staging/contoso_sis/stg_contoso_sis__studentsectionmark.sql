{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='section_mark_id',
        on_schema_change='fail',
        pre_hook="{{ rebuild_if_restated(ref('base_contoso_sis__studentsectionmark')) }}",
    )
}}

{#
    One row per section mark (`id`): its version from the batch loaded last. Grades
    are masked (OEA's rule); credits are typed.
#}

with section_marks as (
    select
        id,
        student_id,
        section_id,
        school_year,
        term_id,
        numeric_grade_earned,
        alpha_grade_earned,
        is_final_grade,
        credits_attempted,
        credits_earned,
        grad_credit_type,
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_contoso_sis__studentsectionmark') }}
    {{ rows_loaded_since_last_run(ref('base_contoso_sis__studentsectionmark')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('contoso_sis', 'studentsectionmark', [
            'id', 'student_id', 'section_id', 'school_year', 'term_id',
            'numeric_grade_earned', 'alpha_grade_earned', 'is_final_grade',
            'credits_attempted', 'credits_earned', 'grad_credit_type',
        ]) }},
        _batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from section_marks
),

typed as (
    select
        id as section_mark_id,
        student_id_pseudonym,
        section_id,
        cast(school_year as integer) as school_year,
        term_id,
        numeric_grade_earned,
        alpha_grade_earned,
        {{ parse_boolean('is_final_grade') }} as is_final_grade,
        cast(credits_attempted as double) as credits_attempted,
        cast(credits_earned as double) as credits_earned,
        grad_credit_type,
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
            partition by section_mark_id
            order by _loaded_at desc, _source_row desc
        ) as version_rank
    from typed
),

latest as (
    select
        section_mark_id,
        student_id_pseudonym,
        section_id,
        school_year,
        term_id,
        numeric_grade_earned,
        alpha_grade_earned,
        is_final_grade,
        credits_attempted,
        credits_earned,
        grad_credit_type,
        batch,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
