{#
    Raw aad_user_person_mapping rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'aad_user_person_mapping') }}
