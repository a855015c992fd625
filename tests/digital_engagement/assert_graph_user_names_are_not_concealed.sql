{#
    Microsoft conceals user names in its usage reports by default: userPrincipalName
    then holds a hash that matches no user, so no Graph activity could reach a
    student and digital rates would silently miss it. Fails the build, naming the
    setting to change, when any delivered Graph report row is concealed. (Reads only
    int_graph__concealed_user_names, so everything else still builds.)
#}

with concealed as (
    select
        report,
        concealed_rows
    from {{ ref('int_graph__concealed_user_names') }}
),

failures as (
    -- the message is raised in the filter, which dbt's test query always evaluates
    select
        report,
        concealed_rows
    from concealed
    where case when concealed_rows > 0 then {{ raise_for_rows(
            "'Graph report ' || report || ' has ' || concealed_rows || ' rows whose "
            ~ "userPrincipalName is concealed (a hash, no @): they cannot be matched to "
            ~ "any student. In the Microsoft 365 admin center, Settings > Org settings "
            ~ "> Services > Reports, clear \"Display concealed user, group, and site "
            ~ "names in all reports\" and export the reports again.'"
        ) }} is null else false end
)

select * from failures
