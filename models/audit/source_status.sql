{#
    Whether each source that has delivered is still delivering, and whether what
    it delivers reaches digital_activity and the students: one row per source.
    A source is silent when its newest delivery is older than its freshness window
    (the `freshness.warn_after` of its dbt sources), or when the records in use of
    its activity reports reach no digital_activity row, or no student on the SIS
    roster (once the SIS has delivered students: without a roster, nothing can).
    Evaluated when the warehouse is built (`as_of`); the pipeline checks the
    freshness again on every run, also when nothing new arrived.
#}

{%- set windows = {} %}
{%- if execute %}
    {%- for node in graph.sources.values() if node.package_name == project_name %}
        {%- set warn_after = (node.freshness or {}).get('warn_after') or {} %}
        {%- if warn_after.get('count') %}
            {%- set days = warn_after['count'] * {
                'minute': 1 / 1440, 'hour': 1 / 24, 'day': 1
            }[warn_after['period']] %}
            {%- do windows.update({
                node.source_name: [windows.get(node.source_name, 0), days] | max
            }) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with files as (
    select
        source,
        table_name,
        status,
        is_current_version,
        rows_loaded,
        rows_in_use,
        recorded_at
    from {{ ref('delivered_files') }}
    where source <> 'loader'
),

event_objects as (
    select
        event_object,
        source,
        raw_table
    from {{ ref('digital_activity_event_objects') }}
),

activity_tables as (
    select distinct
        source,
        raw_table
    from event_objects
),

match_rates as (
    select
        event_object,
        activity_rows,
        matched_rows
    from {{ ref('digital_activity_identity_match_rates') }}
),

roster as (
    select count(*) as students
    from {{ ref('int_contoso_sis__students') }}
),

windows as (
    {%- for source_name, days in windows.items() %}
    select
        '{{ source_name }}' as source,
        cast({{ days }} as double) as freshness_days
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as source, cast(null as double) as freshness_days
    where false
    {%- endfor %}
),

deliveries as (
    select
        source,
        count(case when status = 'loaded' and is_current_version then 1 end)
            as files_in_use,
        sum(rows_in_use) as rows_in_use,
        max(case when status = 'loaded' then recorded_at end) as last_delivered_at
    from files
    group by source
),

activity_deliveries as (
    select
        files.source,
        sum(files.rows_in_use) as activity_rows_in_use
    from files
    inner join activity_tables
        on
            files.source = activity_tables.source
            and files.table_name = activity_tables.raw_table
    group by files.source
),

reach as (
    select
        event_objects.source,
        sum(match_rates.activity_rows) as activity_rows,
        sum(match_rates.matched_rows) as student_activity_rows
    from event_objects
    left join match_rates on event_objects.event_object = match_rates.event_object
    group by event_objects.source
),

measured as (
    select
        deliveries.source,
        deliveries.files_in_use,
        cast(deliveries.rows_in_use as bigint) as rows_in_use,
        deliveries.last_delivered_at,
        windows.freshness_days,
        cast(current_timestamp as timestamp) as as_of,
        coalesce(activity_deliveries.activity_rows_in_use, 0)
            as activity_rows_in_use,
        cast(coalesce(reach.activity_rows, 0) as bigint) as activity_rows,
        cast(coalesce(reach.student_activity_rows, 0) as bigint)
            as student_activity_rows,
        roster.students as roster_students
    from deliveries
    cross join roster
    left join windows on deliveries.source = windows.source
    left join reach on deliveries.source = reach.source
    left join activity_deliveries
        on deliveries.source = activity_deliveries.source
),

final as (
    select
        source,
        files_in_use,
        rows_in_use,
        last_delivered_at,
        freshness_days,
        as_of,
        activity_rows,
        student_activity_rows,
        case
            when
                last_delivered_at is not null
                and freshness_days is not null
                and {{ dbt.datediff('last_delivered_at', 'as_of', 'hour') }}
                > freshness_days * 24
                then 'no new delivery since ' || cast(last_delivered_at as date)
                    || ' (expected at least every '
                    || cast(freshness_days as integer) || ' days)'
            when activity_rows_in_use > 0 and activity_rows = 0
                then 'its ' || activity_rows_in_use
                    || ' activity records in use reach no digital_activity row'
            when
                activity_rows > 0
                and student_activity_rows = 0
                and roster_students > 0
                then 'none of its ' || activity_rows
                    || ' digital_activity rows reach a student on the SIS roster'
        end as finding
    from measured
)

select * from final
