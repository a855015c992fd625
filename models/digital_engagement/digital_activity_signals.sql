{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='_source_file',
        on_schema_change='fail',
        post_hook="{{ forget_emptied_files([
            ref('int_clever__daily_participation_activity'),
            ref('int_clever__resource_usage_activity'),
            ref('int_insights__activity'),
            ref('int_graph__m365_app_activity'),
            ref('int_graph__teams_activity'),
            ref('int_iready__lesson_activity'),
        ]) }}",
    )
}}

{#
    Every activity signal of every source in the activity shape, before identity
    resolution, plus one row per source record that yields no signal (with its
    exclusion reason), so every delivered record is accounted for. Incremental by
    delivered file (see new_file_versions_only): a new delivery appends its rows, a
    restated file replaces its earlier version. digital_activity reads it.
#}

with clever_daily_participation as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_clever__daily_participation_activity') }}
    {{ new_file_versions_only(ref('int_clever__daily_participation_activity')) }}
),

clever_resource_usage as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_clever__resource_usage_activity') }}
    {{ new_file_versions_only(ref('int_clever__resource_usage_activity')) }}
),

insights as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_insights__activity') }}
    {{ new_file_versions_only(ref('int_insights__activity')) }}
),

graph_m365 as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_graph__m365_app_activity') }}
    {{ new_file_versions_only(ref('int_graph__m365_app_activity')) }}
),

graph_teams as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_graph__teams_activity') }}
    {{ new_file_versions_only(ref('int_graph__teams_activity')) }}
),

iready_lessons as (
    select
        {{ activity_shape_columns() }}
    from {{ ref('int_iready__lesson_activity') }}
    {{ new_file_versions_only(ref('int_iready__lesson_activity')) }}
),

unioned as (
    select * from clever_daily_participation
    union all
    select * from clever_resource_usage
    union all
    select * from insights
    union all
    select * from graph_m365
    union all
    select * from graph_teams
    union all
    select * from iready_lessons
)

select * from unioned
