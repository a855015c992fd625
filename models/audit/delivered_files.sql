{#
    Every delivered file version and where each of its records is: in use,
    rejected (with a rule, see delivery_findings) or superseded, so that
    rows_in = rows_in_use + rows_rejected + rows_superseded for every loaded file.

    A loaded version is current while it is the newest loaded content of its path;
    an older one is superseded whole. Of a current version, the records staging
    holds are in use; the others were replaced by a later delivery of the same key
    (a later SIS batch, a newer roster snapshot). Tables that have no staging model
    keep every record of their current versions in use.
#}

{%- set staging_models = [
    'stg_clever__daily_participation',
    'stg_clever__resource_usage',
    'stg_contoso_sis__studentattendance',
    'stg_contoso_sis__studentdemographics',
    'stg_contoso_sis__studentsectionmark',
    'stg_graph__m365_app_user_detail',
    'stg_graph__teams_activity_user_detail',
    'stg_graph__users',
    'stg_insights__aad_user',
    'stg_insights__aad_user_person_mapping',
    'stg_insights__activity',
    'stg_insights__organization',
    'stg_insights__person',
    'stg_insights__person_demographic_ethnicity',
    'stg_insights__person_demographic_person_flag',
    'stg_insights__person_demographic_race',
    'stg_insights__person_organization_role',
    'stg_insights__ref_definition',
    'stg_iready__comprehensive_student_lesson_activity',
    'stg_iready__diagnostic_results_ela',
    'stg_iready__diagnostic_results_math',
    'stg_iready__personalized_instruction_by_lesson',
] %}

with files as (
    select
        file_id,
        source,
        table_name,
        file_path,
        file_sha256,
        status,
        reason,
        duplicate_of,
        rows_in,
        rows_loaded,
        rows_rejected,
        rows_flagged,
        encoding,
        is_finding,
        recorded_at
    from {{ ref('stg_loader__files') }}
),

staged as (
    {%- for model in staging_models %}
        {%- set source_name, table_name = model[4:].split('__') %}
        select
            '{{ source_name }}' as source,
            '{{ table_name }}' as table_name,
            _source_file as file_path,
            _file_sha256 as file_sha256,
            count(*) as rows_staged
        from {{ ref(model) }}
        group by _source_file, _file_sha256
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

staged_tables as (
    {%- for model in staging_models %}
        {%- set source_name, table_name = model[4:].split('__') %}
        select
            '{{ source_name }}' as source,
            '{{ table_name }}' as table_name
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

versions as (
    select
        files.*,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            partition by files.file_path
            order by files.file_id
        ) as bigint) as version_number,
        files.file_id = max(
            case when files.status = 'loaded' then files.file_id end
        ) over (partition by files.file_path) as is_current_version
    from files
),

counted as (
    select
        versions.*,
        case
            when versions.status <> 'loaded' or not versions.is_current_version
                then 0
            when staged_tables.table_name is null then versions.rows_loaded
            else coalesce(staged.rows_staged, 0)
        end as rows_in_use
    from versions
    left join staged_tables
        on
            versions.source = staged_tables.source
            and versions.table_name = staged_tables.table_name
    left join staged
        on
            versions.source = staged.source
            and versions.table_name = staged.table_name
            and versions.file_path = staged.file_path
            and versions.file_sha256 = staged.file_sha256
),

final as (
    select
        file_id,
        source,
        table_name,
        file_path,
        version_number,
        status,
        is_current_version,
        reason,
        duplicate_of,
        encoding,
        rows_in,
        rows_loaded,
        rows_rejected,
        rows_flagged,
        rows_in_use,
        is_finding,
        recorded_at,
        case
            when status <> 'loaded' then status
            when is_current_version then 'in use'
            else 'superseded by a newer version'
        end as delivery_status,
        case
            when status = 'loaded' then rows_loaded - rows_in_use else 0
        end as rows_superseded
    from counted
)

select * from final
