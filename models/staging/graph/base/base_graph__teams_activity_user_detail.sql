{#
    Raw teams_activity_user_detail records of the current version of each delivered file (restricted).
#}
{{ current_version_rows('graph', 'teams_activity_user_detail') }}
