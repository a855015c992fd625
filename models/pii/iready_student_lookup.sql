{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw i-Ready student ids (the SIS id) and their pseudonyms, with the names each
    was delivered with in any i-Ready report: one row per distinct combination.
    Lives only in restricted.duckdb. Append-only: a run adds the combinations first
    seen in rows loaded since the last run.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with comprehensive_student_lesson_activity as (
    select
        "Student ID",
        "First Name",
        "Last Name",
        _loaded_at,
        _file_sha256
    from {{ ref('base_iready__comprehensive_student_lesson_activity') }}
),

personalized_instruction_by_lesson as (
    select
        "Student ID",
        "First Name",
        "Last Name",
        _loaded_at,
        _file_sha256
    from {{ ref('base_iready__personalized_instruction_by_lesson') }}
),

diagnostic_results_ela as (
    select
        "Student ID",
        "First Name",
        "Last Name",
        _loaded_at,
        _file_sha256
    from {{ ref('base_iready__diagnostic_results_ela') }}
),

diagnostic_results_math as (
    select
        "Student ID",
        "First Name",
        "Last Name",
        _loaded_at,
        _file_sha256
    from {{ ref('base_iready__diagnostic_results_math') }}
),

delivered as (
    select * from comprehensive_student_lesson_activity
    union all
    select * from personalized_instruction_by_lesson
    union all
    select * from diagnostic_results_ela
    union all
    select * from diagnostic_results_math
),

recent as (
    select *
    from delivered
    {% if is_incremental() %}
        where {{ rows_a_lookup_has_not_seen(current_files) }}
    {% endif %}
),

first_seen as (
    select
        "Student ID",
        "First Name",
        "Last Name",
        min(_loaded_at) as first_loaded_at
    from recent
    group by
        "Student ID",
        "First Name",
        "Last Name"
),

new_combinations as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where
                existing.student_id is not distinct from first_seen."Student ID"
                and existing.first_name is not distinct from first_seen."First Name"
                and existing.last_name is not distinct from first_seen."Last Name"
        )
    {% endif %}
),

lookup as (
    select
        {{ lookup_columns('iready', 'comprehensive_student_lesson_activity', [
            'Student ID', 'First Name', 'Last Name',
        ]) }},
        first_loaded_at
    from new_combinations
)

select * from lookup
