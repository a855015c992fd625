{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_iready__diagnostic_results_ela')]) }}",
    )
}}

{#
    i-Ready ELA diagnostics: one row per completed diagnostic per delivered file
    version in use.
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
        "Start Date",
        "Completion Date",
        "Diagnostic used to establish Growth Measures (Y/N)",
        "Most Recent Diagnostic (Y/N)",
        "Duration (min)",
        "Rush Flag",
        "Overall Scale Score",
        "Overall Placement",
        "Overall Relative Placement",
        "Percentile",
        "Grouping",
        "Lexile Measure",
        "Lexile Range",
        "Phonological Awareness Scale Score",
        "Phonological Awareness Placement",
        "Phonological Awareness Relative Placement",
        "Phonics Scale Score",
        "Phonics Placement",
        "Phonics Relative Placement",
        "High-Frequency Words Scale Score",
        "High-Frequency Words Placement",
        "High-Frequency Words Relative Placement",
        "Vocabulary Scale Score",
        "Vocabulary Placement",
        "Vocabulary Relative Placement",
        "Reading Comprehension: Literature Scale Score",
        "Reading Comprehension: Literature Placement",
        "Reading Comprehension: Literature Relative Placement",
        "Reading Comprehension: Informational Text Scale Score",
        "Reading Comprehension: Informational Text Placement",
        "Reading Comprehension: Informational Text Relative Placement",
        "Diagnostic Language",
        "Annual Typical Growth Measure",
        "Annual Stretch Growth Measure",
        "Mid On Grade Level Scale Score",
        "Reading Difficulty Indicator (Y/N)",
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_iready__diagnostic_results_ela') }}
    {{ new_file_versions_only(ref('base_iready__diagnostic_results_ela')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('iready', 'diagnostic_results_ela', [
            'Last Name', 'First Name', 'Student ID', 'Student Grade',
            'Academic Year', 'School', 'Start Date', 'Completion Date',
            'Diagnostic used to establish Growth Measures (Y/N)',
            'Most Recent Diagnostic (Y/N)', 'Duration (min)', 'Rush Flag',
            'Overall Scale Score', 'Overall Placement',
            'Overall Relative Placement', 'Percentile', 'Grouping',
            'Lexile Measure', 'Lexile Range',
            'Phonological Awareness Scale Score',
            'Phonological Awareness Placement',
            'Phonological Awareness Relative Placement', 'Phonics Scale Score',
            'Phonics Placement', 'Phonics Relative Placement',
            'High-Frequency Words Scale Score',
            'High-Frequency Words Placement',
            'High-Frequency Words Relative Placement',
            'Vocabulary Scale Score', 'Vocabulary Placement',
            'Vocabulary Relative Placement',
            'Reading Comprehension: Literature Scale Score',
            'Reading Comprehension: Literature Placement',
            'Reading Comprehension: Literature Relative Placement',
            'Reading Comprehension: Informational Text Scale Score',
            'Reading Comprehension: Informational Text Placement',
            'Reading Comprehension: Informational Text Relative Placement',
            'Diagnostic Language', 'Annual Typical Growth Measure',
            'Annual Stretch Growth Measure', 'Mid On Grade Level Scale Score',
            'Reading Difficulty Indicator (Y/N)',
        ]) }},
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
        {{ parse_date('start_date', '%m/%d/%Y') }} as start_date,
        {{ parse_date('completion_date', '%m/%d/%Y') }} as completion_date,
        diagnostic_used_to_establish_growth_measures_y_n,
        most_recent_diagnostic_y_n,
        cast(duration_min as integer) as duration_min,
        rush_flag,
        cast(overall_scale_score as double) as overall_scale_score,
        overall_placement,
        overall_relative_placement,
        cast(percentile as double) as percentile,
        grouping,
        lexile_measure,
        lexile_range,
        phonological_awareness_scale_score,
        phonological_awareness_placement,
        phonological_awareness_relative_placement,
        phonics_scale_score,
        phonics_placement,
        phonics_relative_placement,
        high_frequency_words_scale_score,
        high_frequency_words_placement,
        high_frequency_words_relative_placement,
        vocabulary_scale_score,
        vocabulary_placement,
        vocabulary_relative_placement,
        reading_comprehension_literature_scale_score,
        reading_comprehension_literature_placement,
        reading_comprehension_literature_relative_placement,
        reading_comprehension_informational_text_scale_score,
        reading_comprehension_informational_text_placement,
        reading_comprehension_informational_text_relative_placement,
        diagnostic_language,
        annual_typical_growth_measure,
        annual_stretch_growth_measure,
        mid_on_grade_level_scale_score,
        reading_difficulty_indicator_y_n,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
