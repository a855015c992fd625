{#
    Raw ref_definition rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'ref_definition') }}
