{#
    Raw users records of the current version of each delivered file (restricted).
#}
{{ current_version_rows('graph', 'users') }}
