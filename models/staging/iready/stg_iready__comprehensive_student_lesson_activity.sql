{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_iready__comprehensive_student_lesson_activity')]) }}",
    )
}}

{#
    i-Ready lessons with state standards: one row per lesson a student completed
    per delivered file version in use (ELA and Math).
    Typed and pseudonymized (Student ID hashed, names masked). Incremental by
    delivered file: a new export adds its rows, a restated one replaces them.
#}

with delivered as (
    select
        "Last Name",
        "First Name",
        "Student ID",
        "Student Grade",
        "Academic Year",
        "School",
        "Subject",
        "Domain",
        "Lesson Grade",
        "Lesson Level",
        "Lesson ID",
        "Lesson Name",
        "Lesson Objective",
        "Completion Date",
        "Total Time on Lesson (min)",
        "Score",
        "Passed or Not Passed",
        "Teacher-Assigned Lesson",
        "State Standards",
        "Type of Standard",
        "Standard Code",
        "Standard Text",
        _subject,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_iready__comprehensive_student_lesson_activity') }}
    {{ new_file_versions_only(
        ref('base_iready__comprehensive_student_lesson_activity')
    ) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('iready', 'comprehensive_student_lesson_activity', [
            'Last Name', 'First Name', 'Student ID', 'Student Grade',
            'Academic Year', 'School', 'Subject', 'Domain', 'Lesson Grade',
            'Lesson Level', 'Lesson ID', 'Lesson Name', 'Lesson Objective',
            'Completion Date', 'Total Time on Lesson (min)', 'Score',
            'Passed or Not Passed', 'Teacher-Assigned Lesson',
            'State Standards', 'Type of Standard', 'Standard Code',
            'Standard Text',
        ]) }},
        _subject,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from delivered
),

typed as (
    select
        last_name,
        first_name,
        student_id_pseudonym,
        student_grade,
        academic_year,
        school,
        subject,
        domain,
        lesson_grade,
        lesson_level,
        lesson_id,
        lesson_name,
        lesson_objective,
        {{ parse_date('completion_date', '%m/%d/%Y') }} as completion_date,
        cast(total_time_on_lesson_min as integer) as total_time_on_lesson_min,
        cast(score as double) as score,
        passed_or_not_passed,
        passed_or_not_passed = 'Passed' as is_passed,
        {{ parse_boolean('teacher_assigned_lesson') }} as is_teacher_assigned,
        state_standards,
        type_of_standard,
        standard_code,
        standard_text,
        _subject as subject_folder,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
