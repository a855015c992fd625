{#
    Raw person_demographic_race rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'person_demographic_race') }}
