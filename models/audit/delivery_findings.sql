{#
    Every finding of every delivery, without a delivered value: one row per file
    version and problem. A problem of the file as a whole (quarantined, ignored,
    read as Latin-1) has no line; rejected and flagged lines are counted per rule,
    with the first line numbers, so anyone can open the file at the right place.
#}

with files as (
    select
        file_id,
        source,
        table_name,
        file_path,
        version_number,
        delivery_status,
        reason,
        is_finding
    from {{ ref('delivered_files') }}
),

rejects as (
    select
        file_id,
        line,
        rule
    from {{ ref('stg_loader__rejects') }}
),

flags as (
    select
        file_id,
        line,
        rule
    from {{ ref('stg_loader__flags') }}
),

unknown_codes as (
    select
        file_path,
        rows_affected,
        first_line,
        first_lines
    from {{ ref('attendance_code_findings') }}
),

lines as (
    select
        file_id,
        'rejected' as finding_kind,
        rule,
        line
    from rejects
    union all
    select
        file_id,
        'flagged' as finding_kind,
        rule,
        line
    from flags
),

by_rule as (
    select
        file_id,
        finding_kind,
        rule,
        count(*) as rows_affected,
        min(line) as first_line,
        {{ first_distinct_values_text('line', 5) }} as first_lines
    from lines
    group by file_id, finding_kind, rule
),

file_problems as (
    select
        file_id,
        'file' as finding_kind,
        reason as rule,
        cast(null as bigint) as rows_affected,
        cast(null as bigint) as first_line,
        cast(null as {{ dbt.type_string() }}) as first_lines
    from files
    where is_finding and reason is not null
),

code_findings as (
    -- found by dbt, not the loader: the records load and stay in staging
    select
        files.file_id,
        'flagged' as finding_kind,
        'AttendanceCode not in the attendance_codes seed' as rule,
        cast(sum(unknown_codes.rows_affected) as bigint) as rows_affected,
        min(unknown_codes.first_line) as first_line,
        min(unknown_codes.first_lines) as first_lines
    from unknown_codes
    inner join files
        on
            unknown_codes.file_path = files.file_path
            and files.delivery_status = 'in use'
    group by files.file_id
),

findings as (
    select * from by_rule
    union all
    select * from file_problems
    union all
    select * from code_findings
),

final as (
    select
        files.file_id,
        files.source,
        files.table_name,
        files.file_path,
        files.version_number,
        files.delivery_status,
        findings.finding_kind,
        findings.rule,
        findings.rows_affected,
        findings.first_line,
        findings.first_lines
    from findings
    inner join files on findings.file_id = files.file_id
)

select * from final
