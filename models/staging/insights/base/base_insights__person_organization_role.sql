{#
    Raw person_organization_role rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('insights', 'person_organization_role') }}
