{#
    A privacy check (a failure, never a finding): after primary and complementary
    suppression, no suppressed cell of engagement_by_subgroup can be recovered by
    subtracting the published cells from a published total. A row (a school's, or
    the district's, cells of one subgroup, whose total engagement_by_school
    publishes) with exactly one suppressed cell, and a column (one category's
    school cells, whose total is the district's published cell) with exactly one
    suppressed school cell, are failures. A row with a single cell is the school
    itself and is exempt. One row per failing row or column.
#}

with cells as (
    select
        scope,
        school_year,
        school_id,
        subgroup,
        subgroup_value,
        is_suppressed
    from {{ ref('rpt_engagement_by_subgroup') }}
),

rows_checked as (
    select
        'row' as failing,
        school_year,
        scope,
        school_id,
        subgroup,
        cast(null as {{ dbt.type_string() }}) as subgroup_value,
        count(*) as cells,
        sum(case when is_suppressed then 1 else 0 end) as suppressed_cells
    from cells
    group by
        school_year,
        scope,
        school_id,
        subgroup
),

district_cells as (
    select
        school_year,
        subgroup,
        subgroup_value,
        is_suppressed
    from cells
    where scope = 'district'
),

columns_checked as (
    select
        'column' as failing,
        cells.school_year,
        'school' as scope,
        cast(null as {{ dbt.type_string() }}) as school_id,
        cells.subgroup,
        cells.subgroup_value,
        count(*) as cells,
        sum(case when cells.is_suppressed then 1 else 0 end) as suppressed_cells
    from cells
    inner join district_cells
        on
            cells.school_year = district_cells.school_year
            and cells.subgroup = district_cells.subgroup
            and cells.subgroup_value = district_cells.subgroup_value
    where
        cells.scope = 'school'
        and not district_cells.is_suppressed
    group by
        cells.school_year,
        cells.subgroup,
        cells.subgroup_value
),

failures as (
    select *
    from rows_checked
    where suppressed_cells = 1 and cells > 1
    union all
    select *
    from columns_checked
    where suppressed_cells = 1
)

select * from failures
