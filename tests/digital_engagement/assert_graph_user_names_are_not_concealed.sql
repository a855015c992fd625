{{ config(severity='warn', tags=['finding']) }}

{#
    A finding, not a failure: Microsoft conceals user names in its usage reports by
    default, so userPrincipalName holds a hash that matches no user and no Graph
    activity can reach a student. One row per report with concealed rows; the
    loader has flagged each line (loader.flags) with the setting to change.
#}

with concealed as (
    select
        report,
        concealed_rows
    from {{ ref('int_graph__concealed_user_names') }}
),

failures as (
    select
        report,
        concealed_rows
    from concealed
    where concealed_rows > 0
)

select * from failures
