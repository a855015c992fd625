{#
    How many rows of each Graph usage report carry a concealed user name (a hash
    instead of a userPrincipalName): one row per report. The singular test
    assert_graph_user_names_are_not_concealed fails the build, with instructions,
    when any does; it reads only this model so that the rest of the build, and
    digital_activity with those rows unmatched, still completes.
#}

with m365 as (
    select is_user_name_concealed
    from {{ ref('stg_graph__m365_app_user_detail') }}
),

teams as (
    select is_user_name_concealed
    from {{ ref('stg_graph__teams_activity_user_detail') }}
),

concealed as (
    select
        'M365_App_User_Detail' as report,
        count(*) as report_rows,
        count(case when is_user_name_concealed then 1 end) as concealed_rows
    from m365
    union all
    select
        'Teams_Activity_User_Detail' as report,
        count(*) as report_rows,
        count(case when is_user_name_concealed then 1 end) as concealed_rows
    from teams
)

select * from concealed
