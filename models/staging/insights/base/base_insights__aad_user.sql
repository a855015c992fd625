{#
    Raw aad_user rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'aad_user') }}
