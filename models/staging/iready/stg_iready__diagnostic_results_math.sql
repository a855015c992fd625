{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([ref('base_iready__diagnostic_results_math')]) }}",
    )
}}

{#
    i-Ready Math diagnostics: one row per completed diagnostic per delivered file
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
        "Quantile Measure",
        "Quantile Range",
        "Number and Operations Scale Score",
        "Number and Operations Placement",
        "Number and Operations Relative Placement",
        "Algebra and Algebraic Thinking Scale Score",
        "Algebra and Algebraic Thinking Placement",
        "Algebra and Algebraic Thinking Relative Placement",
        "Measurement and Data Scale Score",
        "Measurement and Data Placement",
        "Measurement and Data Relative Placement",
        "Geometry Scale Score",
        "Geometry Placement",
        "Geometry Relative Placement",
        "Diagnostic Language",
        "Annual Typical Growth Measure",
        "Annual Stretch Growth Measure",
        "Mid On Grade Level Scale Score",
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from {{ ref('base_iready__diagnostic_results_math') }}
    {{ new_file_versions_only(ref('base_iready__diagnostic_results_math')) }}
),

pseudonymized as (
    select
        {{ pseudonymized_columns('iready', 'diagnostic_results_math', [
            'Last Name', 'First Name', 'Student ID', 'Student Grade',
            'Academic Year', 'School', 'Start Date', 'Completion Date',
            'Diagnostic used to establish Growth Measures (Y/N)',
            'Most Recent Diagnostic (Y/N)', 'Duration (min)', 'Rush Flag',
            'Overall Scale Score', 'Overall Placement',
            'Overall Relative Placement', 'Percentile', 'Grouping',
            'Quantile Measure', 'Quantile Range',
            'Number and Operations Scale Score',
            'Number and Operations Placement',
            'Number and Operations Relative Placement',
            'Algebra and Algebraic Thinking Scale Score',
            'Algebra and Algebraic Thinking Placement',
            'Algebra and Algebraic Thinking Relative Placement',
            'Measurement and Data Scale Score',
            'Measurement and Data Placement',
            'Measurement and Data Relative Placement', 'Geometry Scale Score',
            'Geometry Placement', 'Geometry Relative Placement',
            'Diagnostic Language', 'Annual Typical Growth Measure',
            'Annual Stretch Growth Measure', 'Mid On Grade Level Scale Score',
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
        quantile_measure,
        quantile_range,
        number_and_operations_scale_score,
        number_and_operations_placement,
        number_and_operations_relative_placement,
        algebra_and_algebraic_thinking_scale_score,
        algebra_and_algebraic_thinking_placement,
        algebra_and_algebraic_thinking_relative_placement,
        measurement_and_data_scale_score,
        measurement_and_data_placement,
        measurement_and_data_relative_placement,
        geometry_scale_score,
        geometry_placement,
        geometry_relative_placement,
        diagnostic_language,
        annual_typical_growth_measure,
        annual_stretch_growth_measure,
        mid_on_grade_level_scale_score,
        _source_file,
        _source_row,
        _file_sha256,
        _loaded_at
    from pseudonymized
)

select * from typed
