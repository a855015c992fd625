{#
    Raw diagnostic_results_math rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('iready', 'diagnostic_results_math') }}
