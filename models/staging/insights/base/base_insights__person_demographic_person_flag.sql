{#
    Raw person_demographic_person_flag rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'person_demographic_person_flag') }}
