{#
    Raw m365_app_user_detail records of the current version of each delivered file (restricted).
#}
{{ current_version_rows('graph', 'm365_app_user_detail') }}
