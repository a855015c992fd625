{#
    Raw person_demographic_ethnicity rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'person_demographic_ethnicity') }}
