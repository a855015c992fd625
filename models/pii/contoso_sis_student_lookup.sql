{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

{#
    Raw SIS student ids and their pseudonyms, one row per id ever delivered in
    attendance, section marks or demographics. Lives only in restricted.duckdb.
    Append-only: a run adds the ids first seen in rows loaded since the last run.
#}

{#- The files' current versions: read by the incremental filter below. #}
{%- set current_files = ref('base_loader__current_files') %}

with attendance_students as (
    select
        student_id,
        _loaded_at,
        _file_sha256
    from {{ ref('base_contoso_sis__studentattendance') }}
),

section_mark_students as (
    select
        student_id,
        _loaded_at,
        _file_sha256
    from {{ ref('base_contoso_sis__studentsectionmark') }}
),

demographics_students as (
    select
        "SIS ID" as student_id,
        _loaded_at,
        _file_sha256
    from {{ ref('base_contoso_sis__studentdemographics') }}
),

students as (
    select * from attendance_students
    union all
    select * from section_mark_students
    union all
    select * from demographics_students
),

recent_students as (
    select *
    from students
    {% if is_incremental() %}
        where {{ rows_a_lookup_has_not_seen(current_files) }}
    {% endif %}
),

first_seen as (
    select
        student_id,
        min(_loaded_at) as first_loaded_at
    from recent_students
    group by student_id
),

new_students as (
    select *
    from first_seen
    {% if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as existing
            where existing.student_id = first_seen.student_id
        )
    {% endif %}
),

lookup as (
    select
        {{ lookup_columns('contoso_sis', 'studentattendance', ['student_id']) }},
        first_loaded_at
    from new_students
)

select * from lookup
